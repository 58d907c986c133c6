import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer } from "@/lib/redis/embedded";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { EXPLAINED_ERRORS, explainRedisError } from "./redis-errors";
import { zhStyleIssues } from "./zh-style";

/**
 * Each of Redis's errors that lib/i18n/redis-errors.ts explains in 中文, triggered on a scratch
 * redis-server of this file's own (7.0, as the playground runs): the error's exact text, an
 * explanation for a page in 中文, none for English.
 */
const CASES: Array<{ name: string; run: string[][]; error: string }> = [
  {
    name: "WRONGTYPE",
    run: [
      ["LPUSH", "l", "a"],
      ["GET", "l"],
    ],
    error: "WRONGTYPE Operation against a key holding the wrong kind of value",
  },
  {
    name: "not a HyperLogLog",
    run: [
      ["SET", "s", "v"],
      ["PFADD", "s", "x"],
    ],
    error: "WRONGTYPE Key is not a valid HyperLogLog string value.",
  },
  { name: "unknown command", run: [["FOO", "bar"]], error: "ERR unknown command 'FOO', with args beginning with: 'bar' " },
  { name: "unknown subcommand", run: [["OBJECT", "FOO"]], error: "ERR unknown subcommand 'FOO'. Try OBJECT HELP." },
  { name: "wrong number of arguments", run: [["GET"]], error: "ERR wrong number of arguments for 'get' command" },
  { name: "wrong number of arguments (a subcommand)", run: [["OBJECT", "ENCODING"]], error: "ERR wrong number of arguments for 'object|encoding' command" },
  { name: "syntax error", run: [["SET", "a", "b", "c"]], error: "ERR syntax error" },
  {
    name: "not an integer",
    run: [
      ["SET", "s", "v"],
      ["INCR", "s"],
    ],
    error: "ERR value is not an integer or out of range",
  },
  { name: "SETEX in the notes' order", run: [["SETEX", "session:43", "alice", "60"]], error: "ERR value is not an integer or out of range" },
  {
    name: "not a float",
    run: [
      ["SET", "s", "v"],
      ["INCRBYFLOAT", "s", "1"],
    ],
    error: "ERR value is not a valid float",
  },
  {
    name: "overflow",
    run: [
      ["SET", "n", "9223372036854775807"],
      ["INCR", "n"],
    ],
    error: "ERR increment or decrement would overflow",
  },
  { name: "NaN or Infinity", run: [["INCRBYFLOAT", "f", "inf"]], error: "ERR increment would produce NaN or Infinity" },
  {
    name: "hash value not an integer",
    run: [
      ["HSET", "h", "f", "v"],
      ["HINCRBY", "h", "f", "1"],
    ],
    error: "ERR hash value is not an integer",
  },
  {
    name: "hash value not a float",
    run: [
      ["HSET", "h", "f", "v"],
      ["HINCRBYFLOAT", "h", "f", "1"],
    ],
    error: "ERR hash value is not a float",
  },
  { name: "no such key", run: [["RENAME", "nokey", "x"]], error: "ERR no such key" },
  {
    name: "index out of range",
    run: [
      ["LPUSH", "l", "a"],
      ["LSET", "l", "9", "x"],
    ],
    error: "ERR index out of range",
  },
  { name: "must be positive", run: [["SPOP", "s", "-1"]], error: "ERR value is out of range, must be positive" },
  { name: "offset out of range", run: [["SETRANGE", "s", "-1", "x"]], error: "ERR offset is out of range" },
  { name: "bit offset", run: [["SETBIT", "b", "-1", "1"]], error: "ERR bit offset is not an integer or out of range" },
  { name: "string too long", run: [["SETRANGE", "s", "600000000", "x"]], error: "ERR string exceeds maximum allowed size (proto-max-bulk-len)" },
  { name: "invalid expire time", run: [["SET", "e", "v", "EX", "-1"]], error: "ERR invalid expire time in 'set' command" },
  { name: "negative timeout", run: [["BLPOP", "l", "-1"]], error: "ERR timeout is negative" },
  { name: "timeout not a number", run: [["BLPOP", "l", "abc"]], error: "ERR timeout is not a float or out of range" },
  { name: "score range", run: [["ZRANGEBYSCORE", "z", "a", "b"]], error: "ERR min or max is not a float" },
  { name: "lexicographic range", run: [["ZRANGEBYLEX", "z", "a", "b"]], error: "ERR min or max not valid string range item" },
  { name: "XX and NX", run: [["ZADD", "z", "NX", "XX", "1", "a"]], error: "ERR XX and NX options at the same time are not compatible" },
  { name: "GT and NX", run: [["ZADD", "z", "GT", "NX", "1", "a"]], error: "ERR GT, LT, and/or NX options at the same time are not compatible" },
  { name: "EXEC without MULTI", run: [["EXEC"]], error: "ERR EXEC without MULTI" },
  { name: "DISCARD without MULTI", run: [["DISCARD"]], error: "ERR DISCARD without MULTI" },
  { name: "nested MULTI", run: [["MULTI"], ["MULTI"]], error: "ERR MULTI calls can not be nested" },
  { name: "WATCH inside MULTI", run: [["MULTI"], ["WATCH", "x"]], error: "ERR WATCH inside MULTI is not allowed" },
  { name: "EXECABORT", run: [["MULTI"], ["GET"], ["EXEC"]], error: "EXECABORT Transaction discarded because of previous errors." },
  {
    name: "BUSYGROUP",
    run: [
      ["XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"],
      ["XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"],
    ],
    error: "BUSYGROUP Consumer Group name already exists",
  },
  {
    name: "NOGROUP",
    run: [["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "st", ">"]],
    error: "NOGROUP No such key 'st' or consumer group 'nog' in XREADGROUP with GROUP option",
  },
  { name: "stream ID 0-0", run: [["XADD", "st", "0-0", "f", "v"]], error: "ERR The ID specified in XADD must be greater than 0-0" },
  {
    name: "stream ID not after the top",
    run: [
      ["XADD", "st", "1-1", "f", "v"],
      ["XADD", "st", "1-1", "f", "v"],
    ],
    error: "ERR The ID specified in XADD is equal or smaller than the target stream top item",
  },
  { name: "invalid stream ID", run: [["XADD", "st", "abc", "f", "v"]], error: "ERR Invalid stream ID specified as stream command argument" },
  { name: "NOSCRIPT", run: [["EVALSHA", "0123456789012345678901234567890123456789", "0"]], error: "NOSCRIPT No matching script. Please use EVAL." },
  {
    name: "OOM",
    run: [
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "big", "v"],
    ],
    error: "OOM command not allowed when used memory > 'maxmemory'.",
  },
];

let redis: Awaited<ReturnType<typeof startRedisServer>>;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-redis-errors-"));
  redis = await startRedisServer({ dir });
});
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a case on a connection of its own, in an empty database, and returns its last reply's error text. */
async function lastError(run: string[][]): Promise<string | undefined> {
  const conn = new RespConnection(parseRedisUrl(redis.urls.admin), "redis-errors");
  try {
    await conn.waitReady();
    await conn.send(["FLUSHALL"]);
    await conn.send(["CONFIG", "SET", "maxmemory", "0"]);
    let last: Awaited<ReturnType<typeof conn.send>> | undefined;
    for (const argv of run) last = await conn.send(argv);
    return last?.t === "error" ? last.v : undefined;
  } finally {
    conn.close();
  }
}

