import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RawClient, newVisitor, useEndpoint } from "@/test/endpoint";
import { useOracleServer } from "@/test/oracle-server";
import { adminRedis, keysEverywhere } from "@/test/admin";
import { fixedJobQueue, lessonBlocks, replaceExactly } from "@/test/lesson-python";
import { until } from "@/test/until";
import type { Session } from "@/lib/session";
import type { Reply } from "@/lib/resp/reply";
import type { RunningEndpoint } from "./server";

/**
 * Real clients against the endpoint (README "Bring your own client"):
 * Debian's redis-cli and redis-benchmark 7.0, redis-py 4.3 (python3-redis),
 * ioredis and node-redis, each doing what a learner would, and every key they
 * write checked through the admin user to have landed in the visitor's
 * namespace `pg:{<session id>}:` and nowhere else. Where redis-cli prints a
 * reply, a redis-server of the file's own is the oracle: the same lines
 * against it must print the same.
 */

const oracle = useOracleServer();
let ep: RunningEndpoint;
let admin: Redis | Cluster;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pg-clients-"));

beforeAll(async () => {
  // redis-benchmark sends 20,000 commands: at the default 200 a second per session that is 100 s of waiting (each still succeeds).
  ep = await useEndpoint({
    PLAYGROUND_RATE_PER_SESSION: "100000",
    PLAYGROUND_RATE_PER_IP: "100000",
    PLAYGROUND_WORK_PER_SESSION: "10000000",
    PLAYGROUND_WORK_PER_IP: "10000000",
    // The wrong-password counter is per address in the shared app Redis: other endpoint test files' wrong passwords count too.
    PLAYGROUND_RESP_WRONG_PASSWORDS_PER_IP_MINUTE: "100000",
  });
  admin = await adminRedis();
});
afterAll(async () => {
  admin?.disconnect();
  await ep?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ── helpers ─────────────────────────────────────────────────────────────

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed past `timeoutMs`), stdin from `input`. */
function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** The visitor's keys as the admin sees them, prefix taken off, sorted. */
async function keysOf(session: Session): Promise<string[]> {
  const prefix = session.ns.prefix;
  const keys = await keysEverywhere(admin, `${prefix}*`);
  return keys.map((k) => k.slice(prefix.length)).sort();
}

/** The key `name` exists under the visitor's prefix and not bare (nothing escaped the namespace). */
async function landed(session: Session, ...names: string[]): Promise<void> {
  for (const name of names) {
    expect(await admin.exists(session.ns.prefix + name), `${name} under ${session.ns.prefix}`).toBe(1);
    expect(await admin.exists(name), `${name} outside any namespace`).toBe(0);
  }
}

/** redis-cli's (and redis-benchmark's) arguments to sign in to `port` as `user`. */
const signIn = (port: number, user: string, password: string) => ["-h", "127.0.0.1", "-p", String(port), "--user", user, "--pass", password];
const cli = (password: string, ...args: string[]) => [...signIn(ep.port, "default", password), "--no-auth-warning", ...args];
const oracleCli = (...args: string[]) => [...signIn(oracle.port, "admin", oracle.password), "--no-auth-warning", ...args];

const PY_PRELUDE = `
import json, os, sys, threading, time
import redis

PORT = int(os.environ["PG_PORT"])
USER = os.environ.get("PG_USER", "default")
PASSWORD = os.environ["PG_PASSWORD"]


def client(**kw):
    return redis.Redis(host="127.0.0.1", port=PORT, username=USER, password=PASSWORD, decode_responses=True, **kw)


def out(v):
    print(json.dumps(v, default=list))
`;

/**
 * Runs a redis-py script (Debian's python3-redis 4.3) against the endpoint as the visitor of `password`, or
 * against the oracle (`password` null), and returns what its last line printed as JSON.
 */
async function python(password: string | null, body: string, timeoutMs = 15_000): Promise<unknown> {
  const file = path.join(tmp, `t${Math.random().toString(36).slice(2)}.py`);
  fs.writeFileSync(file, `${PY_PRELUDE}\n${body}`);
  const env: Record<string, string> =
    password === null ? { PG_PORT: String(oracle.port), PG_USER: "admin", PG_PASSWORD: oracle.password } : { PG_PORT: String(ep.port), PG_PASSWORD: password };
  const r = await run("/usr/bin/python3", [file], { env, timeoutMs });
  expect(r.stderr, r.stdout).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

async function rawSignedIn(password: string): Promise<RawClient> {
  const c = await RawClient.connect(ep.port);
  expect(await c.call("AUTH", password)).toEqual({ t: "status", v: "OK" });
  return c;
}

/** Replies until `pred` holds, at most `ms`. */
async function collect(c: RawClient, pred: (got: Reply[]) => boolean, ms: number): Promise<Reply[]> {
  const got: Reply[] = [];
  const deadline = Date.now() + ms;
  while (!pred(got) && Date.now() < deadline) {
    try {
      got.push(await c.next(Math.max(1, deadline - Date.now())));
    } catch {
      break;
    }
  }
  return got;
}

const bulks = (r: Reply): string[] => (r.t === "array" || r.t === "push" ? r.v.map((x) => (x.t === "bulk" ? x.v : String((x as { v: unknown }).v))) : []);

// ── 1. redis-cli ────────────────────────────────────────────────────────

describe("redis-cli 7.0", () => {
  it("runs commands given as arguments, each on a connection of its own, in the visitor's namespace", async () => {
    const { session, password } = await newVisitor();
    const set = await run("redis-cli", cli(password, "SET", "cli:greeting", "hello world"));
    expect(set).toEqual({ code: 0, stdout: "OK\n", stderr: "" });
    expect((await run("redis-cli", cli(password, "GET", "cli:greeting"))).stdout).toBe("hello world\n");
    expect((await run("redis-cli", cli(password, "INCRBY", "cli:n", "41"))).stdout).toBe("41\n");
    expect((await run("redis-cli", cli(password, "--no-raw", "INCR", "cli:n"))).stdout).toBe("(integer) 42\n");
    expect((await run("redis-cli", cli(password, "--no-raw", "GET", "cli:missing"))).stdout).toBe("(nil)\n");
    expect((await run("redis-cli", cli(password, "KEYS", "*"))).stdout.split("\n").sort()).toEqual(["", "cli:greeting", "cli:n"]);
    expect(await keysOf(session)).toEqual(["cli:greeting", "cli:n"]);
    await landed(session, "cli:greeting", "cli:n");
    expect(await admin.get(`${session.ns.prefix}cli:greeting`)).toBe("hello world");
    // A wrong password: redis-cli says why and exits non-zero.
    const wrong = await run("redis-cli", cli("pg-not-the-password", "PING"));
    expect(wrong.stdout + wrong.stderr).toMatch(/WRONGPASS invalid username-password pair/);
  });

  it("reads a file of commands from stdin and prints what a real Redis 7.0 prints for it", async () => {
    const { session, password } = await newVisitor();
    const script = [
      "SET cli:a 1",
      "INCR cli:a",
      "APPEND cli:a 0",
      "GET cli:a",
      "RPUSH cli:list x y z",
      "LRANGE cli:list 0 -1",
      "HSET cli:h f1 v1 f2 v2",
      "HGETALL cli:h",
      "SADD cli:s m",
      "SISMEMBER cli:s m",
      "ZADD cli:z 1.5 one 2 two",
      "ZRANGE cli:z 0 -1 WITHSCORES",
      "EXPIRE cli:a 100",
      "TTL cli:a",
      "TYPE cli:list",
      "GET cli:none",
      "LPOP cli:h",
      'SET "cli:quoted key" "two words"',
      'GET "cli:quoted key"',
      "DEL cli:s",
      "EXISTS cli:s",
      "",
    ].join("\n");
    for (const mode of ["--no-raw", "--raw"]) {
      await run("redis-cli", oracleCli("FLUSHALL"));
      const want = await run("redis-cli", oracleCli(mode), { input: script });
      // The endpoint's run starts as empty as the oracle's.
      for (const k of await keysOf(session)) await admin.del(session.ns.prefix + k);
      const got = await run("redis-cli", cli(password, mode), { input: script });
      expect(want.stdout).toContain("WRONGTYPE");
      expect(got).toEqual(want);
    }
    expect(await keysOf(session)).toEqual(["cli:a", "cli:h", "cli:list", "cli:quoted key", "cli:z"]);
    await landed(session, "cli:a", "cli:h", "cli:list", "cli:z");
    expect(await admin.ttl(`${session.ns.prefix}cli:a`)).toBeGreaterThan(90);
  });

  it("--pipe: a raw protocol stream of 2,000 commands, then its ECHO tag, all replied to", async () => {
    const { session, password } = await newVisitor();
    const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join("")}`;
    let stream = "";
    // 500 keys: a sandbox holds 1,000 (PLAYGROUND_MAX_KEYS).
    for (let i = 0; i < 500; i++) stream += cmd("SET", `pipe:${i}`, `v${i}`);
    for (let i = 0; i < 1500; i++) stream += cmd("INCR", "pipe:count");
    const r = await run("redis-cli", cli(password, "--pipe"), { input: stream, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("All data transferred. Waiting for the last reply...");
    expect(r.stdout).toContain("Last reply received from server.");
    expect(r.stdout).toContain("errors: 0, replies: 2000");
    expect(await admin.get(`${session.ns.prefix}pipe:count`)).toBe("1500");
    expect(await admin.get(`${session.ns.prefix}pipe:499`)).toBe("v499");
    expect((await keysOf(session)).length).toBe(501);
    await landed(session, "pipe:0", "pipe:count");
  });

  it("-3: HELLO 3 answers a map, PING PONG, CLIENT INFO says resp=3", async () => {
    const { password } = await newVisitor();
    const hello = await run("redis-cli", cli(password, "-3", "--no-raw", "HELLO", "3"));
    expect(hello.code).toBe(0);
    expect(hello.stdout).toMatch(
      /^1# "server" => "redis"\n2# "version" => "7\.\d+\.\d+"\n3# "proto" => \(integer\) 3\n4# "id" => \(integer\) \d+\n5# "mode" => "standalone"\n6# "role" => "master"\n7# "modules" => \(empty array\)\n$/,
    );
    expect((await run("redis-cli", cli(password, "-3", "PING"))).stdout).toBe("PONG\n");
    const info = await run("redis-cli", cli(password, "-3", "--no-raw", "CLIENT", "INFO"));
    expect(info.stdout).toMatch(/ resp=3 /);
  });

  // Each command's RESP3 shape against the oracle's (maps, sets, doubles, [member, score] pairs).
  const RESP3_SETUP = ["HSET r3:h f1 v1 f2 v2", "SADD r3:s only", "ZADD r3:z 1.5 one 2 two", "SET r3:n 10"];
  it.each([["HGETALL r3:h"], ["SMEMBERS r3:s"], ["ZRANGE r3:z 0 -1 WITHSCORES"], ["ZSCORE r3:z one"], ["INCRBYFLOAT r3:n 0.5"], ["ZPOPMIN r3:z"]])(
    "-3: %s prints as on a real Redis",
    async (line) => {
      const { password } = await newVisitor();
      const input = `${RESP3_SETUP.join("\n")}\n${line}\n`;
      await run("redis-cli", oracleCli("FLUSHALL"));
      const want = await run("redis-cli", oracleCli("-3", "--no-raw"), { input });
      const got = await run("redis-cli", cli(password, "-3", "--no-raw"), { input });
      expect(got.stdout).toBe(want.stdout);
    },
  );
});

// ── 2. redis-py ─────────────────────────────────────────────────────────

describe("redis-py 4.3 (Debian's python3-redis)", () => {
  it("strings, hashes, lists, sets, sorted sets and streams with a consumer group", async () => {
    const { session, password } = await newVisitor();
    const res = (await python(
      password,
      `
r = client()
res = {}
res["set"] = r.set("py:s", "hello")
res["get"] = r.get("py:s")
res["append"] = r.append("py:s", " world")
res["incrby"] = r.incrby("py:n", 5)
res["incrbyfloat"] = r.incrbyfloat("py:n", 0.5)
res["mset"] = r.mset({"py:a": "1", "py:b": "2"})
res["mget"] = r.mget("py:a", "py:b", "py:none")
res["setex"] = r.set("py:t", "x", ex=100)
res["ttl"] = r.ttl("py:t")
res["hset"] = r.hset("py:h", mapping={"f1": "v1", "f2": "v2"})
res["hgetall"] = r.hgetall("py:h")
res["hincrby"] = r.hincrby("py:h", "n", 3)
res["hmget"] = r.hmget("py:h", "f1", "nope", "n")
res["rpush"] = r.rpush("py:l", "a", "b", "c")
res["lpush"] = r.lpush("py:l", "z")
res["lrange"] = r.lrange("py:l", 0, -1)
res["rpop"] = r.rpop("py:l")
res["llen"] = r.llen("py:l")
res["sadd"] = r.sadd("py:set", "x", "y", "z", "x")
res["smembers"] = sorted(r.smembers("py:set"))
res["sismember"] = [r.sismember("py:set", "y"), r.sismember("py:set", "w")]
res["zadd"] = r.zadd("py:z", {"alice": 3, "bob": 1.5, "carol": 2})
res["zrange"] = r.zrange("py:z", 0, -1, withscores=True)
res["zrevrangebyscore"] = r.zrevrangebyscore("py:z", "+inf", 2, withscores=True)
res["zscore"] = r.zscore("py:z", "bob")
res["zincrby"] = r.zincrby("py:z", 10, "bob")
res["zrank"] = r.zrank("py:z", "bob")
ids = [r.xadd("py:x", {"job": str(i)}, id=f"1-{i + 1}") for i in range(3)]
res["ids"] = ids
res["xlen"] = r.xlen("py:x")
res["xrange"] = r.xrange("py:x", "-", "+", count=2)
res["xgroup"] = r.xgroup_create("py:x", "workers", id="0")
res["xreadgroup"] = r.xreadgroup("workers", "w1", {"py:x": ">"}, count=2)
res["xreadgroup2"] = r.xreadgroup("workers", "w2", {"py:x": ">"}, count=5)
res["xack"] = r.xack("py:x", "workers", ids[0])
res["xpending"] = r.xpending("py:x", "workers")
res["types"] = [r.type(k) for k in ["py:s", "py:h", "py:l", "py:set", "py:z", "py:x"]]
res["dbsize"] = r.dbsize()
out(res)
`,
    )) as Record<string, unknown>;
    expect(res).toEqual({
      set: true,
      get: "hello",
      append: 11,
      incrby: 5,
      incrbyfloat: 5.5,
      mset: true,
      mget: ["1", "2", null],
      setex: true,
      ttl: 100,
      hset: 2,
      hgetall: { f1: "v1", f2: "v2" },
      hincrby: 3,
      hmget: ["v1", null, "3"],
      rpush: 3,
      lpush: 4,
      lrange: ["z", "a", "b", "c"],
      rpop: "c",
      llen: 3,
      sadd: 3,
      smembers: ["x", "y", "z"],
      sismember: [true, false],
      zadd: 3,
      zrange: [
        ["bob", 1.5],
        ["carol", 2],
        ["alice", 3],
      ],
      zrevrangebyscore: [
        ["alice", 3],
        ["carol", 2],
      ],
      zscore: 1.5,
      zincrby: 11.5,
      zrank: 2,
      ids: ["1-1", "1-2", "1-3"],
      xlen: 3,
      xrange: [
        ["1-1", { job: "0" }],
        ["1-2", { job: "1" }],
      ],
      xgroup: true,
      xreadgroup: [
        [
          "py:x",
          [
            ["1-1", { job: "0" }],
            ["1-2", { job: "1" }],
          ],
        ],
      ],
      xreadgroup2: [["py:x", [["1-3", { job: "2" }]]]],
      xack: 1,
      xpending: {
        pending: 2,
        min: "1-2",
        max: "1-3",
        consumers: [
          { name: "w1", pending: 1 },
          { name: "w2", pending: 1 },
        ],
      },
      types: ["string", "hash", "list", "set", "zset", "stream"],
      dbsize: 10,
    });
    expect(await keysOf(session)).toEqual(["py:a", "py:b", "py:h", "py:l", "py:n", "py:s", "py:set", "py:t", "py:x", "py:z"]);
    await landed(session, "py:s", "py:h", "py:l", "py:set", "py:z", "py:x");
    expect(await admin.hgetall(`${session.ns.prefix}py:h`)).toEqual({ f1: "v1", f2: "v2", n: "3" });
    expect(await admin.xlen(`${session.ns.prefix}py:x`)).toBe(3);
  });

  it("pipelines: transaction=False and True (MULTI/EXEC), an error inside one", async () => {
    const { session, password } = await newVisitor();
    const res = await python(
      password,
      `
r = client()
p = r.pipeline(transaction=False)
p.set("pp:a", 1).incr("pp:a").rpush("pp:l", *range(5)).lrange("pp:l", 0, -1).get("pp:none")
plain = p.execute()
t = r.pipeline(transaction=True)
t.incr("pp:a").incr("pp:a").hset("pp:h", "f", "v").hgetall("pp:h")
tx = t.execute()
e = r.pipeline(transaction=True)
e.set("pp:s", "x").lpush("pp:s", "y").get("pp:s")
with_error = [str(x) if isinstance(x, Exception) else x for x in e.execute(raise_on_error=False)]
out({"plain": plain, "tx": tx, "with_error": with_error, "a": r.get("pp:a")})
`,
    );
    expect(res).toEqual({
      plain: [true, 2, 5, ["0", "1", "2", "3", "4"], null],
      tx: [3, 4, 1, { f: "v" }],
      with_error: [true, "WRONGTYPE Operation against a key holding the wrong kind of value", "x"],
      a: "4",
    });
    expect(await keysOf(session)).toEqual(["pp:a", "pp:h", "pp:l", "pp:s"]);
    await landed(session, "pp:a", "pp:h", "pp:l", "pp:s");
  });

  it("WATCH: another client's write makes EXEC fail with WatchError; r.transaction() retries", async () => {
    const { session, password } = await newVisitor();
    const res = await python(
      password,
      `
r = client()
other = client()
r.set("w:bal", 100)
res = {}


def transfer(amount, interfere):
    with r.pipeline() as pipe:
        pipe.watch("w:bal")
        bal = int(pipe.get("w:bal"))
        if interfere:
            other.incrby("w:bal", 1)
        pipe.multi()
        pipe.set("w:bal", bal - amount)
        return pipe.execute()


try:
    transfer(10, True)
    res["conflict"] = "no error"
except redis.WatchError:
    res["conflict"] = "WatchError"
res["after_conflict"] = r.get("w:bal")
res["clean"] = transfer(10, False)
res["after_clean"] = r.get("w:bal")
calls = []


def double(pipe):
    v = int(pipe.get("w:bal"))
    if not calls:
        other.incrby("w:bal", 5)
    calls.append(v)
    pipe.multi()
    pipe.set("w:bal", v * 2)


res["transaction"] = r.transaction(double, "w:bal")
res["calls"] = calls
res["doubled"] = r.get("w:bal")
out(res)
`,
    );
    expect(res).toEqual({
      conflict: "WatchError",
      after_conflict: "101",
      clean: [true],
      after_clean: "91",
      transaction: [true],
      calls: [91, 96],
      doubled: "192",
    });
    expect(await admin.get(`${session.ns.prefix}w:bal`)).toBe("192");
  });

  it("BLPOP: times out with None, and wakes when another client pushes", async () => {
    const { session, password } = await newVisitor();
    const res = (await python(
      password,
      `
r = client()
pusher = client()
res = {}
t0 = time.monotonic()
res["timeout"] = r.blpop("bl:q", timeout=1)
res["timeout_s"] = time.monotonic() - t0


def push():
    time.sleep(0.3)
    pusher.rpush("bl:q", "job-1")


threading.Thread(target=push).start()
t0 = time.monotonic()
res["popped"] = r.blpop(["bl:other", "bl:q"], timeout=5)
res["waited"] = time.monotonic() - t0
pusher.rpush("bl:src", "a", "b")
res["blmove"] = r.blmove("bl:src", "bl:dst", 1, "RIGHT", "LEFT")
res["dst"] = r.lrange("bl:dst", 0, -1)
out(res)
`,
    )) as { timeout: null; timeout_s: number; popped: string[]; waited: number; blmove: string; dst: string[] };
    expect(res.timeout).toBeNull();
    expect(res.timeout_s).toBeGreaterThanOrEqual(0.9);
    expect(res.timeout_s).toBeLessThan(4);
    expect(res.popped).toEqual(["bl:q", "job-1"]);
    expect(res.waited).toBeGreaterThanOrEqual(0.25);
    expect(res.waited).toBeLessThan(4);
    expect(res.blmove).toBe("b");
    expect(res.dst).toEqual(["b"]);
    expect(await keysOf(session)).toEqual(["bl:dst", "bl:src"]);
    await landed(session, "bl:dst", "bl:src");
  });

  it("SUBSCRIBE and PSUBSCRIBE on one client, PUBLISH from another", async () => {
    const { password } = await newVisitor();
    const res = await python(
      password,
      `
r = client()
pub = client()
p = r.pubsub()
res = {}
p.subscribe("news")
res["confirm"] = p.get_message(timeout=2)
res["numsub"] = pub.pubsub_numsub("news")
res["published"] = pub.publish("news", "hello")
res["message"] = p.get_message(timeout=2)
p.psubscribe("news.*")
res["pconfirm"] = p.get_message(timeout=2)
res["published2"] = pub.publish("news.sport", "goal")
res["pmessage"] = p.get_message(timeout=2)
res["nobody"] = pub.publish("weather", "rain")
res["nothing"] = p.get_message(timeout=0.3)
p.unsubscribe("news")
res["unsub"] = p.get_message(timeout=2)
p.punsubscribe()
res["punsub"] = p.get_message(timeout=2)
p.close()
out(res)
`,
    );
    expect(res).toEqual({
      confirm: { type: "subscribe", pattern: null, channel: "news", data: 1 },
      numsub: [["news", 1]],
      published: 1,
      message: { type: "message", pattern: null, channel: "news", data: "hello" },
      pconfirm: { type: "psubscribe", pattern: null, channel: "news.*", data: 2 },
      published2: 1,
      pmessage: { type: "pmessage", pattern: "news.*", channel: "news.sport", data: "goal" },
      nobody: 0,
      nothing: null,
      unsub: { type: "unsubscribe", pattern: null, channel: "news", data: 1 },
      punsub: { type: "punsubscribe", pattern: null, channel: "news.*", data: 0 },
    });
  });

  // Lesson 6 teaches PUBLISH's reply as "how many subscribers got the message" and NUMSUB as a channel's subscribers.
  it("two clients on one channel and one on a pattern: PUBLISH and PUBSUB NUMSUB count them as a real Redis does", async () => {
    const { password } = await newVisitor();
    const script = `
subs = [client().pubsub() for _ in range(3)]
subs[0].subscribe("jobs")
subs[1].subscribe("jobs")
subs[2].psubscribe("jo*")
confirmed = [p.get_message(timeout=2)["type"] for p in subs]
pub = client()
res = {"confirmed": confirmed, "numsub": pub.pubsub_numsub("jobs"), "publish": pub.publish("jobs", "1")}
res["received"] = [(p.get_message(timeout=2) or {}).get("data") for p in subs]
for p in subs:
    p.close()
out(res)
`;
    const want = await python(null, script);
    expect(want).toEqual({ confirmed: ["subscribe", "subscribe", "psubscribe"], numsub: [["jobs", 2]], publish: 3, received: ["1", "1", "1"] });
    expect(await python(password, script)).toEqual(want);
  });

  it("client_setname/getname/id, info() and dbsize()", async () => {
    const { session, password } = await newVisitor();
    const res = (await python(
      password,
      `
r = client(single_connection_client=True)
res = {}
res["getname0"] = r.client_getname()
res["setname"] = r.client_setname("py-worker")
res["getname"] = r.client_getname()
res["id"] = r.client_id()
res["client_info"] = r.client_info()
info = r.info()
res["info"] = {k: info.get(k) for k in ["redis_version", "redis_mode"]}
res["info_keyspace"] = r.info("keyspace")
res["dbsize0"] = r.dbsize()
r.set("i:a", 1)
r.set("i:b", 2)
res["dbsize"] = r.dbsize()
res["ping"] = r.ping()
res["echo"] = r.echo("hi")
out(res)
`,
    )) as Record<string, unknown> & { id: number; client_info: Record<string, string>; info: Record<string, string> };
    expect(res).toMatchObject({ getname0: null, setname: true, getname: "py-worker", dbsize0: 0, dbsize: 2, ping: true, echo: "hi" });
    expect(res.id).toBeGreaterThan(0);
    expect(res.client_info).toMatchObject({ id: res.id, name: "py-worker", db: 0, resp: "2", user: "default" });
    expect(res.info.redis_version).toMatch(/^7\.\d+\.\d+$/);
    expect(res.info.redis_mode).toBe(inject("cluster") ? "cluster" : "standalone"); // the server's, as it is
    expect(await keysOf(session)).toEqual(["i:a", "i:b"]);
  });
});

// ── 3. lesson 6's job queue ─────────────────────────────────────────────

describe("lesson 6's job queue, fixed, against the endpoint", () => {
  // The lesson's other Python blocks print what their comments say; run against the endpoint, they must print it too.
  it.each([
    ["PUBLISH to nobody", 0, "0\n[('CHANNEL_DISPATCH_3', 0)]", []],
    ["Upgrade 1: a list", 0, "('demo:jobs', '1')\n2\nNone", ["demo:jobs"]],
    ["Upgrade 2: the reliable list", 0, "working on 1\nworking on 2\nworking on 3\n0", []],
    [
      "Upgrade 3: a stream and a consumer group",
      0,
      "[['stream:demo', [('1-1', {'job': '7'})]]]\n{'pending': 1, 'min': '1-1', 'max': '1-1', 'consumers': [{'name': 'w1', 'pending': 1}]}",
      ["stream:demo"],
    ],
    ["Upgrade 3: a stream and a consumer group", 1, "w2 takes over 1-1 {'job': '7'}\n0\n2", ["stream:demo"]],
  ] as const)("%s (Python block %i) prints what the lesson says", async (heading, n, printed, keys) => {
    const { session, password } = await newVisitor();
    let code = lessonBlocks("06-message-queue/lesson.en.md", heading, "python")[n];
    code = replaceExactly(
      code,
      'redis.Redis(host="localhost", port=6379, decode_responses=True)',
      'redis.Redis(host="127.0.0.1", port=int(os.environ["PG_PORT"]), password=os.environ["PG_PASSWORD"], decode_responses=True)',
      1,
    );
    const r = await run("/usr/bin/python3", ["-c", `import os\n${code}`], { env: { PG_PORT: String(ep.port), PG_PASSWORD: password } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${printed}\n`);
    expect(r.code).toBe(0);
    expect(await keysOf(session)).toEqual(keys);
    if (keys.length) await landed(session, ...keys);
  });

  it("the master and five worker threads run the lesson's Python as written: every job done exactly once, seen by a console subscriber too", async () => {
    const { session, password } = await newVisitor();
    // Only where to connect changes: the endpoint's port, and the visitor's password.
    const file = path.join(tmp, "job_queue.py");
    fs.writeFileSync(file, fixedJobQueue());

    // The console listening in, as the lesson suggests ("type SUBSCRIBE CHANNEL_DISPATCH_3 in the console"), through the
    // endpoint with the visitor's password. A pattern, not the channels: the master waits until PUBSUB NUMSUB counts a
    // subscriber on each channel, and a console subscribed to CHANNEL_RESULT or a dispatch channel would pass that check
    // for the master's own subscription or a worker's before they are in place.
    const console_ = await rawSignedIn(password);
    console_.send("PSUBSCRIBE", "CHANNEL_*");
    expect(bulks(await console_.next())).toEqual(["psubscribe", "CHANNEL_*", "1"]);
    // And Redis itself, through the admin user: the messages travel on the visitor's prefixed channels, none bare.
    const watcher = new Redis(inject("redisUrl"), { lazyConnect: true });
    await watcher.connect();
    const inRedis: [string, string][] = [];
    watcher.on("pmessage", (_p: string, channel: string, message: string) => inRedis.push([channel, message]));
    await watcher.psubscribe(`${session.ns.prefix}CHANNEL_*`, "CHANNEL_*");

    try {
      const r = await run("/usr/bin/python3", [file], { env: { PG_PORT: String(ep.port), PG_PASSWORD: password }, timeoutMs: 20_000 });
      expect(r.stderr).toBe("");
      expect(r.code, r.stdout).toBe(0);
      // Six threads print to one pipe, and print() writes a line's text and its newline apart: lines
      // can run together ("…CHANNEL_DISPATCH_1Worker 3 runs job 6"), so each kind is matched anywhere.
      expect(r.stdout.trim().endsWith("10 of 10 jobs done")).toBe(true);
      expect(r.stdout).not.toMatch(/failed|nobody heard/);
      const dispatched = new Map<string, string>();
      for (const m of r.stdout.matchAll(/Dispatch job (\d+) to CHANNEL_DISPATCH_(\d)/g)) dispatched.set(m[1], m[2]);
      const jobs = Array.from({ length: 10 }, (_, i) => String(i));
      expect([...dispatched.keys()]).toEqual(jobs);
      // Each job run once, by the worker of the channel it went to.
      const runs = [...r.stdout.matchAll(/Worker (\d) runs job (\d+)/g)].map((m) => ({ worker: m[1], job: m[2] }));
      expect(runs.map((x) => x.job).sort((a, b) => Number(a) - Number(b))).toEqual(jobs);
      for (const { job, worker } of runs) expect(worker, `job ${job}`).toBe(dispatched.get(job));
      const received = [...r.stdout.matchAll(/Received job (\d+)/g)].map((m) => m[1]);
      expect(received.sort((a, b) => Number(a) - Number(b))).toEqual(jobs);

      // The console saw every dispatch on its channel and every result, once each.
      const seen = await collect(console_, (got) => got.length >= 20, 5000);
      expect(seen.every((m) => bulks(m)[0] === "pmessage" && bulks(m)[1] === "CHANNEL_*")).toBe(true);
      const messages = seen.map((m) => bulks(m).slice(2));
      const dispatches = messages.filter(([c]) => c.startsWith("CHANNEL_DISPATCH_"));
      const results = messages.filter(([c]) => c === "CHANNEL_RESULT").map(([, j]) => j);
      expect(dispatches.sort()).toEqual(jobs.map((j) => [`CHANNEL_DISPATCH_${dispatched.get(j)}`, j]).sort());
      expect(results.sort((a, b) => Number(a) - Number(b))).toEqual(jobs);
      await until(() => inRedis.length >= 20, 3000, "the admin's copy of the 20 messages");
      expect(inRedis.every(([c]) => c.startsWith(session.ns.prefix))).toBe(true);
      expect(inRedis.length).toBe(20);
    } finally {
      console_.close();
      watcher.disconnect();
    }
  });
});

