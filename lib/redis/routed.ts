import { EventEmitter } from "node:events";
import { isSandboxError, SandboxError } from "@/lib/errors";
import type { Reply } from "@/lib/resp/reply";
import { ClusterConnection, type ClusterMap, type NodeAddr } from "./cluster";
import type { ConnectionOptions, RedisLink, RedisTarget, RespConnection, SendOptions } from "./resp-connection";
import { keySlot } from "./slots";

const dec = new TextDecoder();
const word = (a: Uint8Array | string | undefined) => (a === undefined ? "" : typeof a === "string" ? a : dec.decode(a)).toLowerCase();

/**
 * Commands the app sends that name no key: they go to any master. Every
 * other command's key is its first argument (the app's own commands are all
 * of that shape; a visitor's go through the AUTH sandwich, routed by their
 * namespace, lib/sandbox/acl-users.ts).
 */
const KEYLESS = new Set(["ping", "echo", "time", "command", "cluster", "info", "acl", "auth", "client", "hello", "scan", "dbsize", "config", "memory"]);

/**
 * A shared connection (the sandbox's, the app's, the warden's) on a Redis
 * Cluster, with the surface of one RespConnection (`RedisLink`): each
 * command goes to the master of its key's slot (lib/redis/cluster.ts), a
 * keyless one to any master. "ready" is emitted whenever a node connection
 * becomes ready, "down" whenever one drops, as a single connection would.
 */
export class RoutedConnection extends EventEmitter implements RedisLink {
  readonly cluster: ClusterConnection;
  readonly timeoutMs: number;
  private started: Promise<void>;

  constructor(
    readonly map: ClusterMap,
    readonly target: RedisTarget,
    readonly name = "playground",
    options: ConnectionOptions = target.connection ?? {},
    mapReady: Promise<void> = Promise.resolve(),
  ) {
    super();
    this.cluster = new ClusterConnection(map, target, name, options);
    this.cluster.onNode = (c) => {
      c.on("ready", () => this.emit("ready"));
      c.on("down", () => this.emit("down"));
      c.on("handshake-error", (e) => this.emit("handshake-error", e));
    };
    this.timeoutMs = options.timeoutMs ?? 2000;
    // Connect to every master at once, so the first command finds its node ready; and to a new one (a
    // promoted replica) as soon as the map names it.
    this.started = mapReady.then(() => void this.cluster.masters());
    this.started.catch(() => {});
    map.on("changed", () => void this.cluster.masters());
  }

  /**
   * Ready when some master's connection is ready (or on its first connect). One master down must
   * not stop the visitors of the others: each command's own node is checked when it is sent, and
   * fails fast there (lib/redis/cluster.ts).
   */
  get isReady(): boolean {
    return this.map.masters().some((m) => {
      const c = this.cluster.node(m);
      return c.isReady || c.connecting;
    });
  }

  /** Waits for the map and for some master; a command to a master that is down fails when it is sent. */
  async ensureReady(): Promise<void> {
    await this.started;
    if (this.isReady) return;
    await Promise.any(this.cluster.masters().map((c) => c.ensureReady())).catch(() => {
      throw new SandboxError("redis_unavailable");
    });
  }

  async waitReady(ms = 5000): Promise<void> {
    await Promise.race([
      this.started.then(() => Promise.all(this.cluster.masters().map((c) => c.waitReady(ms)))),
      new Promise((_, reject) => setTimeout(() => reject(new SandboxError("redis_unavailable")), ms).unref?.()),
    ]);
  }

  /** The slot a command of the app's goes to; undefined for a keyless one. */
  static slotOf(argv: readonly (Uint8Array | string)[]): number | undefined {
    if (argv.length < 2 || KEYLESS.has(word(argv[0]))) return undefined;
    return keySlot(argv[1]);
  }

  async send(argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply> {
    await this.started;
    const slot = RoutedConnection.slotOf(argv);
    if (slot !== undefined) return this.cluster.send(slot, argv, opts);
    const any = this.anyReady();
    return any.send(argv, opts);
  }

  /** The connection to the master of `slot`: for commands that must run back to back on one node (the AUTH sandwich). */
  forSlot(slot: number): RespConnection {
    return this.cluster.forSlot(slot);
  }

  /** The connection to one node (a MOVED or ASK target). */
  node(addr: NodeAddr): RespConnection {
    return this.cluster.node(addr);
  }

  /**
   * Sends to every node the map lists, replicas included (ACL SETUSER/DELUSER: Redis does not
   * propagate ACLs). Masters' replies first, in `replies`; a replica that is down or fails is only
   * reported in `replicas` (it gets the user on its first WRONGPASS if it is ever promoted).
   */
  async sendAll(argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply[]> {
    await this.started;
    const masters = new Set(this.map.masters().map((a) => `${a.host}:${a.port}`));
    const replies = await Promise.all(
      this.map.all().map(async (a) => {
        const c = this.cluster.node(a);
        try {
          await c.ensureReady();
          return await c.send(argv, opts);
        } catch (e) {
          if (!isSandboxError(e)) throw e;
          return { t: "error", v: `ERR node ${a.host}:${a.port} is unavailable` } as Reply;
        }
      }),
    );
    const all = this.map.all();
    for (const [i, r] of replies.entries()) {
      if (r.t === "error" && !masters.has(`${all[i].host}:${all[i].port}`))
        console.warn(`[cluster] ${String(argv[0])} ${String(argv[1])} on replica ${all[i].host}:${all[i].port}: ${r.v}`);
    }
    return replies.filter((_, i) => masters.has(`${all[i].host}:${all[i].port}`));
  }

  /** Every master's connection (a keyspace SCAN must walk each). */
  masters(): RespConnection[] {
    return this.cluster.masters();
  }

  private anyReady(): RespConnection {
    const masters = this.cluster.masters();
    const c = masters.find((m) => m.isReady);
    if (!c) {
      this.map.refreshSoon();
      throw new SandboxError("redis_unavailable");
    }
    return c;
  }

  close(): void {
    this.cluster.close();
  }
}

/** Duck-typed: lib/ is loaded twice (docs/architecture.md), so `instanceof` may not hold. */
export function isRouted(link: RedisLink): link is RedisLink & RoutedConnection {
  const r = link as unknown as Partial<RoutedConnection>;
  return typeof r.forSlot === "function" && typeof r.sendAll === "function";
}
