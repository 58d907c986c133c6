import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Starts a private redis-server from PATH on a free loopback port — never
 * 6379 — and stops it with the process. Used by `npm start` (data under
 * .data/redis, AOF on) and by the tests (a throwaway directory).
 *
 * It is configured with the second wall (DESIGN §2): the default user is off,
 * and three ACL users each reach only what they need:
 *   playground — the sandbox connection: pg:* and room:* keys and channels only,
 *                no admin, dangerous or scripting commands;
 *   app        — the app's own data under app:*, nothing else;
 *   admin      — the operator (npm run redis-cli) and the tests' raw checks.
 */
export interface RedisPasswords {
  admin: string;
  playground: string;
  app: string;
  hub: string;
}

export interface EmbeddedRedis {
  port: number;
  passwords: RedisPasswords;
  /** URLs per user: redis://user:password@127.0.0.1:port */
  urls: Record<keyof RedisPasswords, string>;
  pid: number;
  stop(): Promise<void>;
}

/** The sandbox user's rules, also given in the README for REDIS_URL setups. */
export const SANDBOX_ACL =
  "resetkeys ~pg:* ~room:* resetchannels &pg:* &room:* +@all -@admin -@dangerous -@scripting +sort +sort_ro -select -move -wait -client|reply -client|tracking -client|caching";
export const APP_ACL = "resetkeys ~app:* resetchannels &app:* +@all -@admin -@dangerous -@scripting";
/**
 * The subscriber hub: Redis allows PSUBSCRIBE only for patterns the user's
 * channel rules name literally, so the hub may listen to any channel — and do
 * nothing else (no keys, no writes). Wall 1 scopes every pattern it is given.
 */
export const HUB_ACL = "resetkeys resetchannels &* -@all +subscribe +psubscribe +unsubscribe +punsubscribe +ping +info +client|setname";

export function newPasswords(): RedisPasswords {
  const p = () => randomBytes(24).toString("base64url");
  return { admin: p(), playground: p(), app: p(), hub: p() };
}

function aclFile(pw: RedisPasswords): string {
  return [
    "user default off",
    `user admin on >${pw.admin} ~* &* +@all`,
    `user playground on >${pw.playground} ${SANDBOX_ACL}`,
    `user app on >${pw.app} ${APP_ACL}`,
    `user hub on >${pw.hub} ${HUB_ACL}`,
    "",
  ].join("\n");
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
  passwords?: RedisPasswords;
  persist?: boolean;
}

export async function startRedisServer(opts: StartOptions): Promise<EmbeddedRedis> {
  if (!hasRedisServer()) throw new Error(REDIS_MISSING);
  fs.mkdirSync(opts.dir, { recursive: true });
  const passwords = opts.passwords ?? newPasswords();
  const acl = path.resolve(opts.dir, "users.acl");
  fs.writeFileSync(acl, aclFile(passwords), { mode: 0o600 });
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--dir", path.resolve(opts.dir),
      "--daemonize", "no",
      "--save", "",
      "--appendonly", opts.persist ? "yes" : "no",
      "--aclfile", acl,
      "--logfile", "redis.log",
      "--protected-mode", "yes",
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const ok = await waitForPort(child, port, passwords.admin);
    if (ok) return handle(child, port, passwords);
    if (opts.port !== undefined) break; // a fixed port that failed will fail again
  }
  throw new Error(`redis-server did not start; see ${path.join(opts.dir, "redis.log")}`);
}

function handle(child: ChildProcess, port: number, passwords: RedisPasswords): EmbeddedRedis {
  const url = (user: keyof RedisPasswords) => `redis://${user}:${encodeURIComponent(passwords[user])}@127.0.0.1:${port}`;
  return {
    port,
    passwords,
    urls: { admin: url("admin"), playground: url("playground"), app: url("app"), hub: url("hub") },
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
    s.on("connect", () => s.write(`AUTH admin ${password}\r\nPING\r\n`));
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