// ── 4. ioredis and node-redis ───────────────────────────────────────────

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command's reply, or what it threw (so that one comparison shows every command that differs). */
async function settle(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    return `threw: ${(e as Error).message}`;
  }
}

/** One round of every family, through ioredis: run against the endpoint and against the oracle, it must answer the same. */
async function ioredisFamilies(r: Redis): Promise<Record<string, unknown>> {
  return {
    set: await settle(() => r.set("io:s", "hello")),
    get: await settle(() => r.get("io:s")),
    incrby: await settle(() => r.incrby("io:n", 5)),
    incrbyfloat: await settle(() => r.incrbyfloat("io:n", "0.5")),
    hset: await settle(() => r.hset("io:h", { f1: "v1", f2: "v2" })),
    hgetall: await settle(() => r.hgetall("io:h")),
    hmget: await settle(() => r.hmget("io:h", "f1", "nope")),
    rpush: await settle(() => r.rpush("io:l", "a", "b", "c")),
    lrange: await settle(() => r.lrange("io:l", 0, -1)),
    lpop: await settle(() => r.lpop("io:l")),
    sadd: await settle(() => r.sadd("io:set", "x", "y", "x")),
    smembers: await settle(() => r.smembers("io:set").then((m) => m.sort())),
    sismember: await settle(() => r.sismember("io:set", "x")),
    zadd: await settle(() => r.zadd("io:z", 2, "b", 1.5, "a")),
    zrange: await settle(() => r.zrange("io:z", "0", "-1", "WITHSCORES")),
    zscore: await settle(() => r.zscore("io:z", "b")),
    zpopmin: await settle(() => r.zpopmin("io:z")),
    xadd: await settle(() => r.xadd("io:x", "1-1", "job", "7")),
    xadd2: await settle(() => r.xadd("io:x", "1-2", "job", "8")),
    xrange: await settle(() => r.xrange("io:x", "-", "+")),
    xgroup: await settle(() => r.xgroup("CREATE", "io:x", "g", "0")),
    xreadgroup: await settle(() => r.xreadgroup("GROUP", "g", "c1", "COUNT", 1, "STREAMS", "io:x", ">")),
    xpending: await settle(() => r.xpending("io:x", "g")),
    type: await settle(() => r.type("io:x")),
    exists: await settle(() => r.exists("io:s", "io:h", "io:none")),
    ttl: await settle(() => r.ttl("io:s")),
  };
}

