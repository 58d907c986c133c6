import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { REST_RULES, REST_USER } from "@/lib/sandbox/acl-users";
import { embeddedRedisLimits } from "@/lib/config";

/**
 * Starts a private redis-server from PATH on a free loopback port — never
 * 6379 — and stops it with the process. Used by `npm start` (data under
 * .data/redis, RDB snapshots: see redisServerArgs) and by the tests (a
 * throwaway directory).
 *
 * It is configured with the second wall (docs/architecture.md "The two walls"): the default user is off,
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
  /** The warden: creates and deletes the per-namespace ACL users (lib/sandbox/acl-users.ts). */
  warden: string;
}

export interface EmbeddedRedis {
  port: number;
  passwords: RedisPasswords;
  /** URLs per user: redis://user:password@127.0.0.1:port */
  urls: Record<keyof RedisPasswords, string>;
  pid: number;
  stop(): Promise<void>;
  /** Called once when the process exits, whatever the cause (a stop() included). */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

/** The sandbox user's rules, also given in the README for REDIS_URL setups. */
export const SANDBOX_ACL =
  "resetkeys ~pg:* ~room:* resetchannels &pg:* &room:* +@all -@admin -@dangerous -@scripting +sort +sort_ro -select -move -wait -client|reply -client|tracking -client|caching";
export const APP_ACL = "resetkeys ~app:* resetchannels &app:* +@all -@admin -@dangerous -@scripting +client|no-evict";
/**
 * The subscriber hub: Redis allows PSUBSCRIBE only for patterns the user's
 * channel rules name literally, so the hub may listen to any channel — and do
 * nothing else (no keys, no writes). Wall 1 scopes every pattern it is given.
 */
export const HUB_ACL =
  "resetkeys resetchannels &* -@all +subscribe +psubscribe +ssubscribe +unsubscribe +punsubscribe +sunsubscribe +ping +info +client|setname";

/**
 * The warden creates and deletes the per-namespace users, and nothing else. It
 * can grant any rights with ACL SETUSER, so its password is as precious as
 * the admin's; only the app process holds it, on a connection no visitor
 * command ever travels.
 */
export const WARDEN_ACL = "resetkeys resetchannels -@all +acl|setuser +acl|deluser +ping +client|setname +client|no-evict";

/** The environment that points the app at this server's users (npm start, e2e, bench, tests). */
export function appEnv(redis: { urls: Record<keyof RedisPasswords, string> }): Record<string, string> {
  return {
    PLAYGROUND_REDIS_URL: redis.urls.playground,
    PLAYGROUND_APP_REDIS_URL: redis.urls.app,
    PLAYGROUND_HUB_REDIS_URL: redis.urls.hub,
    PLAYGROUND_ACL_REDIS_URL: redis.urls.warden,
  };
}

export function newPasswords(): RedisPasswords {
  const p = () => randomBytes(24).toString("base64url");
  return { admin: p(), playground: p(), app: p(), hub: p(), warden: p() };
}

function aclFile(pw: RedisPasswords): string {
  return [
    "user default off",
    `user admin on >${pw.admin} ~* &* +@all`,
    `user playground on >${pw.playground} ${SANDBOX_ACL}`,
    `user app on >${pw.app} ${APP_ACL}`,
    `user hub on >${pw.hub} ${HUB_ACL}`,
    `user warden on >${pw.warden} ${WARDEN_ACL}`,
    `user ${REST_USER} ${REST_RULES}`,
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
  /** Keep the data across restarts (npm start): RDB snapshots in `dir`. Tests run without. */
  persist?: boolean;
  /** More redis-server arguments (a cluster node's, lib/redis/embedded-cluster.ts). */
  extraArgs?: string[];
}

/**
 * The server's settings besides users and port: one database and hard caps,
 * for npm start and the tests alike.
 *
 * Persistence is RDB snapshots, not the append-only file: an RDB stores data
 * (each key's type and value), an AOF stores the commands that made it and
 * replays them at the next start. A command that Redis resolved by accident
 * (a name with a NUL byte once did) went into the AOF as sent, Redis refused
 * to replay it, and the embedded Redis never started again. A snapshot cannot
 * be poisoned that way. `save 60 1`: a snapshot (a fork, in the background)
 * at most every 60 s while anything changed, and one on every clean stop
 * (SIGTERM or Ctrl-C: Redis saves before exiting when save points are set).
 * A crash (kill -9, power loss) loses at most the last minute of sandboxes
 * and workshops; nothing else lives here.
 */
export function redisServerArgs(opts: { port: number; dir: string; acl: string; persist: boolean }): string[] {
  const caps = embeddedRedisLimits();
  return [
    "--port",
    String(opts.port),
    "--bind",
    "127.0.0.1",
    "--dir",
    opts.dir,
    "--daemonize",
    "no",
    "--appendonly",
    "no",
    "--save",
    opts.persist ? "60 1" : "",
    // One database: SELECT, MOVE, COPY … DB and SWAPDB have nowhere to put a visitor's keys
    // ("ERR DB index is out of range"), where no quota, FLUSHDB or reaper would look.
    "--databases",
    "1",
    // Full is full: writes fail with "OOM command not allowed…" rather than evicting anyone's keys
    // (or the app's rooms and rate counters); reads and deletes still work.
    "--maxmemory",
    String(caps.maxmemory),
    "--maxmemory-policy",
    "noeviction",
    // All clients' buffers together (queries, replies, pub/sub backlog): past 10% of maxmemory,
    // Redis disconnects the biggest client instead of growing.
    "--maxmemory-clients",
    "10%",
    "--proto-max-bulk-len",
    String(protoMaxBulkLen(caps)),
    "--aclfile",
    opts.acl,
    "--logfile",
    "redis.log",
    "--protected-mode",
    "yes",
  ];
}

/**
 * The largest bulk string Redis takes in a request — and, as measured on
 * 7.0.15, the ceiling for strings grown by APPEND, SETRANGE, SETBIT and
 * BITFIELD ("string exceeds maximum allowed size (proto-max-bulk-len)"). The
 * argument cap (PLAYGROUND_MAX_ARG_BYTES, 512 KiB), or the string cap if that
 * is larger, but never under 1 MiB: Redis 7.0 refuses anything smaller
 * ("argument must be between 1048576 and …").
 */
export function protoMaxBulkLen(caps: { maxArgBytes: number; maxStringBytes: number }): number {
  return Math.max(1024 * 1024, caps.maxArgBytes, caps.maxStringBytes);
}

export async function startRedisServer(opts: StartOptions): Promise<EmbeddedRedis> {
  if (!hasRedisServer()) throw new Error(REDIS_MISSING);
  fs.mkdirSync(opts.dir, { recursive: true });
  const dir = path.resolve(opts.dir);
  const passwords = opts.passwords ?? newPasswords();
  const acl = path.resolve(opts.dir, "users.acl");
  fs.writeFileSync(acl, aclFile(passwords), { mode: 0o600 });
  // A snapshot of 256 MB takes a few seconds to load: a persistent start waits longer for it.
  const waitMs = opts.persist ? 120_000 : 5_000;
  if (opts.persist) await convertAof(dir, acl, passwords, waitMs);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = [...redisServerArgs({ port, dir, acl, persist: !!opts.persist }), ...(opts.extraArgs ?? [])];
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const state = await waitForPort(child, port, passwords.admin, waitMs);
    if (state === "ready") return handle(child, port, passwords, opts.persist ? 60_000 : 5_000);
    if (state === "timeout" || opts.port !== undefined) break; // a fixed port that failed will fail again
  }
  throw new Error(
    `redis-server did not start; see ${path.join(opts.dir, "redis.log")}.` +
      (opts.persist && fs.existsSync(path.join(dir, "dump.rdb"))
        ? ` If it cannot load ${path.join(opts.dir, "dump.rdb")}, move that file away to start with an empty Redis.`
        : ""),
  );
}

/** The embedded Redis of `npm start`, kept running: its current process, how often it was started again, and stop(). */
export interface SupervisedRedis {
  readonly current: EmbeddedRedis;
  readonly restarts: number;
  /** From now on an exit is not a crash (Ctrl-C reaches redis-server too, before the app gets to stop it). */
  letGo(): void;
  stop(): Promise<void>;
}

/**
 * Starts the embedded redis-server and, when it dies (a crash, an OOM kill, a
 * `kill -9`), starts it again on the same port with the same users and data
 * folder, so the app's connections find it where they left it and reconnect by
 * themselves (the console's outage banner clears). A persistent server comes
 * back from its last snapshot (RDB, `save 60 1`): keys written in the last
 * minute before the crash may be gone. Restarts wait 0.5 s, then longer after
 * each quick failure (up to 30 s); a server that dies 5 times within a minute
 * is left down, and `log` says so.
 */
export async function superviseRedisServer(
  opts: StartOptions,
  log: (line: string) => void = console.log,
  onRestart: (r: EmbeddedRedis) => void = () => {},
): Promise<SupervisedRedis> {
  let current = await startRedisServer(opts);
  const port = current.port;
  let stopping = false;
  let restarts = 0;
  const recent: number[] = [];
  const watch = (r: EmbeddedRedis) =>
    r.onExit((code, signal) => {
      if (stopping) return;
      const now = Date.now();
      recent.push(now);
      while (recent.length && recent[0] < now - 60_000) recent.shift();
      if (recent.length >= 5) {
        log(
          `✖ The embedded redis-server died ${recent.length} times within a minute (last: ${signal ?? `exit ${code}`}); not restarting it. See ${path.join(opts.dir, "redis.log")}.`,
        );
        return;
      }
      const wait = Math.min(30_000, 500 * 2 ** (recent.length - 1));
      log(`▸ The embedded redis-server stopped (${signal ?? `exit ${code}`}); starting it again on port ${port} in ${wait} ms…`);
      setTimeout(async () => {
        if (stopping) return;
        try {
          current = await startRedisServer({ ...opts, port, passwords: current.passwords });
          if (stopping) return void current.stop(); // stopped while it was starting again: it goes too
          restarts++;
          log(`▸ The embedded redis-server is back on 127.0.0.1:${port} (pid ${current.pid}).`);
          onRestart(current);
          watch(current);
        } catch (e) {
          log(`✖ The embedded redis-server did not start again: ${(e as Error).message}`);
          watch(current); // the dead process again: counted as another death, tried later within the same per-minute bound
        }
      }, wait).unref?.();
    });
  watch(current);
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    letGo: () => {
      stopping = true;
    },
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
}

/**
 * Upgrading a data folder written with AOF on (before RDB): without this, a
 * start with appendonly no would ignore the AOF and begin empty. Once, it
 * starts Redis as before (AOF, 16 databases) to load it, deletes whatever sits
 * in databases 1–15 (only visitors' escapes could put it there, and the next
 * start has one database), saves a snapshot, and moves the AOF aside. An AOF
 * Redis refuses to load (the poisoned case above) is moved aside too, with a
 * warning: the start goes on from the snapshot, if any.
 */
async function convertAof(dir: string, acl: string, passwords: RedisPasswords, waitMs: number): Promise<void> {
  const aof = ["appendonlydir", "appendonly.aof"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!aof) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const log = (msg: string) => console.log(`▸ Embedded Redis: ${msg}`);
  log(`converting ${path.basename(aof)} (append-only file) to an RDB snapshot, once…`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [...redisServerArgs({ port, dir, acl, persist: false }), "--appendonly", "yes", "--databases", "16"];
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const state = await waitForPort(child, port, passwords.admin, waitMs);
    if (state === "timeout") throw new Error(`redis-server did not finish loading ${aof} in ${waitMs / 1000} s; see ${path.join(dir, "redis.log")}`);
    if (state === "exited") continue;
    const server = handle(child, port, passwords, 60_000);
    try {
      const others = Array.from({ length: 15 }, (_, i) => String(i + 1));
      const replies = await adminCommands(port, passwords.admin, [
        ...others.flatMap((db) => [["SELECT", db], ["DBSIZE"], ["FLUSHDB"]]),
        ["SELECT", "0"],
        ["SAVE"],
      ]);
      if (replies.at(-1) !== "+OK") throw new Error(`SAVE answered ${replies.at(-1)}; see ${path.join(dir, "redis.log")}`);
      const stray = replies.filter((r) => r.startsWith(":")).reduce((n, r) => n + Number(r.slice(1)), 0);
      if (stray > 0) log(`deleted ${stray} keys found in databases 1–15 (the playground uses only database 0).`);
    } finally {
      await server.stop();
    }
    fs.renameSync(aof, `${aof}.before-rdb-${stamp}`);
    log(`done; the old file is kept as ${path.basename(aof)}.before-rdb-${stamp} (safe to delete).`);
    return;
  }
  fs.renameSync(aof, `${aof}.unloadable-${stamp}`);
  console.warn(
    `\n⚠ The embedded Redis could not load its append-only file (see ${path.join(dir, "redis.log")}). ` +
      `It was moved to ${aof}.unloadable-${stamp}; the playground starts ${fs.existsSync(path.join(dir, "dump.rdb")) ? "from the last snapshot" : "with an empty Redis"}.\n`,
  );
}

/** Sends commands as the admin user and returns each reply's first line (+OK, :3, -ERR …). Enough for SELECT, DBSIZE, FLUSHDB, SAVE. */
function adminCommands(port: number, password: string, commands: string[][], timeoutMs = 120_000): Promise<string[]> {
  const all = [["AUTH", "admin", password], ...commands];
  const encode = (argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: "127.0.0.1", port });
    let buf = "";
    const timer = setTimeout(() => (s.destroy(), reject(new Error("redis-server did not answer"))), timeoutMs);
    s.on("error", (e) => (clearTimeout(timer), reject(e)));
    s.on("connect", () => s.write(all.map(encode).join("")));
    s.on("data", (d) => {
      buf += d.toString();
      const lines = buf.split("\r\n");
      if (lines.length > all.length) {
        clearTimeout(timer);
        s.destroy();
        if (lines[0] !== "+OK") reject(new Error(`AUTH admin answered ${lines[0]}`));
        else resolve(lines.slice(1, all.length));
      }
    });
  });
}

function handle(child: ChildProcess, port: number, passwords: RedisPasswords, killAfterMs: number): EmbeddedRedis {
  const url = (user: keyof RedisPasswords) => `redis://${user}:${encodeURIComponent(passwords[user])}@127.0.0.1:${port}`;
  return {
    port,
    passwords,
    urls: { admin: url("admin"), playground: url("playground"), app: url("app"), hub: url("hub"), warden: url("warden") },
    pid: child.pid!,
    onExit: (cb) => {
      if (child.exitCode !== null || child.signalCode !== null) cb(child.exitCode, child.signalCode);
      else child.once("exit", cb);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // A persistent server writes its snapshot before exiting: give it time.
        const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Until the admin user's PING answers (ready), the server exits, or `timeoutMs` passes (then it is killed). */
async function waitForPort(child: ChildProcess, port: number, password: string, timeoutMs: number): Promise<"ready" | "exited" | "timeout"> {
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    if (await ping(port, password)) return "ready";
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited) return "exited";
  child.kill("SIGKILL");
  return "timeout";
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
