import { createHmac } from "node:crypto";
import type { RedisLink, RespConnection, SendOptions } from "@/lib/redis/resp-connection";
import { isRouted } from "@/lib/redis/routed";
import { keySlot } from "@/lib/redis/slots";
import { type NodeAddr, redirectOf } from "@/lib/redis/cluster";
import { SandboxError } from "@/lib/errors";
import type { Reply } from "@/lib/resp/reply";
import { internalError } from "@/lib/errors";
import type { Namespace } from "./namespace";

/**
 * The second wall, per visitor: every namespace has an ACL user of its own that
 * may touch only its own keys and channels (`~pg:{id}:*`, `&pg:{id}:*`), and
 * every command a namespace runs is run as that user. A rewriter bug can then
 * reach nothing but the visitor's own keys: Redis itself refuses with NOPERM.
 *
 * How (docs/architecture.md, "The two walls"):
 * - Users are created on demand by the warden (an ACL user that may run ACL
 *   SETUSER/DELUSER and nothing else), with a password derived from the
 *   session secret, so every app instance derives the same one and nothing has
 *   to be stored. A user lost with a Redis restart is created again on the
 *   first WRONGPASS.
 * - On the shared connection every command is sent as `AUTH <user>`,
 *   `<command>`, `AUTH <rest user>`, pipelined back to back. The connection
 *   rests as a user that may do nothing (PING and COMMAND at most), so if the
 *   first AUTH fails the command is refused (NOPERM) and never runs as anybody
 *   else; and ACL DELUSER, which drops every connection currently
 *   authenticated as the deleted user, never finds the shared connection
 *   resting as a visitor. Measured: AUTH costs what PING costs (bench).
 * - Dedicated connections (MULTI/WATCH leases, blocking commands, scenario
 *   workers) authenticate once, before their first command, and wait for the
 *   answer.
 * Redis 7.0 facts relied on (checked against a scratch server): a failed AUTH
 * leaves the connection's user as it was; ACL SETUSER on an existing user keeps
 * its connections; about 750 bytes of server memory per user.
 */
export interface Sender {
  send(argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply>;
}

export interface Credentials {
  username: string;
  password: string;
}

/** Command rules of every visitor's user: the same as the shared sandbox user's (README "Using your own Redis"). */
export const VISITOR_COMMAND_RULES = "+@all -@admin -@dangerous -@scripting +sort +sort_ro -select -move -wait -client|reply -client|tracking -client|caching";
/**
 * The resting user of shared and pooled connections: nothing but PING, COMMAND,
 * naming the connection and exempting it from client eviction. It has no password (`nopass`): signing in as it
 * gives nothing, and it can exist before the app starts (the embedded Redis's
 * ACL file has it), so a connection never has to wait for it.
 */
export const REST_RULES = "on nopass resetkeys resetchannels -@all +ping +command +client|setname +client|no-evict";
export const REST_USER = "pg-rest";

const PREFIX_RE = /^(?:pg|room):\{[A-Za-z0-9_-]{1,32}\}:$/;

export class NamespaceUsers {
  private passwords = new Map<string, string>();

  constructor(
    private readonly warden: RedisLink,
    private readonly secret: string,
  ) {}

  /** The resting user: may do nothing with keys or channels. */
  rest(): Credentials {
    return { username: REST_USER, password: "rest" };
  }

  credentials(ns: Namespace): Credentials {
    // The prefix becomes an ACL glob: only the exact formats, never a glob character.
    if (!PREFIX_RE.test(ns.prefix)) throw internalError(`Not a namespace prefix: ${JSON.stringify(ns.prefix)}`);
    let password = this.passwords.get(ns.prefix);
    if (!password) {
      password = this.derive(`ns:${ns.prefix}`);
      if (this.passwords.size >= 50_000) this.passwords.delete(this.passwords.keys().next().value!);
      this.passwords.set(ns.prefix, password);
    }
    return { username: `ns:${ns.prefix}`, password };
  }

  /** Creates (or refreshes) the namespace's user. Idempotent: ACL SETUSER keeps connected clients. */
  async ensure(ns: Namespace): Promise<void> {
    const { username, password } = this.credentials(ns);
    const rules = ["reset", "on", `>${password}`, `~${ns.prefix}*`, `&${ns.prefix}*`, ...VISITOR_COMMAND_RULES.split(" ")];
    const failed = (await this.everyNode(["ACL", "SETUSER", username, ...rules])).find((r) => r.t === "error");
    if (failed?.t === "error") throw internalError(`ACL SETUSER failed: ${failed.v}`);
  }

