import net from "node:net";
import { inject } from "vitest";
import { resetRuntime, runtime } from "@/lib/runtime";
import { endpointConfig } from "@/lib/config";
import { type RunningEndpoint, startEndpoint } from "@/lib/endpoint/server";
import { endpointCredentials } from "@/lib/endpoint/credentials";
import { issueSession, type Session } from "@/lib/session";
import { RespDecoder } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";

/**
 * The endpoint for learners' own clients on a free port, over the test
 * redis-server with the same users as `npm start` (per-namespace ACL users,
 * the hub's subscriber). `env` overrides limits (PLAYGROUND_RESP_*).
 */
export async function useEndpoint(env: Record<string, string> = {}): Promise<RunningEndpoint> {
  Object.assign(process.env, {
    SESSION_SECRET: "endpoint-test-secret-endpoint-test",
    PLAYGROUND_REDIS_URL: inject("sandboxUrl"),
    PLAYGROUND_APP_REDIS_URL: inject("appUrl"),
    PLAYGROUND_HUB_REDIS_URL: inject("hubUrl"),
    PLAYGROUND_ACL_REDIS_URL: inject("wardenUrl"),
    PLAYGROUND_RESP_PORT: "0",
    ...env,
  });
  // On the cluster suite the URLs name its first node: the runtime routes by slot.
  if (inject("cluster")) process.env.REDIS_CLUSTER = "1";
  else delete process.env.REDIS_CLUSTER;
  resetRuntime();
  const rt = runtime();
  await Promise.all([rt.conn.waitReady(), rt.appConn.waitReady()]);
  const ep = await startEndpoint({ ...endpointConfig(), port: 0 });
  if (!ep) throw new Error("endpoint off");
  return ep;
}

/** A new visitor: a session and the password the panel would show. */
export async function newVisitor(locale: "en" | "zh" = "en"): Promise<{ session: Session; password: string }> {
  const rt = runtime();
  const { session } = issueSession(rt.config.sessionSecret);
  const { password } = await endpointCredentials(rt.appConn, rt.config.sessionSecret, session.id, locale, 3_600_000);
  return { session, password };
}

/** A raw RESP connection: write bytes, read decoded replies (or the bytes). */
export class RawClient {
  private decoder: RespDecoder;
  private replies: Reply[] = [];
  private waiters: (() => void)[] = [];
  /** The last 64 KiB received, as bytes. */
  bytes = Buffer.alloc(0);
  closed = false;
  constructor(readonly socket: net.Socket) {
    this.decoder = new RespDecoder((r: Reply) => {
      this.replies.push(r);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("data", (d: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, d]);
      if (this.bytes.length > 65536) this.bytes = this.bytes.subarray(this.bytes.length - 65536);
      this.decoder.write(d);
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("error", () => {});
  }
  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }
  write(data: string | Buffer): void {
    this.socket.write(data);
  }
  /** Sends one command as a multibulk. */
  send(...argv: (string | Buffer)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    for (const a of argv) {
      const b = typeof a === "string" ? Buffer.from(a) : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
    }
    this.socket.write(Buffer.concat(parts));
  }
  async next(timeoutMs = 5000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no reply in time");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.replies.shift()!;
  }
  async call(...argv: (string | Buffer)[]): Promise<Reply> {
    this.send(...argv);
    return this.next();
  }
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }
  close(): void {
    this.socket.destroy();
  }
}