describe("ioredis 6", () => {
  const endpointIo = (password: string, extra: RedisOptions = {}) =>
    new Redis({ host: "127.0.0.1", port: ep.port, password, lazyConnect: true, maxRetriesPerRequest: 1, ...extra });
  const oracleIo = (extra: RedisOptions = {}) =>
    new Redis({ host: "127.0.0.1", port: oracle.port, username: "admin", password: oracle.password, lazyConnect: true, ...extra });

  // ioredis 6 says HELLO 3 by default; "legacy" keeps RESP2's shapes in JavaScript, "resp3" gives maps as objects and doubles as numbers.
  it.each<[string, RedisOptions]>([
    ["protocol 2", { protocol: 2 }],
    ["protocol 3 (its default), legacy replies", {}],
    ["protocol 3, replyMapping resp3", { protocol: 3, replyMapping: "resp3" }],
  ])("every family answers as on a real Redis: %s", async (_, opts) => {
    const { session, password } = await newVisitor();
    const o = oracleIo(opts);
    const r = endpointIo(password, opts);
    try {
      await Promise.all([o.connect(), r.connect()]);
      await o.flushall();
      const want = await ioredisFamilies(o);
      expect(await ioredisFamilies(r)).toEqual(want);
      expect(await keysOf(session)).toEqual(["io:h", "io:l", "io:n", "io:s", "io:set", "io:x", "io:z"]);
      await landed(session, "io:h", "io:x");
    } finally {
      o.disconnect();
      r.disconnect();
    }
  });

  it("pipeline, MULTI/EXEC, a WATCH conflict, a blocking pop woken by another client, pub/sub across two clients", async () => {
    const { session, password } = await newVisitor();
    const r = endpointIo(password);
    const other = endpointIo(password);
    const sub = endpointIo(password);
    try {
      await Promise.all([r.connect(), other.connect(), sub.connect()]);
      const piped = await r.pipeline().set("io:p", "1").incr("io:p").get("io:p").lpush("io:p", "x").exec();
      expect(piped?.slice(0, 3)).toEqual([
        [null, "OK"],
        [null, 2],
        [null, "2"],
      ]);
      expect(piped?.[3][0]).toMatchObject({ message: "WRONGTYPE Operation against a key holding the wrong kind of value" });
      expect(await r.multi().incr("io:c").incr("io:c").hset("io:mh", "f", "v").exec()).toEqual([
        [null, 1],
        [null, 2],
        [null, 1],
      ]);
      // WATCH, then another client writes the key: EXEC answers null and nothing of the transaction ran.
      await r.set("io:w", "0");
      expect(await r.watch("io:w")).toBe("OK");
      await other.set("io:w", "theirs");
      expect(await r.multi().set("io:w", "mine").incr("io:c").exec()).toBeNull();
      expect(await r.get("io:w")).toBe("theirs");
      expect(await r.watch("io:w")).toBe("OK");
      expect(await r.multi().set("io:w", "mine").exec()).toEqual([[null, "OK"]]);
      // Blocking: a timeout gives null; a push from another client wakes the waiter.
      const t0 = Date.now();
      expect(await r.blpop("io:empty", 1)).toBeNull();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      const popped = r.brpop("io:q", 5);
      await sleep(200);
      expect(await other.lpush("io:q", "job-1")).toBe(1);
      expect(await popped).toEqual(["io:q", "job-1"]);
      // Pub/sub: ioredis resolves subscribe() once confirmed.
      const got: string[][] = [];
      sub.on("message", (channel: string, message: string) => got.push([channel, message]));
      sub.on("pmessage", (pattern: string, channel: string, message: string) => got.push([pattern, channel, message]));
      expect(await sub.subscribe("io:news")).toBe(1);
      expect(await sub.psubscribe("io:news.*")).toBe(2);
      expect(await other.publish("io:news", "hello")).toBe(1);
      expect(await other.publish("io:news.sport", "goal")).toBe(1);
      expect(await other.publish("io:elsewhere", "x")).toBe(0);
      await until(() => got.length >= 2, 3000, "two messages");
      expect(got).toEqual([
        ["io:news", "hello"],
        ["io:news.*", "io:news.sport", "goal"],
      ]);
      expect(await keysOf(session)).toEqual(["io:c", "io:mh", "io:p", "io:w"]);
      expect(await admin.get(`${session.ns.prefix}io:w`)).toBe("mine");
    } finally {
      r.disconnect();
      other.disconnect();
      sub.disconnect();
    }
  });
});