  /** The warden's command on its one Redis, or on every node of a cluster (Redis does not propagate ACLs; replicas too, for a failover). */
  private async everyNode(argv: string[]): Promise<Reply[]> {
    return isRouted(this.warden) ? this.warden.sendAll(argv) : [await this.warden.send(argv)];
  }

  /** Creates (or refreshes) the resting user. */
  async ensureRest(): Promise<void> {
    const failed = (await this.everyNode(["ACL", "SETUSER", REST_USER, "reset", ...REST_RULES.split(" ")])).find((r) => r.t === "error");
    if (failed?.t === "error") throw internalError(`ACL SETUSER failed: ${failed.v}`);
  }

  /** Deletes the namespace's user (its keys are deleted by the caller). */
  async drop(ns: Namespace): Promise<void> {
    this.passwords.delete(ns.prefix);
    await this.everyNode(["ACL", "DELUSER", this.credentials(ns).username]);
  }

  /** A sender that runs every command as the namespace's user on a shared, resting connection. */
  scoped(conn: RedisLink, ns: Namespace): Sender {
    return { send: (argv, opts) => this.sendAs(conn, ns, argv, opts) };
  }

  private async sendAs(link: RedisLink, ns: Namespace, argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply> {
    const me = this.credentials(ns);
    const rest = this.rest();
    // On a cluster, the whole sandwich goes to the namespace's master (its hash tag is one slot);
    // a MOVED or ASK sends the whole sandwich again on the node named (lib/redis/cluster.ts).
    const routed = isRouted(link) ? link : null;
    const slot = routed ? keySlot(ns.prefix) : 0;
    let ask: NodeAddr | null = null;
    for (let attempt = 0, redirects = 0; ; attempt++) {
      const conn: RedisLink = routed ? (ask ? routed.node(ask) : routed.forSlot(slot)) : link;
      if (routed) await conn.ensureReady();
      // Three sends in one synchronous block: RespConnection writes them back
      // to back, so no other command can run between the AUTH and this one.
      const auth = conn.send(["AUTH", me.username, me.password]);
      const asking = ask ? conn.send(["ASKING"]) : null;
      const reply: Promise<Reply> = conn.send(argv, opts);
      const back = conn.send(["AUTH", rest.username, rest.password]);
      const [a, r, b] = await Promise.allSettled([auth, reply, back]);
      await asking?.catch(() => {});
      if (a.status === "rejected") throw a.reason;
      if (r.status === "rejected") throw r.reason;
      if (b.status === "rejected" || b.value.t === "error") {
        // Should never happen (the resting user is created at start); the
        // next command's AUTH still decides who runs it.
        console.error("[acl] could not return the shared connection to its resting user", b.status === "fulfilled" ? b.value : b.reason);
      }
      if (a.value.t !== "error") {
        const to: ReturnType<typeof redirectOf> = routed && redirects < 5 ? redirectOf(r.value) : null;
        if (!to) {
          if (routed && r.value.t === "error" && r.value.v.startsWith("CLUSTERDOWN")) {
            routed.map.refreshSoon();
            throw new SandboxError("redis_unavailable");
          }
          return r.value;
        }
        redirects++;
        attempt--;
        if (to.kind === "MOVED") {
          routed?.map.moved(to.slot, to.to);
          ask = null;
        } else ask = to.to;
        continue;
      }
      // The user does not exist (yet, or any more after a Redis restart): the
      // command was refused as the resting user, so it is safe to send again.
      if (attempt === 0 && a.value.v.startsWith("WRONGPASS")) {
        await this.ensure(ns);
        continue;
      }
      throw internalError(`AUTH as the namespace's user failed: ${a.value.v}`);
    }
  }

  /** Authenticates a dedicated connection as the namespace's user before its first command. */
  async login(conn: RespConnection, ns: Namespace): Promise<void> {
    const me = this.credentials(ns);
    for (let attempt = 0; ; attempt++) {
      const a = await conn.send(["AUTH", me.username, me.password]);
      if (a.t !== "error") return;
      if (attempt === 0 && a.v.startsWith("WRONGPASS")) {
        await this.ensure(ns);
        continue;
      }
      throw internalError(`AUTH as the namespace's user failed: ${a.v}`);
    }
  }

  private derive(what: string): string {
    return createHmac("sha256", this.secret).update(`acl:v1:${what}`).digest("base64url");
  }
}
