import { RespConnection, type RedisTarget } from "@/lib/redis/resp-connection";
import { type NodeAddr, redirectOf } from "@/lib/redis/cluster";
import type { Reply } from "@/lib/resp/reply";
import { SandboxError } from "@/lib/errors";
import type { CommandInfo } from "./command-table";
import { type Problem, problem } from "@/lib/problems";

/**
 * Dedicated connections for what cannot share one (docs/architecture.md "Connections"): a console tab
 * in MULTI or WATCH keeps a connection of its own until EXEC/DISCARD/UNWATCH,
 * and a blocking command borrows one for as long as it blocks. The pool is
 * bounded; a lease left idle is closed (which discards its transaction) and
 * the next command from that tab is told why.
 *
 * Three bounds, each said with its number when it bites: per session
 * (`perSession` leases, and as many blocking commands), per client address
 * (`perIp` connections, leases and blocking borrows together: sessions are
 * free, so only the address can stop one visitor from taking the pool with
 * many), and in all (`max`). Each is counted before the first await, so
 * concurrent requests cannot all pass a bound at once.
 */
export interface Lease {
  key: string;
  sessionId: string;
  /** The client address it is counted against (`?` when unknown: those share one count). */
  address: string;
  conn: RespConnection;
  multi: boolean;
  watching: boolean;
  /** Commands queued since MULTI, to un-rewrite EXEC's reply item by item. */
  queued: Array<CommandInfo | undefined>;
  /** A command was refused inside MULTI: EXEC must abort, as Redis does. */
  aborted: boolean;
  timer: NodeJS.Timeout | null;
  onDown: () => void;
}

export interface LeaseOptions {
  max: number;
  perSession: number;
  /** Dedicated connections one client address may hold, leases and blocking borrows together. */
  perIp: number;
  idleMs: number;
}

/** The address a connection is counted against; an unknown one is one address, never none (fail closed). */
const addressOf = (ip: string | undefined) => (ip ? ip : "?");

function bump(m: Map<string, number>, k: string, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}

export class LeasePool {
  private idle: RespConnection[] = [];
  private inUse = 0;
  private leases = new Map<string, Lease>();
  /** Why a tab's lease ended, told once on its next command. */
  private ended = new Map<string, { reason: Problem; at: number }>();
  private serial = 0;
  /** Leases per session, opening ones included. */
  private sessionLeases = new Map<string, number>();
  /** Dedicated connections per client address: leases (opening ones included) and blocking borrows. */
  private byAddress = new Map<string, number>();

  constructor(
    private readonly target: RedisTarget,
    readonly opts: LeaseOptions,
    /** On a cluster, the slot map (lib/redis/cluster.ts): a namespace's dedicated connections go to its slot's master. */
    private readonly cluster?: { nodeFor(slot: number): NodeAddr | undefined; moved(slot: number, to: NodeAddr): void },
  ) {}

  /**
   * Whether a reply on a dedicated connection redirects (MOVED or ASK: on a
   * cluster, the namespace's slot is now served by another node, after a
   * failover or while it is resharded). A MOVED teaches the slot map at once,
   * so the next connection goes to the new master. The caller ends the lease:
   * MULTI and WATCH live on this connection and cannot follow the slot.
   */
  redirected(reply: Reply): boolean {
    const to = this.cluster ? redirectOf(reply) : null;
    if (!to) return false;
    if (to.kind === "MOVED") this.cluster?.moved(to.slot, to.to);
    return true;
  }

  get(key: string): Lease | undefined {
    return this.leases.get(key);
  }

  /** The reason a tab's lease ended since its last command, if any (read once). */
  takeEnded(key: string): Problem | undefined {
    const e = this.ended.get(key);
    if (!e) return undefined;
    this.ended.delete(key);
    return Date.now() - e.at < 30 * 60_000 ? e.reason : undefined;
  }

  stats(): { open: number; inUse: number; leases: number; max: number; addresses: number } {
    return { open: this.inUse + this.idle.length, inUse: this.inUse, leases: this.leases.size, max: this.opts.max, addresses: this.byAddress.size };
  }

  /** Dedicated connections a client address holds now (leases and blocking borrows). */
  heldBy(ip: string | undefined): number {
    return this.byAddress.get(addressOf(ip)) ?? 0;
  }

