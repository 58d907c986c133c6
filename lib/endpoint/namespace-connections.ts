import { RespConnection } from "@/lib/redis/resp-connection";
import type { Runtime } from "@/lib/runtime";
import type { Sender } from "@/lib/sandbox/acl-users";
import type { Namespace } from "@/lib/sandbox/namespace";

interface Entry {
  conn: RespConnection;
  login: Promise<void>;
  used: number;
  gone: boolean;
}

/**
 * One Redis connection per namespace that learners' own clients are using,
 * signed in once as that namespace's ACL user. The console runs each command
 * as an AUTH sandwich on the shared connection (three commands for one, each
 * AUTH hashing a password in Redis); a client of the endpoint pipelining
 * thousands of commands a second gets the same wall, the namespace's ACL user,
 * at one command per command. Its commands are stateless, as on the shared
 * connection (MULTI, WATCH and blocking commands take a lease; SUBSCRIBE goes
 * to the hub), and every endpoint client of the namespace shares it, pipelined.
 *
 * Bounded: at most `max` connections (PLAYGROUND_RESP_NAMESPACE_CONNECTIONS);
 * past it, the least recently used idle one is closed, or, none idle, the
 * namespace uses the shared connection as the console does. One idle for
 * `idleMs` is closed. A connection that drops is closed, never reconnected:
 * it would come back as the resting user.
 *
 * Off (null) without per-namespace users (every visitor shares one user, the
 * shared connection is as good) and on a Redis Cluster (the shared routed
 * connection follows MOVED and failovers; a plain one per namespace would not).
 */
export class NamespaceConnections {
  private pool = new Map<string, Entry>();
  private serial = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly rt: Runtime,
    private readonly max: number,
    private readonly idleMs = 30_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(5000, idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.pool.size;
  }

  sender(ns: Namespace): Sender | null {
    if (!this.rt.users || this.rt.cluster || this.max <= 0) return null;
    let e = this.pool.get(ns.prefix);
    if (e?.gone) e = undefined;
    if (!e) {
      if (this.pool.size >= this.max && !this.evictOne()) return null;
      e = this.open(ns);
    }
    e.used = Date.now();
    const entry = e;
    return {
      send: async (argv, opts) => {
        await entry.login;
        return entry.conn.send(argv, opts);
      },
    };
  }

  private open(ns: Namespace): Entry {
    const conn = new RespConnection({ ...this.rt.sandboxTarget, connection: this.rt.visitorConn }, `playground-ns-${++this.serial}`);
    const e: Entry = { conn, used: Date.now(), gone: false, login: Promise.resolve() };
    e.login = conn.waitReady(3000).then(() => this.rt.login(conn, ns));
    e.login.catch(() => this.drop(ns.prefix, e));
    conn.on("down", () => this.drop(ns.prefix, e));
    this.pool.set(ns.prefix, e);
    return e;
  }

  private drop(prefix: string, e: Entry): void {
    e.gone = true;
    e.conn.close();
    if (this.pool.get(prefix) === e) this.pool.delete(prefix);
  }

  /** Closes the least recently used connection idle for a second or more; false when every one is busy. */
  private evictOne(): boolean {
    let oldest: [string, Entry] | null = null;
    for (const kv of this.pool) if (!oldest || kv[1].used < oldest[1].used) oldest = kv;
    if (!oldest || Date.now() - oldest[1].used < 1000) return false;
    this.drop(oldest[0], oldest[1]);
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [prefix, e] of this.pool) if (now - e.used > this.idleMs) this.drop(prefix, e);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [prefix, e] of this.pool) this.drop(prefix, e);
  }
}
