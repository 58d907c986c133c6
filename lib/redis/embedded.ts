import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Starts a private redis-server from PATH on a free loopback port — never
 * 6379 — with a password, and stops it with the process. Used by `npm start`
 * (data under .data/redis, AOF on) and by the tests (a throwaway directory).
 */
export interface EmbeddedRedis {
  port: number;
  password: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export const REDIS_MISSING =
  "redis-server was not found on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), or set REDIS_URL to an existing Redis.";

export function hasRedisServer(): boolean {
  const r = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  dir: string;
  port?: number;
  password?: string;
  persist?: boolean;
}

export async function startRedisServer(opts: StartOptions): Promise<EmbeddedRedis> {
  if (!hasRedisServer()) throw new Error(REDIS_MISSING);
  fs.mkdirSync(opts.dir, { recursive: true });
  const password = opts.password ?? randomBytes(24).toString("base64url");
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--dir", path.resolve(opts.dir),
      "--daemonize", "no",
      "--save", "",
      "--appendonly", opts.persist ? "yes" : "no",
      "--requirepass", password,
      "--logfile", "redis.log",
      "--protected-mode", "yes",
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const ok = await waitForPort(child, port, password);
    if (ok) return handle(child, port, password);
    if (opts.port !== undefined) break; // a fixed port that failed will fail again
  }
  throw new Error(`redis-server did not start; see ${path.join(opts.dir, "redis.log")}`);
}

function handle(child: ChildProcess, port: number, password: string): EmbeddedRedis {
  return {
    port,
    password,
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

async function waitForPort(child: ChildProcess, port: number, password: string): Promise<boolean> {
  let exited = false;
  child.once("exit", () => (exited = true));
  for (let i = 0; i < 100 && !exited; i++) {
    if (await ping(port, password)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!exited) child.kill("SIGKILL");
  return false;
}

function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: "127.0.0.1", port });
    let buf = "";
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on("error", () => resolve(false));
    s.on("connect", () => s.write(`AUTH ${password}\r\nPING\r\n`));
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("+PONG")) {
        s.destroy();
        resolve(true);
      } else if (buf.includes("-")) {
        s.destroy();
        resolve(false);
      }
    });
  });
}