  /** Counts one more connection for an address, or refuses it with the number. */
  private claimAddress(address: string): void {
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.opts.perIp) {
      throw new SandboxError("over_cap", problem("limit:connections-address", { n, perIp: this.opts.perIp, max: this.opts.max }), 2);
    }
    bump(this.byAddress, address, 1);
  }

  /** Opens a lease for a console tab (MULTI or WATCH), counted against its session and its client address. */
  async open(key: string, sessionId: string, ip?: string, slot?: number): Promise<Lease> {
    const existing = this.leases.get(key);
    if (existing) return existing;
    const mine = this.sessionLeases.get(sessionId) ?? 0;
    if (mine >= this.opts.perSession) {
      throw new SandboxError("over_cap", problem("limit:transactions", { n: mine, max: this.opts.perSession }), 2);
    }
    const address = addressOf(ip);
    this.claimAddress(address);
    bump(this.sessionLeases, sessionId, 1); // counted before the await, so concurrent calls see it
    let conn: RespConnection;
    try {
      conn = await this.acquire(slot);
    } catch (e) {
      bump(this.sessionLeases, sessionId, -1);
      bump(this.byAddress, address, -1);
      throw e;
    }
    const lease: Lease = { key, sessionId, address, conn, multi: false, watching: false, queued: [], aborted: false, timer: null, onDown: () => {} };
    lease.onDown = () => this.end(lease, problem("lease:lost"));
    this.leases.set(key, lease);
    conn.once("down", lease.onDown);
    this.touch(lease);
    return lease;
  }

  /** Keeps a lease alive for another idle period. */
  touch(lease: Lease): void {
    if (lease.timer) clearTimeout(lease.timer);
    lease.timer = setTimeout(() => {
      const secs = Math.round(this.opts.idleMs / 1000);
      this.end(lease, problem("lease:idle", { what: lease.multi ? "MULTI" : "WATCH", seconds: secs }));
    }, this.opts.idleMs);
    lease.timer.unref?.();
  }

  /** Returns a lease whose transaction finished cleanly (EXEC, DISCARD, UNWATCH). */
  release(lease: Lease): void {
    if (this.leases.get(lease.key) !== lease) return; // released already (two EXECs at once): giving it back twice would hand one connection to two visitors
    if (lease.timer) clearTimeout(lease.timer);
    lease.conn.off("down", lease.onDown);
    this.leases.delete(lease.key);
    this.uncount(lease);
    this.give(lease.conn, true);
  }

  private uncount(lease: Lease): void {
    bump(this.sessionLeases, lease.sessionId, -1);
    bump(this.byAddress, lease.address, -1);
  }

  /** Ends a lease that did not finish: its connection is closed, never reused. */
  end(lease: Lease, reason: Problem): void {
    if (this.leases.get(lease.key) !== lease) return;
    if (lease.timer) clearTimeout(lease.timer);
    lease.conn.off("down", lease.onDown);
    this.leases.delete(lease.key);
    this.uncount(lease);
    this.ended.set(lease.key, { reason, at: Date.now() });
    this.give(lease.conn, false);
  }

  private blocking = new Map<string, number>();

  /**
   * Borrows a connection for one blocking command of a session: at most
   * `perSession` at once per session and `perIp` connections per client
   * address, so neither one visitor nor many sessions from one address can
   * take the pool.
   */
  async borrowForBlocking(sessionId: string, ip?: string, slot?: number): Promise<{ conn: RespConnection; done: (clean: boolean) => void }> {
    const n = this.blocking.get(sessionId) ?? 0;
    if (n >= this.opts.perSession) {
      throw new SandboxError("over_cap", problem("limit:blocking", { n, max: this.opts.perSession }), 1);
    }
    const address = addressOf(ip);
    this.claimAddress(address);
    this.blocking.set(sessionId, n + 1); // counted before the await, so concurrent calls see it
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      bump(this.blocking, sessionId, -1);
      bump(this.byAddress, address, -1);
    };
    let conn: RespConnection;
    try {
      conn = await this.acquire(slot);
    } catch (e) {
      release();
      throw e;
    }
    return {
      conn,
      done: (clean) => {
        release();
        this.give(conn, clean);
      },
    };
  }

  /** Where a dedicated connection for `slot` connects: the one Redis, or the slot's master on a cluster. */
  private targetFor(slot: number | undefined): RedisTarget {
    if (!this.cluster || slot === undefined) return this.target;
    const node = this.cluster.nodeFor(slot);
    if (!node) throw new SandboxError("redis_unavailable");
    return { ...this.target, host: node.host, port: node.port };
  }

  /** Borrows a clean connection (for one blocking command, or a new lease), to the node serving `slot` on a cluster. */
  async acquire(slot?: number): Promise<RespConnection> {
    const target = this.targetFor(slot);
    for (const c of this.idle.filter((c) => !c.isReady)) c.close();
    this.idle = this.idle.filter((c) => c.isReady);
    const at = this.idle.findIndex((c) => c.target.host === target.host && c.target.port === target.port);
    let conn = at >= 0 ? this.idle.splice(at, 1)[0] : undefined;
    if (!conn) {
      if (this.inUse >= this.opts.max) {
        throw new SandboxError("busy", problem("limit:connections", { max: this.opts.max }), 2);
      }
      conn = new RespConnection(target, `playground-lease-${++this.serial}`);
      this.inUse++;
      try {
        await conn.waitReady(3000);
      } catch (e) {
        this.inUse--;
        conn.close();
        throw e;
      }
      return conn;
    }
    this.inUse++;
    return conn;
  }

  /** Gives a borrowed connection back; `clean` means no MULTI, WATCH or pending block. */
  give(conn: RespConnection, clean: boolean): void {
    this.inUse--;
    if (clean && conn.isReady && this.idle.length < 4) this.idle.push(conn);
    else if (clean && conn.isReady) {
      this.idle.shift()?.close(); // the oldest idle one goes: on a cluster, the pool follows where visitors are
      this.idle.push(conn);
    } else conn.close();
  }

  close(): void {
    for (const l of this.leases.values()) if (l.timer) clearTimeout(l.timer);
    for (const l of this.leases.values()) l.conn.close();
    for (const c of this.idle) c.close();
    this.leases.clear();
    this.sessionLeases.clear();
    this.byAddress.clear();
    this.blocking.clear();
    this.idle = [];
  }
}