/** A node-redis client of `port`, not yet connected (no reconnecting: a test that loses its connection fails). */
const nodeRedis = (port: number, username: string, password: string, RESP: 2 | 3) =>
  createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false }, username, password, RESP }).on("error", () => {});

/** One round of every family, through node-redis. */
async function nodeRedisFamilies(c: ReturnType<typeof nodeRedis>): Promise<Record<string, unknown>> {
  return {
    set: await settle(() => c.set("nr:s", "hello")),
    get: await settle(() => c.get("nr:s")),
    incrBy: await settle(() => c.incrBy("nr:n", 5)),
    incrByFloat: await settle(() => c.incrByFloat("nr:n", 0.5)),
    hSet: await settle(() => c.hSet("nr:h", { f1: "v1", f2: "v2" })),
    hGetAll: await settle(() => c.hGetAll("nr:h")),
    hGetAllRaw: await settle(() => c.sendCommand(["HGETALL", "nr:h"])),
    rPush: await settle(() => c.rPush("nr:l", ["a", "b", "c"])),
    lRange: await settle(() => c.lRange("nr:l", 0, -1)),
    sAdd: await settle(() => c.sAdd("nr:set", ["x", "y"])),
    sMembers: await settle(() => c.sMembers("nr:set").then((m) => [...m].sort())),
    zAdd: await c.zAdd("nr:z", [
      { score: 2, value: "b" },
      { score: 1.5, value: "a" },
    ]),
    zRangeWithScores: await settle(() => c.zRangeWithScores("nr:z", 0, -1)),
    zScore: await settle(() => c.zScore("nr:z", "b")),
    xAdd: await settle(() => c.xAdd("nr:x", "1-1", { job: "7" })),
    xRange: await settle(() => c.xRange("nr:x", "-", "+")),
    xGroupCreate: await settle(() => c.xGroupCreate("nr:x", "g", "0")),
    xReadGroup: await settle(() => c.xReadGroup("g", "c1", { key: "nr:x", id: ">" }, { COUNT: 1 })),
    type: await settle(() => c.type("nr:x")),
  };
}

