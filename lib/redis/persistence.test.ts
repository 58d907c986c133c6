import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, newPasswords, protoMaxBulkLen, startRedisServer, type EmbeddedRedis } from "./embedded";
import { parseRedisUrl, RespConnection } from "./resp-connection";
import type { Reply } from "@/lib/resp/reply";

/**
 * The embedded Redis (npm start) always restarts with its data, and is
 * capped: each test runs a redis-server of its own in a temp folder.
 */
const dirs: string[] = [];
const servers: EmbeddedRedis[] = [];
const conns: RespConnection[] = [];
afterAll(async () => {
  for (const c of conns) c.close();
  await Promise.all(servers.map((s) => s.stop()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "pg-persist-"));
  dirs.push(d);
  return d;
}

async function start(dir: string, passwords = newPasswords()): Promise<EmbeddedRedis> {
  const r = await startRedisServer({ dir, passwords, persist: true });
  servers.push(r);
  return r;
}

async function connect(url: string): Promise<RespConnection> {
  const c = new RespConnection(parseRedisUrl(url), "persistence-test");
  conns.push(c);
  await c.waitReady();
  return c;
}

const text = (r: Reply): unknown =>
  r.t === "bulk" || r.t === "status" || r.t === "error" ? r.v : r.t === "integer" ? Number(r.v) : r.t === "array" ? r.v.map(text) : r.t;

/** A data folder as the embedded Redis left it before RDB: AOF on, 16 databases, no ACL file. */
async function oldAofFolder(write: string[][], extra?: (dir: string) => void): Promise<string> {
  const dir = tempDir();
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--logfile", "old.log"],
    { stdio: "ignore" },
  );
  const cli = (argv: string[]) => spawnSync("redis-cli", ["-p", String(port), ...argv], { encoding: "utf8" }).stdout.trim();
  for (let i = 0; i < 100 && cli(["PING"]) !== "PONG"; i++) await new Promise((r) => setTimeout(r, 50));
  for (const argv of write) cli(argv);
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
  extra?.(dir);
  return dir;
}

describe("the embedded Redis keeps its data in RDB snapshots", () => {
  it("finds a visitor's and the app's data again after a stop and a start on the same folder", async () => {
    const dir = tempDir();
    const passwords = newPasswords();
    let redis = await start(dir, passwords);
    const sandbox = await connect(redis.urls.playground);
    const app = await connect(redis.urls.app);
    expect(text(await sandbox.send(["SET", "pg:{persistAAAAAAAAAA}:greeting", "hello"]))).toBe("OK");
    expect(text(await sandbox.send(["RPUSH", "pg:{persistAAAAAAAAAA}:jobs", "a", "b", "c"]))).toBe(3);
    expect(text(await app.send(["HSET", "app:room:PERSIS", "title", "kept"]))).toBe(1);
    sandbox.close();
    app.close();
    await redis.stop();
    // A clean stop wrote a snapshot, and no append-only file exists.
    expect(fs.existsSync(path.join(dir, "dump.rdb"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "appendonlydir"))).toBe(false);

    redis = await start(dir, passwords);
    const again = await connect(redis.urls.playground);
    expect(text(await again.send(["GET", "pg:{persistAAAAAAAAAA}:greeting"]))).toBe("hello");
    expect(text(await again.send(["LRANGE", "pg:{persistAAAAAAAAAA}:jobs", "0", "-1"]))).toEqual(["a", "b", "c"]);
    const admin = await connect(redis.urls.admin);
    expect(text(await admin.send(["HGET", "app:room:PERSIS", "title"]))).toBe("kept");
  });

  it("runs with one database and capped memory, clients and bulk length", async () => {
    const redis = await start(tempDir());
    const admin = await connect(redis.urls.admin);
    const config = async (name: string) => (text(await admin.send(["CONFIG", "GET", name])) as string[])[1];
    expect(await config("databases")).toBe("1");
    expect(await config("maxmemory")).toBe(String(256 * 1024 * 1024));
    expect(await config("maxmemory-policy")).toBe("noeviction");
    expect(await config("maxmemory-clients")).toBe("10%");
    // The argument cap is 512 KiB; Redis 7.0 accepts nothing under 1 MiB.
    expect(await config("proto-max-bulk-len")).toBe(String(1024 * 1024));
    expect(await config("appendonly")).toBe("no");
    expect(await config("save")).toBe("60 1");
    // No second database for a visitor's keys to land in, even for the admin.
    expect(text(await admin.send(["SELECT", "1"]))).toBe("ERR DB index is out of range");
    expect(text(await admin.send(["SET", "pg:{capsAAAAAAAAAAAA}:k", "v"]))).toBe("OK");
    expect(text(await admin.send(["COPY", "pg:{capsAAAAAAAAAAAA}:k", "pg:{capsAAAAAAAAAAAA}:k2", "DB", "1"]))).toBe("ERR DB index is out of range");
  });

  it("sizes proto-max-bulk-len to the larger cap, never under Redis's 1 MiB minimum", () => {
    expect(protoMaxBulkLen({ maxArgBytes: 512 * 1024, maxStringBytes: 1024 * 1024 })).toBe(1024 * 1024);
    expect(protoMaxBulkLen({ maxArgBytes: 4 * 1024 * 1024, maxStringBytes: 1024 * 1024 })).toBe(4 * 1024 * 1024);
    expect(protoMaxBulkLen({ maxArgBytes: 1024, maxStringBytes: 2 * 1024 * 1024 })).toBe(2 * 1024 * 1024);
  });
});

describe("upgrading a data folder written with AOF", () => {
  it("loads the old append-only file once, keeps database 0, drops databases 1–15, and restarts from the snapshot", async () => {
    const dir = await oldAofFolder([
      ["SET", "pg:{upgradeAAAAAAAA}:k", "from-aof"],
      ["HSET", "app:room:UPGRAD", "title", "old room"],
      ["-n", "3", "SET", "escaped", "into db 3"],
    ]);
    expect(fs.existsSync(path.join(dir, "appendonlydir"))).toBe(true);
    const passwords = newPasswords();
    let redis = await start(dir, passwords);
    let admin = await connect(redis.urls.admin);
    expect(text(await admin.send(["GET", "pg:{upgradeAAAAAAAA}:k"]))).toBe("from-aof");
    expect(text(await admin.send(["DBSIZE"]))).toBe(2);
    expect(fs.existsSync(path.join(dir, "appendonlydir"))).toBe(false);
    expect(fs.readdirSync(dir).some((f) => f.startsWith("appendonlydir.before-rdb-"))).toBe(true);
    admin.close();
    await redis.stop();

    redis = await start(dir, passwords);
    admin = await connect(redis.urls.admin);
    expect(text(await admin.send(["HGET", "app:room:UPGRAD", "title"]))).toBe("old room");
  });

  it("still starts when the old append-only file cannot be loaded (a command Redis no longer accepts)", async () => {
    const dir = await oldAofFolder([["SET", "pg:{poisonAAAAAAAAA}:k", "v"]], (d) => {
      const incr = fs.readdirSync(path.join(d, "appendonlydir")).find((f) => f.endsWith(".incr.aof"))!;
      fs.appendFileSync(path.join(d, "appendonlydir", incr), "*2\r\n$8\r\nNOSUCHCM\r\n$1\r\nx\r\n");
    });
    const redis = await start(dir);
    const admin = await connect(redis.urls.admin);
    expect(text(await admin.send(["PING"]))).toBe("PONG");
    expect(fs.readdirSync(dir).some((f) => f.startsWith("appendonlydir.unloadable-"))).toBe(true);
  });
});
