import { RespConnection, type RedisTarget } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import type { CommandInfo } from "./command-table";

/**
 * Dedicated connections for what cannot share one (DESIGN §3): a console tab
 * in MULTI or WATCH keeps a connection of its own until EXEC/DISCARD/UNWATCH,
 * and a blocking command borrows one for as long as it blocks. The pool is
 * bounded; a lease left idle is closed (which discards its transaction) and
 * the next command from that tab is told why.
 */
export interface Lease {
  key: string;
  sessionId: string;
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
  idleMs: number;
}

export class LeasePool {
  private idle: RespConnection[] = [];
  private inUse = 0;
  private leases = new Map<string, Lease>();
  /** Why a tab's lease ended, told once on its next command. */
  private ended = new Map<string, { reason: string; at: number }>();
  private serial = 0;

  constructor(
    private readonly target: RedisTarget,
    readonly opts: LeaseOptions,
  ) {}

  get(key: string): Lease | undefined {
    return this.leases.get(key);
  }

  /** The reason a tab's lease ended since its last command, if any (read once). */
  takeEnded(key: string): string | undefined {
    const e = this.ended.get(key);
    if (!e) return undefined;
    this.ended.delete(key);
    return Date.now() - e.at < 30 * 60_000 ? e.reason : undefined;
  }

  stats(): { open: number; inUse: number; leases: number; max: number } {
    return { open: this.inUse + this.idle.length, inUse: this.inUse, leases: this.leases.size, max: this.opts.max };
  }

  /** Opens a lease for a console tab (MULTI or WATCH). */
  async open(key: string, sessionId: string): Promise<Lease> {
    const existing = this.leases.get(key);
    if (existing) return existing;
    const mine = [...this.leases.values()].filter((l) => l.sessionId === sessionId).length;
    if (mine >= this.opts.perSession) {
      throw new SandboxError(
        "busy",
        `You already have ${mine} transactions open (one per console tab, at most ${this.opts.perSession}). Finish one with EXEC or DISCARD first.`,
        2,
      );
    }
    const conn = await this.acquire();
    const lease: Lease = { key, sessionId, conn, multi: false, watching: false, queued: [], aborted: false, timer: null, onDown: () => {} };
    lease.onDown = () => this.end(lease, "The connection holding your transaction was lost, so the transaction was discarded.");
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
      const what = lease.multi ? "Your MULTI" : "Your WATCH";
      this.end(lease, `${what} was discarded after ${secs} s without a command; its connection went back to the pool. Start again.`);
    }, this.opts.idleMs);
    lease.timer.unref?.();
  }

  /** Returns a lease whose transaction finished cleanly (EXEC, DISCARD, UNWATCH). */
  release(lease: Lease): void {
    if (this.leases.get(lease.key) !== lease) return; // released already (two EXECs at once): giving it back twice would hand one connection to two visitors
    if (lease.timer) clearTimeout(lease.timer);
    lease.conn.off("down", lease.onDown);
    this.leases.delete(lease.key);
    this.give(lease.conn, true);
  }

  /** Ends a lease that did not finish: its connection is closed, never reused. */
  end(lease: Lease, reason: string): void {
    if (this.leases.get(lease.key) !== lease) return;
    if (lease.timer) clearTimeout(lease.timer);
    lease.conn.off("down", lease.onDown);
    this.leases.delete(lease.key);
    this.ended.set(lease.key, { reason, at: Date.now() });
    this.give(lease.conn, false);
  }

  private blocking = new Map<string, number>();

  /**
   * Borrows a connection for one blocking command of a session: at most
   * `perSession` at once per session, so one visitor cannot take the pool.
   */
  async borrowForBlocking(sessionId: string): Promise<{ conn: RespConnection; done: (clean: boolean) => void }> {
    const n = this.blocking.get(sessionId) ?? 0;
    if (n >= this.opts.perSession) {
      throw new SandboxError("busy", `You already have ${n} blocking commands waiting (at most ${this.opts.perSession} at once). Wait for one to return.`, 1);
    }
    this.blocking.set(sessionId, n + 1); // counted before the await, so concurrent calls see it
    const release = () => {
      const left = (this.blocking.get(sessionId) ?? 1) - 1;
      if (left > 0) this.blocking.set(sessionId, left);
      else this.blocking.delete(sessionId);
    };
    let conn: RespConnection;
    try {
      conn = await this.acquire();
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

  /** Borrows a clean connection (for one blocking command, or a new lease). */
  async acquire(): Promise<RespConnection> {
    let conn = this.idle.pop();
    while (conn && !conn.isReady) {
      conn.close();
      conn = this.idle.pop();
    }
    if (!conn) {
      if (this.inUse >= this.opts.max) {
        throw new SandboxError(
          "busy",
          `The playground is busy: all ${this.opts.max} dedicated connections (for transactions and blocking commands) are in use. Try again in a few seconds.`,
          2,
        );
      }
      conn = new RespConnection(this.target, `playground-lease-${++this.serial}`);
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
    else conn.close();
  }

  close(): void {
    for (const l of this.leases.values()) if (l.timer) clearTimeout(l.timer);
    for (const l of this.leases.values()) l.conn.close();
    for (const c of this.idle) c.close();
    this.leases.clear();
    this.idle = [];
  }
}
