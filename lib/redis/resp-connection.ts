import net from "node:net";
import { EventEmitter } from "node:events";
import { RespDecoder, encodeCommand } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";
import { SandboxError } from "@/lib/errors";

export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
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

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void };

/**
 * A RESP2 connection that resolves every command with its typed reply.
 *
 * Commands written in the same event-loop turn go out in one write (automatic
 * pipelining), so one connection serves every session's plain commands. While
 * Redis is down, commands fail at once with `redis_unavailable` (no offline
 * queue: a learner should see the outage, not a hang) and the connection keeps
 * retrying with backoff until Redis is back.
 */
export class RespConnection extends EventEmitter {
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

  constructor(readonly target: RedisTarget, readonly name = "playground") {
    super();
    this.connect();
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Ready now; or, while the very first connect is still under way, ready soon. */
  async ensureReady(): Promise<void> {
    if (this.ready) return;
    if (this.everReady || this.closed) throw new SandboxError("redis_unavailable");
    await this.waitReady(3000);
  }

  /** Resolves once connected, or rejects after `ms`. */
  waitReady(ms = 5000): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SandboxError("redis_unavailable")), ms);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  send(argv: readonly (Uint8Array | string)[]): Promise<Reply> {
    if (!this.ready || !this.socket) return Promise.reject(new SandboxError("redis_unavailable"));
    const bytes = argv.map((a) => (typeof a === "string" ? Buffer.from(a) : a));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
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
    const decoder = new RespDecoder((reply) => {
      const p = this.queue.shift();
      if (p) p.resolve(reply);
    });
    socket.on("data", (chunk) => {
      try {
        decoder.write(chunk);
      } catch (e) {
        socket.destroy(e as Error);
      }
    });
    socket.once("connect", () => void this.handshake(socket));
    socket.on("error", () => {
      /* reported through "close" */
    });
    socket.once("close", () => {
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

  private async handshake(socket: net.Socket): Promise<void> {
    // The handshake uses the queue directly: `send` refuses until ready.
    const raw = (argv: string[]) =>
      new Promise<Reply>((resolve, reject) => {
        this.queue.push({ resolve, reject });
        socket.write(encodeCommand(argv.map((a) => Buffer.from(a))));
      });
    try {
      if (this.target.password !== undefined) {
        const auth = this.target.username
          ? await raw(["AUTH", this.target.username, this.target.password])
          : await raw(["AUTH", this.target.password]);
        if (auth.t === "error") throw new Error(`Redis AUTH failed: ${auth.v}`);
      }
      await raw(["CLIENT", "SETNAME", this.name]);
      this.ready = true;
      this.everReady = true;
      this.retryMs = 100;
      this.emit("ready");
      for (const w of this.readyWaiters.splice(0)) w();
    } catch (e) {
      this.emit("handshake-error", e);
      socket.destroy();
    }
  }

  private failAll(): void {
    const q = this.queue;
    this.queue = [];
    for (const p of q) p.reject(new SandboxError("redis_unavailable"));
  }
}