describe("Redis's own errors, explained in 中文", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.error}`, async () => {
      expect(await lastError(c.run)).toBe(c.error);
      const zh = explainRedisError(c.error, "zh");
      expect(zh).toMatch(/\p{Script=Han}/u);
      expect(zhStyleIssues(zh ?? "")).toEqual([]);
      expect(explainRedisError(`(error) ${c.error}`, "zh")).toBe(zh);
      // redis-cli's English is the explanation on an English page.
      expect(explainRedisError(c.error, "en")).toBeUndefined();
    });
  }

  it("has a real error behind every pattern, and none for what it does not know", () => {
    for (const re of EXPLAINED_ERRORS)
      expect(
        CASES.some((c) => re.test(c.error)),
        String(re),
      ).toBe(true);
    expect(explainRedisError("ERR something Redis 9 says", "zh")).toBeUndefined();
  });

  it("names the command and the keys the error names", () => {
    expect(explainRedisError("ERR wrong number of arguments for 'object|encoding' command", "zh")).toContain("HELP OBJECT ENCODING");
    expect(explainRedisError("ERR unknown command 'SETX', with args beginning with: 'a' 'b' ", "zh")).toContain("SETX");
    expect(explainRedisError("NOGROUP No such key 'jobs' or consumer group 'workers' in XREADGROUP with GROUP option", "zh")).toContain(
      "XGROUP CREATE jobs workers $ MKSTREAM",
    );
  });
});
