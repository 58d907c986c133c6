import net from "node:net";
import { EventEmitter } from "node:events";
import { RespDecoder, encodeCommand } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";
import type { ReplyBudget } from "@/lib/resp/truncate";
import { SandboxError } from "@/lib/errors";

export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Defaults for every RespConnection made to this target (a LeasePool's connections, say). */
  connection?: ConnectionOptions;
}

export interface ConnectionOptions {
  /**
   * How long a command may go without an answer, in ms (PLAYGROUND_REDIS_TIMEOUT_MS;
   * default 2000). A blocking command gets its own timeout on top (see `maxBlockMs`).
   */
  timeoutMs?: number;
  /**
   * Materialise at most this much of each reply (lib/resp/decoder.ts): the rest
   * is read, counted in `more` and dropped. Absent or null: whole replies.
   */
  replyCap?: ReplyBudget | null;
  /**
   * The longest a blocking command (BLPOP, XREAD BLOCK, …) is allowed to wait,
   * in ms: its deadline is its own timeout, at most this (0, "forever", counts
   * as this), plus `timeoutMs`. Default 60 s.
   */
  maxBlockMs?: number;
  /**
   * Exempt this connection from Redis's client eviction (`CLIENT NO-EVICT on`,
   * Redis ≥ 7): the embedded Redis runs with `maxmemory-clients`, and past it
   * evicts the client using the most memory — which must never be a connection
   * every visitor shares (the sandbox's, the app's, the hub). Its user needs
   * `+client|no-evict`; without it the flag is skipped.
   */
  noEvict?: boolean;
}

export interface SendOptions {
  /** This command's whole deadline in ms, instead of the connection's `timeoutMs` plus a blocking command's own timeout. */
  timeoutMs?: number;
  /** This reply's cap instead of the connection's; null: the whole reply. */
  replyCap?: ReplyBudget | null;
}

/**
 * What the app needs of a shared connection: one RespConnection to a single
 * Redis, or a RoutedConnection over a cluster (lib/redis/routed.ts). Events:
 * "ready", "down", "handshake-error".
 */