describe("node-redis 6.4", () => {
  const endpointClient = (password: string, RESP: 2 | 3) => nodeRedis(ep.port, "default", password, RESP);
  const oracleClient = (RESP: 2 | 3) => nodeRedis(oracle.port, "admin", oracle.password, RESP);

  it.each([2, 3] as const)("every family answers as on a real Redis, RESP%i", async (RESP) => {
    const { session, password } = await newVisitor();
    const o = await oracleClient(RESP).connect();
    const c = await endpointClient(password, RESP).connect();
    try {
      await o.flushAll();
      const want = await nodeRedisFamilies(o);
      if (RESP === 3) expect(want.hGetAll).toEqual({ f1: "v1", f2: "v2" });
      expect(await nodeRedisFamilies(c)).toEqual(want);
      expect(await keysOf(session)).toEqual(["nr:h", "nr:l", "nr:n", "nr:s", "nr:set", "nr:x", "nr:z"]);
      await landed(session, "nr:h", "nr:x");
    } finally {
      o.destroy();
      c.destroy();
    }
  });

  it.each([2, 3] as const)("RESP%i: multi, a pipeline, a WATCH conflict, a blocking pop, pub/sub across two clients", async (RESP) => {
    const { session, password } = await newVisitor();
    const c = await endpointClient(password, RESP).connect();
    const other = await endpointClient(password, RESP).connect();
    const sub = await endpointClient(password, RESP).connect();
    try {
      expect(await c.multi().incr("nr:c").incr("nr:c").hSet("nr:mh", "f", "v").exec()).toEqual([1, 2, 1]);
      expect(await c.multi().set("nr:p", "1").incr("nr:p").get("nr:p").execAsPipeline()).toEqual(["OK", 2, "2"]);
      await c.set("nr:w", "0");
      await c.watch("nr:w");
      await other.set("nr:w", "theirs");
      await expect(c.multi().set("nr:w", "mine").exec()).rejects.toThrow(/watch/i);
      expect(await c.get("nr:w")).toBe("theirs");
      await c.watch("nr:w");
      expect(await c.multi().set("nr:w", "mine").exec()).toEqual(["OK"]);
      expect(await c.blPop("nr:empty", 1)).toBeNull();
      const popped = c.blPop("nr:q", 5);
      await sleep(200);
      await other.rPush("nr:q", "job-1");
      expect(await popped).toEqual({ key: "nr:q", element: "job-1" });
      const got: string[][] = [];
      await sub.subscribe("nr:news", (message, channel) => got.push([channel, message]));
      await sub.pSubscribe("nr:news.*", (message, channel) => got.push(["p", channel, message]));
      expect(await other.publish("nr:news", "hello")).toBe(1);
      expect(await other.publish("nr:news.sport", "goal")).toBe(1);
      await until(() => got.length >= 2, 3000, "two messages");
      expect(got).toEqual([
        ["nr:news", "hello"],
        ["p", "nr:news.sport", "goal"],
      ]);
      await sub.unsubscribe("nr:news");
      await sub.pUnsubscribe();
      expect(await keysOf(session)).toEqual(["nr:c", "nr:mh", "nr:p", "nr:w"]);
      expect(await admin.get(`${session.ns.prefix}nr:w`)).toBe("mine");
    } finally {
      c.destroy();
      other.destroy();
      sub.destroy();
    }
  });
});

