import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";
import { problemText } from "@/lib/i18n/problems";
import type { Reply } from "@/lib/resp/reply";
import { bytesToHuman, FORBIDDEN_FIELDS, fields } from "./info";

/**
 * The product promise: a reply looks exactly as on a plain Redis. A plain
 * redis-server of this file's own (no namespace prefix; not the shared
 * scratch server, which cli-diff.test.ts flushes) is the oracle: the same
 * lines run there and through the sandbox must answer the same.
 */
const rt = useTestRuntime();
const api = useApiServer(rt);
const newSession = () => issueSession(rt.config.sessionSecret);
let plain: EmbeddedRedis;
let oracle: RespConnection;
let admin: RespConnection;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-fidelity-"));

beforeAll(async () => {
  plain = await startRedisServer({ dir });
  oracle = new RespConnection(parseRedisUrl(plain.urls.admin), "fidelity-oracle");
  admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "fidelity-admin");
  await Promise.all([oracle.waitReady(), admin.waitReady(), rt.conn.waitReady()]);
});
afterAll(async () => {
  oracle.close();
  admin.close();
  await plain.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (s: Session, argv: (string | Buffer)[], id?: string) =>
  execCommand(s, { argv: argv.map((a) => (typeof a === "string" ? a : a.toString("utf8"))) }, { id }); // valid UTF-8 only
const send = (argv: (string | Buffer)[]) => oracle.send(argv);
/**
 * Waits until neither the app's Redis nor the oracle has a child process (BGSAVE, AOF rewrite), then names how
 * many forks each has made: the same name afterwards means no fork happened in between.
 */
async function forkState(): Promise<string> {
  const info = async (c: RespConnection) => {
    const r = await c.send(["INFO", "persistence"]);
    const s = await c.send(["INFO", "stats"]);
    const text = (x: Reply) => (x.t === "bulk" ? x.v : "");
    return { busy: /(rdb_bgsave|aof_rewrite)_in_progress:1/.test(text(r)), forks: /total_forks:(\d+)/.exec(text(s))?.[1] ?? "?" };
  };
  for (let i = 0; i < 600; i++) {
    const [a, b] = await Promise.all([info(admin), info(oracle)]);
    if (!a.busy && !b.busy) return `${a.forks}/${b.forks}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("a Redis was forking for 30 s");
}
/** The argv form sends strings as UTF-8; binary keys go as a command line with \xHH escapes. */
const hexLine = (words: Buffer[]) => words.map((w) => `"${[...w].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}"`).join(" ");

describe("MEMORY USAGE answers what a plain Redis answers for the same key and value", () => {
  // A Redis Cluster adds its dict entries' metadata to every figure: the standalone oracle cannot tell it.
  it.skipIf(inject("cluster"))("for every key length from 0 to 300, a few longer, and multibyte and NUL keys", async () => {
    const { session } = newSession();
    const keys: Buffer[] = [];
    for (let n = 0; n <= 300; n++) keys.push(Buffer.alloc(n, "k"));
    for (const n of [301, 511, 512, 777, 1000, 1024]) keys.push(Buffer.alloc(n, "x"));
    keys.push(Buffer.from("中文键"), Buffer.from("🙂".repeat(60)), Buffer.from("a\0b"), Buffer.from("\0"), Buffer.from("é".repeat(140)));
    const mismatches: string[] = [];
    for (const key of keys) {
      expect((await run(session, ["SET", key, "v"])).text).toBe("OK");
      expect(await send(["SET", key, "v"])).toEqual({ t: "status", v: "OK" });
      const mine = (await run(session, ["MEMORY", "USAGE", key])).reply;
      const theirs = await send(["MEMORY", "USAGE", key]);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push(`${key.length} bytes: ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`);
      await run(session, ["DEL", key]);
      await send(["DEL", key]);
    }
    expect(mismatches).toEqual([]);
  });

  it.skipIf(inject("cluster"))("for each type and encoding, with SAMPLES, binary keys and inside MULTI … EXEC", async () => {
    const { session } = newSession();
    const members = (n: number, w = 1) => Array.from({ length: n }, (_, i) => `m${i}`.padEnd(w, "x"));
    const values: Array<[string, (k: Buffer) => (string | Buffer)[][]]> = [
      ["int string", (k) => [["SET", k, "12345"]]],
      ["embstr", (k) => [["SET", k, "hello"]]],
      ["raw string", (k) => [["SET", k, "r".repeat(300)]]],
      [
        "appended string",
        (k) => [
          ["APPEND", k, "abc"],
          ["APPEND", k, "def".repeat(40)],
        ],
      ],
      ["listpack list", (k) => [["RPUSH", k, ...members(10)]]],
      ["quicklist", (k) => [["RPUSH", k, ...members(400, 30)]]],
      ["listpack hash", (k) => [["HSET", k, "a", "1", "b", "2"]]],
      ["hashtable hash", (k) => [["HSET", k, ...members(300).flatMap((m) => [m, "v"])]]],
      ["intset", (k) => [["SADD", k, "1", "2", "3"]]],
      ["hashtable set", (k) => [["SADD", k, ...members(50)]]],
      ["listpack zset", (k) => [["ZADD", k, "1", "a", "2", "b"]]],
      [
        "stream",
        (k) => [
          ["XADD", k, "1-1", "f", "v"],
          ["XADD", k, "2-1", "g", "w"],
        ],
      ],
      ["hyperloglog", (k) => [["PFADD", k, "a", "b", "c"]]],
    ];
    const keyNames = [
      Buffer.from(""),
      Buffer.from("k"),
      Buffer.alloc(21, "a"),
      Buffer.alloc(31, "a"),
      Buffer.alloc(233, "b"),
      Buffer.alloc(250, "c"),
      Buffer.alloc(600, "d"),
    ];
    const mismatches: string[] = [];
    for (const [what, make] of values) {
      for (const key of keyNames) {
        // A hash table's size depends on whether its server was forking (a BGSAVE stops dicts from growing) while
        // it was filled: each attempt starts when neither server has a child, and an attempt during which either
        // forked is made again (a busy CI machine's snapshot can take seconds, so three quick tries were not enough).
        let found: string[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          found = [];
          const before = await forkState();
          for (const argv of make(key)) {
            expect((await run(session, argv)).reply.t).not.toBe("error");
            await send(argv);
          }
          for (const extra of [[], ["SAMPLES", "0"], ["SAMPLES", "3"]]) {
            const mine = (await run(session, ["MEMORY", "USAGE", key, ...extra])).text;
            const theirs = await send(["MEMORY", "USAGE", key, ...extra]);
            if (mine !== `(integer) ${theirs.t === "integer" ? theirs.v : "?"}`)
              found.push(`${what}, ${key.length}-byte key ${extra.join(" ")}: ${mine} vs ${JSON.stringify(theirs)}`);
          }
          await run(session, ["DEL", key]);
          await send(["DEL", key]);
          if (found.length === 0) break;
          if ((await forkState()) === before) break; // no fork during the attempt: the difference is real
        }
        mismatches.push(...found);
      }
    }
    expect(mismatches).toEqual([]);

    // Binary keys, by a command line's \xHH escapes.
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, ...Buffer.alloc(30, 0x41)]);
    expect((await execCommand(session, { command: `SET ${hexLine([binary])} v` })).text).toBe("OK");
    await send(["SET", binary, "v"]);
    const theirs = await send(["MEMORY", "USAGE", binary]);
    expect((await execCommand(session, { command: `MEMORY USAGE ${hexLine([binary])}` })).reply).toEqual(theirs);

    // Inside a transaction: EXEC's items are corrected too; a missing key is still nil, a bad SAMPLES still Redis's error.
    await run(session, ["SET", "k", "v"]);
    await send(["SET", "k", "v"]);
    const tab = "fidelity-tx";
    expect((await run(session, ["MULTI"], tab)).text).toBe("OK");
    for (const argv of [
      ["MEMORY", "USAGE", "k"],
      ["MEMORY", "USAGE", "missing"],
      ["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
    ]) {
      expect((await run(session, argv, tab)).text).toBe("QUEUED");
    }
    const exec = (await run(session, ["EXEC"], tab)).reply;
    expect(exec).toEqual({ t: "array", v: [await send(["MEMORY", "USAGE", "k"]), { t: "nil" }, { t: "error", v: "ERR syntax error" }] });
    expect((await run(session, ["MEMORY", "USAGE", "missing"])).text).toBe("(nil)");
  });

  it("keeps the stored figure for the quota: the namespace's accounting is unchanged", async () => {
    const { session } = newSession();
    await run(session, ["SET", "k", "v"]);
    // As the namespace's own user, through the runtime's connection: on a cluster it follows the key's slot (one admin node would answer MOVED).
    const stored = await rt.scoped(session.ns).send(["MEMORY", "USAGE", `${session.ns.prefix}k`]);
    const shown = (await run(session, ["MEMORY", "USAGE", "k"])).reply;
    // "k" (sdshdr5, 3 bytes: class 8) against "pg:{…}:k" (23 bytes + 1 + NUL: class 32).
    expect(stored.t === "integer" && shown.t === "integer" && Number(stored.v) - Number(shown.v)).toBe(24);
  });
});

/** What redis-cli prints for these lines, fed on stdin as a learner would type them. */
function redisCli(lines: string[]): string {
  const r = spawnSync("redis-cli", ["-p", String(plain.port), "--user", "admin", "--pass", plain.passwords.admin, "--no-auth-warning", "--no-raw"], {
    input: `${lines.join("\n")}\n`,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`redis-cli failed: ${r.stderr}`);
  return r.stdout;
}

describe("a line redis-cli cannot split prints what redis-cli prints", () => {
  const LINES = ['SET a "b', "SET a 'b", 'SET "k"x v', "SET k 'it's'", 'ECHO "trailing \\"', 'GET "中文', "SET a b'"];

  it("exactly redis-cli's text, with the reason as a notice in English and 中文", async () => {
    const { session } = newSession();
    for (const line of LINES) {
      const expected = redisCli([line]);
      const r = await execCommand(session, { command: line });
      expect(`${r.text}\n`, line).toBe(expected);
      expect(r.reply, line).toEqual({ t: "error", v: "Invalid argument(s)", cli: true });
      expect(
        r.notices?.map((n) => n.code),
        line,
      ).toEqual([expect.stringMatching(/^line:(unbalanced-quote|quote-then-char)$/)]);
      expect(r.notice, line).toBe(problemText(r.notices![0]));
    }
    expect(redisCli(['SET a "b'])).toBe("Invalid argument(s)\n");
    const r = await execCommand(session, { command: 'SET a "b' });
    expect(r.notices).toEqual([{ code: "line:unbalanced-quote", params: { quote: "double", column: 7 } }]);
    expect(r.notice).toBe(
      'Unbalanced double quote: the " opened at column 7 is never closed, so redis-cli sends nothing. Close it, or escape it (\\") inside quotes.',
    );
    expect(problemText(r.notices![0], "zh")).toBe('第 7 列开始的双引号没有闭合，所以 redis-cli 什么也没有发送。请闭合它，或者在引号里把它转义（\\"）。');
    const q = await execCommand(session, { command: 'SET "k"x v' });
    expect(problemText(q.notices![0], "zh")).toBe("第 5 列的参数在闭合的双引号后面必须是空格或行尾，所以 redis-cli 什么也没有发送。");
    // Nothing ran.
    expect((await execCommand(session, { command: "EXISTS a k" })).text).toBe("(integer) 0");
  });

  it("over the API: a 200 whose reply is the error redis-cli prints, with the reason in notices", async () => {
    const { token } = newSession();
    const res = await fetch(`${api.base}/api/v1/exec`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ command: "SET a 'b" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { reply: Reply; text: string; notice: string; notices: unknown[] };
    expect(body.reply).toEqual({ t: "error", v: "Invalid argument(s)", cli: true });
    expect(body.text).toBe("Invalid argument(s)");
    expect(body.notices).toEqual([{ code: "line:unbalanced-quote", params: { quote: "single", column: 7 } }]);
    expect(body.notice).toMatch(/^Unbalanced single quote: the ' opened at column 7 is never closed/);
  });
});

/** An INFO text by section: `# Name` → its `field:value` lines in order. */
function sections(text: string): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  for (const block of text.split("\r\n\r\n")) {
    const [head, ...rest] = block.replace(/\r\n$/, "").split("\r\n");
    expect(head).toMatch(/^# [A-Z][A-Za-z]+$/);
    out.set(head.slice(2).toLowerCase(), fields(rest.map((l) => `${l}\r\n`).join("")));
  }
  return out;
}

describe("INFO: a per-visitor INFO in Redis's exact format", () => {
  const info = async (s: Session, args = "") => {
    const r = await execCommand(s, { command: `INFO ${args}`.trim() });
    if (r.reply.t !== "verbatim") throw new Error(`INFO ${args}: ${r.text}`);
    expect(r.text).toBe(r.reply.v.replace(/\r\n$/, "")); // printed raw, as redis-cli prints INFO (text: without its last newline)
    return r.reply.v;
  };

  it("has only fields a real INFO has, in its sections and format, and none that fingerprint the server", async () => {
    const real = await oracle.send(["INFO", "everything"]);
    if (real.t !== "bulk") throw new Error("no INFO from the plain server");
    const realSections = sections(real.v);
    const { session } = newSession();
    await run(session, ["SET", "a", "1"]);
    for (const args of ["", "all", "everything", "default", "ALL", "server clients memory persistence stats replication cpu keyspace"]) {
      const text = await info(session, args);
      expect(text, args).toMatch(/\r\n$/);
      expect(text.replace(/\r\n/g, ""), args).not.toMatch(/[\r\n]/);
      const mine = sections(text);
      expect([...mine.keys()], args).toEqual(["server", "memory", "stats", "keyspace"]);
      for (const [name, lines] of mine) {
        const known = new Set(realSections.get(name)!.map(([k]) => k));
        if (name === "keyspace") known.add("db0"); // the plain server has no keys
        expect(
          lines.map(([k]) => k).filter((k) => !known.has(k)),
          `${args}: ${name}`,
        ).toEqual([]);
        // In Redis's order: the real section's order, restricted to these fields.
        const order = realSections.get(name)!.map(([k]) => k);
        const ours = lines.map(([k]) => k).filter((k) => order.includes(k));
        expect(ours, `${args}: ${name} order`).toEqual(order.filter((k) => ours.includes(k)));
      }
      for (const f of FORBIDDEN_FIELDS) expect(text, `${args}: ${f}`).not.toMatch(new RegExp(`(^|\\n)${f}:`));
      expect(text).not.toContain(session.ns.prefix);
    }
    const all = sections(await info(session));
    expect(all.get("server")!.map(([k]) => k)).toEqual([
      "redis_version",
      "redis_mode",
      "os",
      "arch_bits",
      "multiplexing_api",
      "gcc_version",
      "hz",
      "configured_hz",
    ]);
    // The build and configuration, as the real server says them (the app's server; the same binary as the plain one);
    // the OS without the kernel's release.
    const theirs = await admin.send(["INFO", "server"]);
    const realServer = new Map(theirs.t === "bulk" ? fields(theirs.v) : []);
    for (const [k, v] of all.get("server")!) {
      if (k === "hz") continue;
      if (k === "os") {
        const real = realServer.get("os")!.split(" ");
        expect(v).toBe(`${real[0]} ${real.at(-1)}`);
        expect(v).not.toContain(real[1]);
      } else expect(v, k).toBe(realServer.get(k));
    }
  });

  it("picks sections as Redis 7.0 does: case-insensitive, several at once, unknown ones empty", async () => {
    const { session } = newSession();
    await run(session, ["SET", "a", "1"]);
    const names = async (args: string) => [...sections(await info(session, args)).keys()];
    expect(await names("server")).toEqual(["server"]);
    expect(await names("SeRvEr")).toEqual(["server"]);
    expect(await names("keyspace server")).toEqual(["server", "keyspace"]);
    expect(await names("memory memory")).toEqual(["memory"]);
    expect(await names("default commandstats")).toEqual(["server", "memory", "stats", "keyspace"]);
    expect(await names("bogus keyspace")).toEqual(["keyspace"]);
    // What Redis has but a visitor does not get answers as an unknown section does: nothing.
    for (const args of ["bogus", "clients", "commandstats", "replication", "cpu", "persistence"]) {
      expect(await info(session, args), args).toBe("");
      expect((await oracle.send(["INFO", "bogus"])).t).toBe("bulk");
    }
    expect(redisCli(["INFO bogus"])).toBe("");
  });

  it("counts only the visitor's own keys, in Redis's keyspace line", async () => {
    const a = newSession().session;
    const b = newSession().session;
    await send(["FLUSHALL"]);
    for (const argv of [
      ["SET", "x", "1"],
      ["SET", "y", "2", "EX", "100"],
      ["RPUSH", "l", "a", "b"],
    ]) {
      await run(a, argv);
      await send(argv);
    }
    expect(await info(b, "keyspace")).toBe("# Keyspace\r\n");
    const plainLine = await oracle.send(["INFO", "keyspace"]);
    expect(plainLine.t === "bulk" && plainLine.v).toMatch(/^# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=\d+\r\n$/);
    const mine = await info(a, "keyspace");
    expect(mine).toMatch(/^# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=\d+\r\n$/);
    const avg = Number(/avg_ttl=(\d+)/.exec(mine)![1]);
    expect(avg).toBeGreaterThan(90_000);
    expect(avg).toBeLessThanOrEqual(100_000);
    await run(b, ["SET", "only-mine", "1"]);
    expect(await info(b, "keyspace")).toBe("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
    expect(await info(a)).toContain("db0:keys=3,expires=1,");
    await run(a, ["FLUSHDB"]);
    expect(await info(a, "keyspace")).toBe("# Keyspace\r\n");
    for (const k of ["x", "y", "l"]) await send(["DEL", k]);
  });

  it("shows the visitor's own memory, their quota as maxmemory, and their own channels", async () => {
    const { session } = newSession();
    const empty = new Map(sections(await info(session, "memory")).get("memory"));
    expect(empty.get("used_memory")).toBe("0");
    expect(empty.get("used_memory_human")).toBe("0B");
    expect(empty.get("maxmemory")).toBe(String(rt.config.quota.maxBytes));
    expect(empty.get("maxmemory_human")).toBe(bytesToHuman(rt.config.quota.maxBytes));
    expect(empty.get("maxmemory_policy")).toBe("noeviction");
    const realMemory = await admin.send(["INFO", "memory"]);
    expect(empty.get("mem_allocator")).toBe(new Map(realMemory.t === "bulk" ? fields(realMemory.v) : []).get("mem_allocator"));

    let sum = 0;
    for (const argv of [
      ["SET", "s", "v".repeat(100)],
      ["HSET", "h", "f", "v"],
      ["RPUSH", "averyveryveryverylongkeyname", "1", "2"],
    ]) {
      await run(session, argv);
      const r = (await run(session, ["MEMORY", "USAGE", argv[1]])).reply;
      sum += r.t === "integer" ? Number(r.v) : Number.NaN;
    }
    const used = new Map(sections(await info(session, "memory")).get("memory"));
    expect(used.get("used_memory")).toBe(String(sum));
    expect(used.get("used_memory_human")).toBe(bytesToHuman(sum));

    const stats = new Map(sections(await info(session, "stats")).get("stats"));
    expect(stats).toEqual(
      new Map([
        ["pubsub_channels", "0"],
        ["pubsubshard_channels", "0"],
      ]),
    );
    // Another visitor's live stream is not theirs. Subscribed through the app's hub, as a stream is: on a
    // cluster it lives on the namespace's master, where PUBSUB (per node) sees it.
    const other = newSession().session;
    const listener = { onMessage: () => {} };
    await rt.hub().add(listener, "channel", [Buffer.from(`${other.ns.prefix}news`)]);
    try {
      expect(new Map(sections(await info(other, "stats")).get("stats")).get("pubsub_channels")).toBe("1");
      expect(new Map(sections(await info(session, "stats")).get("stats")).get("pubsub_channels")).toBe("0");
    } finally {
      await rt.hub().remove(listener);
    }
  });

  it("words memory as Redis's bytesToHuman does, %.2f included", async () => {
    // The plain server's own maxmemory_human is the oracle.
    try {
      for (const n of [0, 1, 1023, 1024, 1152, 1160, 1535, 1536, 1048575, 1048576, 1179648, 8388608, 123456789, 1073741824, 1207959552]) {
        expect(await oracle.send(["CONFIG", "SET", "maxmemory", String(n)])).toEqual({ t: "status", v: "OK" });
        const r = await oracle.send(["INFO", "memory"]);
        const theirs = new Map(r.t === "bulk" ? fields(r.v) : []).get("maxmemory_human");
        expect(bytesToHuman(n), String(n)).toBe(theirs);
      }
    } finally {
      await oracle.send(["CONFIG", "SET", "maxmemory", "0"]);
    }
  });
});