export interface RedisLink extends EventEmitter {
  readonly timeoutMs: number;
  readonly isReady: boolean;
  ensureReady(): Promise<void>;
  waitReady(ms?: number): Promise<void>;
  send(argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply>;
  close(): void;
}

/** Parses redis://[user:pass@]host:port into a target. */
export function parseRedisUrl(url: string): RedisTarget {
  const u = new URL(url);
  if (u.protocol !== "redis:") throw new Error(`REDIS_URL must start with redis:// (got ${u.protocol}//)`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

type Pending = {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  /** How long this command may wait for its reply once it is the oldest one waiting. */
  timeoutMs: number;
  cap: ReplyBudget | null;
};

export const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_BLOCK_MS = 60_000;
/** Bytes of replies decoded per connection per event-loop turn, and the most left waiting (see connect()). */
const TURN_BYTES = 256 * 1024;
const INBOX_MAX = 1024 * 1024;
/** Connecting and the handshake (AUTH, CLIENT SETNAME): while it waits, commands already fail at once. */
const CONNECT_TIMEOUT_MS = 10_000;

const unavailable = () => new SandboxError("redis_unavailable");

/**
 * A RESP2 connection that resolves every command with its typed reply.
 *
 * Commands written in the same event-loop turn go out in one write (automatic
 * pipelining), in the order they were sent, so one connection serves every
 * session's plain commands. While Redis is down, commands fail at once with
 * `redis_unavailable` (no offline queue: a learner should see the outage, not
 * a hang) and the connection keeps retrying with backoff until Redis is back.
 *
 * Deadlines: replies come back in order, so the oldest command waiting is the
 * one Redis owes an answer. When it gets none — not a byte — within its
 * deadline (the connection's `timeoutMs`, or the call's; a blocking command's
 * own timeout on top), Redis is taken as stalled (stopped, partitioned, stuck
 * in a slow command): that command and every one queued behind it fail with
 * `redis_unavailable` (Retry-After 1 s), the socket is destroyed (nothing
 * half-read or half-authenticated survives) and a new one is connected.
 */
export class RespConnection extends EventEmitter implements RedisLink {
  private socket: net.Socket | null = null;
  private queue: Pending[] = [];
  private outbox: Buffer[] = [];
  private flushScheduled = false;
  private ready = false;
  private everReady = false;
  private closed = false;
  private retryMs = 100;
  private retryTimer: NodeJS.Timeout | null = null;
  private readyWaiters: Array<() => void> = [];
  /** When the oldest waiting command last saw progress: sent, the reply before it done, or a byte of its own reply. */
  private headSince = 0;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private deadlineAt = Infinity;
  private bytesRead = 0;
  /** The connection's deadline for a command, in ms. */
  readonly timeoutMs: number;
  private readonly replyCap: ReplyBudget | null;
  private readonly maxBlockMs: number;

  private readonly noEvict: boolean;

  constructor(
    readonly target: RedisTarget,
    readonly name = "playground",
    options: ConnectionOptions = target.connection ?? {},
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.replyCap = options.replyCap ?? null;
    this.maxBlockMs = options.maxBlockMs ?? DEFAULT_MAX_BLOCK_MS;
    this.noEvict = options.noEvict ?? false;
    this.connect();
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Still on its first connect: not ready yet, but not down either (ensureReady waits for it). */
  get connecting(): boolean {
    return !this.ready && !this.everReady && !this.closed;
  }

  /** Bytes read from Redis on this connection so far, across reconnects (tests, the bench). */
  get bytesIn(): number {
    return this.bytesRead;
  }

  /** Ready now; or, while the very first connect is still under way, ready soon. */
  async ensureReady(): Promise<void> {
    if (this.ready) return;
    if (this.everReady || this.closed) throw unavailable();
    await this.waitReady(3000);
  }

  /** Resolves once connected, or rejects after `ms`. */
  waitReady(ms = 5000): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable()), ms);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Sends one command; resolves with its reply, or rejects with
   * `redis_unavailable` when Redis is down or does not answer in time.
   */
  send(argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply> {
    if (!this.ready || !this.socket) return Promise.reject(unavailable());
    const bytes = argv.map((a) => (typeof a === "string" ? Buffer.from(a) : a));
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs + this.blockAllowance(bytes);
    const cap = opts?.replyCap !== undefined ? opts.replyCap : this.replyCap;
    return new Promise((resolve, reject) => {
      this.enqueue({ resolve, reject, timeoutMs, cap });
      this.outbox.push(encodeCommand(bytes));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.clearDeadline();
    this.socket?.destroy();
    this.failAll();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.socket || this.outbox.length === 0) return;
    const data = this.outbox.length === 1 ? this.outbox[0] : Buffer.concat(this.outbox);
    this.outbox = [];
    this.socket.write(data);
  }

  private connect(): void {
    const socket = net.createConnection({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    this.socket = socket;
    // Connecting and the handshake have a deadline of their own: a stopped
    // server still accepts TCP connections (the kernel does) but never answers.
    const connectTimer = setTimeout(() => socket.destroy(), Math.max(CONNECT_TIMEOUT_MS, this.timeoutMs));
    connectTimer.unref?.();
    const decoder = new RespDecoder(
      (reply) => {
        const p = this.queue.shift();
        if (this.queue.length > 0) {
          this.headSince = performance.now();
          const due = this.headSince + this.queue[0].timeoutMs;
          if (due < this.deadlineAt) this.armDeadline(due); // after a long blocking command, a short one is due sooner
        }
        if (p) p.resolve(reply);
      },
      { capFor: () => (this.queue.length > 0 ? this.queue[0].cap : this.replyCap) },
    );
    // Fairness: at most TURN_BYTES of this connection's bytes are decoded per
    // event-loop turn; the rest waits, in order, for the next turn. A big reply
    // streaming in then holds the loop for about a millisecond at a time, and
    // other connections' replies (another visitor's PING) get through in
    // between. Past INBOX_MAX bytes waiting, the socket is paused (TCP
    // backpressure), so nothing waits here without bound.
    const inbox: Buffer[] = [];
    let inboxBytes = 0;
    let turnBytes = 0;
    let turnScheduled = false;
    const decode = (chunk: Buffer): boolean => {
      try {
        decoder.write(chunk);
        return true;
      } catch (e) {
        socket.destroy(e as Error);
        return false;
      }
    };
    const nextTurn = () => {
      if (!turnScheduled) {
        turnScheduled = true;
        setImmediate(onTurn);
      }
    };
    const onTurn = () => {
      turnScheduled = false;
      turnBytes = 0;
      if (this.socket !== socket) return;
      while (inbox.length > 0 && turnBytes < TURN_BYTES) {
        const chunk = inbox.shift()!;
        inboxBytes -= chunk.length;
        turnBytes += chunk.length;
        if (!decode(chunk)) return;
      }
      if (inbox.length > 0) nextTurn();
      if (socket.isPaused() && inboxBytes < INBOX_MAX / 2) socket.resume();
    };
    socket.on("data", (chunk) => {
      if (this.socket !== socket) return; // replaced after a deadline: whatever it still says is nobody's reply
      this.bytesRead += chunk.length;
      if (this.queue.length > 0) this.headSince = performance.now(); // a byte of the oldest reply is progress
      if (inbox.length === 0 && turnBytes + chunk.length <= TURN_BYTES) {
        turnBytes += chunk.length;
        nextTurn();
        decode(chunk);
        return;
      }
      inbox.push(chunk);
      inboxBytes += chunk.length;
      if (inboxBytes >= INBOX_MAX) socket.pause();
      nextTurn();
    });
    socket.once("connect", () => void this.handshake(socket, connectTimer));
    socket.on("error", () => {
      /* reported through "close" */
    });
    socket.once("close", () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      const wasReady = this.ready;
      this.ready = false;
      this.socket = null;
      this.outbox = [];
      this.failAll();
      if (wasReady) this.emit("down");
      if (!this.closed) {
        this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 2000);
      }
    });
  }

  private async handshake(socket: net.Socket, connectTimer: NodeJS.Timeout): Promise<void> {
    // The handshake uses the queue directly: `send` refuses until ready. Its
    // deadline is the connect timer's.
    const raw = (argv: string[]) =>
      new Promise<Reply>((resolve, reject) => {
        this.queue.push({ resolve, reject, timeoutMs: Infinity, cap: null });
        socket.write(encodeCommand(argv.map((a) => Buffer.from(a))));
      });
    try {
      if (this.target.password !== undefined) {
        const auth = this.target.username ? await raw(["AUTH", this.target.username, this.target.password]) : await raw(["AUTH", this.target.password]);
        if (auth.t === "error") throw new Error(`Redis AUTH failed: ${auth.v}`);
      }
      await raw(["CLIENT", "SETNAME", this.name]);
      if (this.noEvict) await raw(["CLIENT", "NO-EVICT", "on"]);
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.ready = true;
      this.everReady = true;
      this.retryMs = 100;
      this.emit("ready");
      for (const w of this.readyWaiters.splice(0)) w();
    } catch (e) {
      if (this.socket !== socket) return; // a timeout or close ended it: nothing to report
      this.emit("handshake-error", e);
      socket.destroy();
    }
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.queue.length === 1) {
      this.headSince = performance.now();
      this.armDeadline(this.headSince + p.timeoutMs);
    } else if (!this.deadlineTimer) {
      this.armDeadline(this.headSince + this.queue[0].timeoutMs);
    }
  }

  /** Makes sure the deadline check runs by `at` (a timer that fires early just looks again). */
  private armDeadline(at: number): void {
    if (!Number.isFinite(at)) return;
    if (this.deadlineTimer && this.deadlineAt <= at) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.max(0, at - performance.now()));
    this.deadlineTimer.unref?.();
  }

  private clearDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
  }

  private checkDeadline(): void {
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
    const head = this.queue[0];
    if (!head || !this.socket) return;
    const due = this.headSince + head.timeoutMs;
    // Timers may fire a little early; 1 ms of slack keeps from re-arming for nothing.
    if (performance.now() + 1 < due) {
      this.armDeadline(due);
      return;
    }
    // Stalled: fail everything waiting and start over on a new socket ("close" reconnects).
    const socket = this.socket;
    const wasReady = this.ready;
    this.ready = false; // from now on, commands fail at once
    this.outbox = [];
    this.failAll();
    socket.destroy();
    if (wasReady) this.emit("down");
  }

  /** A blocking command's own timeout (capped at maxBlockMs; 0, "forever", counts as the cap), else 0. */
  private blockAllowance(argv: readonly Uint8Array[]): number {
    const name = argv[0];
    if (!name || name.length < 4 || name.length > 10) return 0;
    const c = name[0] | 0x20;
    if (c !== 0x62 /* b */ && c !== 0x78 /* x */ && c !== 0x77 /* w */) return 0;
    const cmd = Buffer.from(name.buffer, name.byteOffset, name.length).toString("latin1").toLowerCase();
    let arg: Uint8Array | undefined;
    let unit = 1000;
    switch (cmd) {
      case "blpop":
      case "brpop":
      case "bzpopmin":
      case "bzpopmax":
      case "blmove":
      case "brpoplpush":
        arg = argv[argv.length - 1];
        break;
      case "blmpop":
      case "bzmpop":
        arg = argv[1];
        break;
      case "xread":
      case "xreadgroup": {
        const i = argv.findIndex(
          (a, j) => j > 0 && a.length === 5 && Buffer.from(a.buffer, a.byteOffset, a.length).toString("latin1").toLowerCase() === "block",
        );
        arg = i > 0 ? argv[i + 1] : undefined;
        unit = 1;
        break;
      }
      case "wait":
        arg = argv[2];
        unit = 1;
        break;
      case "waitaof":
        arg = argv[3];
        unit = 1;
        break;
      default:
        return 0;
    }
    if (!arg || arg.length > 32) return 0;
    const n = Number(Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString("latin1"));
    if (!(n >= 0)) return 0; // not a timeout Redis takes: refused at once
    return n === 0 ? this.maxBlockMs : Math.min(n * unit, this.maxBlockMs);
  }

  private failAll(): void {
    const q = this.queue;
    this.queue = [];
    this.clearDeadline();
    for (const p of q) p.reject(unavailable());
  }
}