// ── 5. redis-benchmark ──────────────────────────────────────────────────

describe("redis-benchmark 7.0", () => {
  it("runs nine tests with five connections, every one to its end, without an error", { timeout: 40_000 }, async () => {
    const { session, password } = await newVisitor();
    const tests = ["-t", "set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100", "-n", "2000", "-c", "5", "-q"];
    const r = await run("redis-benchmark", ["-h", "127.0.0.1", "-p", String(ep.port), "--user", "default", "-a", password, ...tests], { timeoutMs: 35_000 });
    const lines = r.stdout.split(/[\r\n]+/).filter((l) => l.includes("requests per second"));
    expect(r.stdout + r.stderr).not.toMatch(/Error from server|ERR|NOAUTH|WRONGPASS/);
    expect(r.code).toBe(0);
    expect(lines.map((l) => l.split(":")[0])).toEqual([
      "SET",
      "GET",
      "INCR",
      "LPUSH",
      "RPOP",
      "SADD",
      "HSET",
      "ZADD",
      "LPUSH (needed to benchmark LRANGE)",
      "LRANGE_100 (first 100 elements)",
    ]);
    expect(await keysOf(session)).toEqual(["counter:__rand_int__", "key:__rand_int__", "myhash", "mylist", "myset", "myzset"]);
    // Every command ran once: 2,000 INCRs; 4,000 LPUSHes less 2,000 RPOPs.
    expect(await admin.get(`${session.ns.prefix}counter:__rand_int__`)).toBe("2000");
    expect(await admin.llen(`${session.ns.prefix}mylist`)).toBe(2000);
  });
});
