import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useOracleServer } from "@/test/oracle-server";
import { type EmbeddedRedis, startRedisServer } from "@/lib/redis/embedded";
import { encodeCommand, RespDecoder } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";
import { encodeReply } from "./encode-reply";
import { toResp3, toResp3Exec, toResp3Push } from "./resp3";

const oracle = useOracleServer();

/**
 * Redis as the oracle: each command goes to a real redis-server on a plain
 * RESP2 connection and on one that said HELLO 3, after the same setup. The
 * RESP2 reply converted by toResp3 must be the RESP3 reply, and written back
 * by encodeReply(…, 3) the very bytes Redis sent.
 */
type Arg = string | Buffer;
type Normalize = (r: Reply) => Reply;

interface Got {
  raw: Buffer;
  reply: Reply;
}

class RawClient {
  private socket!: net.Socket;
  private raw: Buffer[] = [];
  private waiting: ((g: Got) => void)[] = [];
  private early: Got[] = [];
  private decoder = new RespDecoder((reply) => {
    const raw = Buffer.concat(this.raw);
    this.raw = [];
    const got = { raw, reply };
    const w = this.waiting.shift();
    if (w) w(got);
    else this.early.push(got);
  });

  constructor(private readonly port: () => number) {}

  async open(proto: 2 | 3, password: string): Promise<this> {
    this.socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(this.port(), "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
    // Fed a line at a time, so that each reply's own bytes are known even
    // when several arrive in one chunk: a reply ends at a line's end.
    this.socket.on("data", (d: Buffer) => {
      for (let from = 0; from < d.length; ) {
        const lf = d.indexOf(10, from);
        const to = lf < 0 ? d.length : lf + 1;
        this.raw.push(d.subarray(from, to));
        this.decoder.write(d.subarray(from, to));
        from = to;
      }
    });
    const hello = await this.send("HELLO", String(proto), "AUTH", "admin", password);
    expect(hello.reply.t).toBe(proto === 3 ? "map" : "array");
    return this;
  }

  /** The next reply, whether a command's or a push Redis sent by itself. */
  next(): Promise<Got> {
    const got = this.early.shift();
    if (got) return Promise.resolve(got);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(...args: Arg[]): Promise<Got> {
    this.socket.write(encodeCommand(argvOf(args)));
    return this.next();
  }

  close() {
    this.socket.destroy();
  }
}

const argvOf = (args: Arg[]): Buffer[] => args.map((a) => (typeof a === "string" ? Buffer.from(a) : a));
const show = (args: Arg[]) => args.map((a) => (typeof a === "string" ? a : `<${a.toString("hex")}>`)).join(" ");

/** Scalars blanked, map keys kept (pairs whose key is not a string dropped): for replies that change from one call to the next. */
function skeleton(r: Reply): Reply {
  switch (r.t) {
    case "array":
    case "set":
    case "push":
      return { t: r.t, v: r.v.map(skeleton) };
    case "map": {
      const v: Reply[] = [];
      for (let i = 0; i < r.v.length; i += 2) if (r.v[i].t === "bulk") v.push(r.v[i], skeleton(r.v[i + 1]));
      return { t: "map", v };
    }
    case "verbatim":
      return { t: "verbatim", format: r.format, v: "#" };
    case "nil":
    case "error":
      return r;
    case "bool":
      return { t: "bool", v: false };
    default:
      return { ...r, v: "#" } as Reply;
  }
}

const isText = (r: Reply, text: string) => r.t === "bulk" && r.v === text;

/** Times in milliseconds blanked: timestamps (seen-time, delivery times) and the values of `idle`. */
function scrubTimes(r: Reply): Reply {
  switch (r.t) {
    case "array":
    case "set":
    case "push":
      return { t: r.t, v: r.v.map(scrubTimes) };
    case "map":
      return { t: "map", v: r.v.map((x, i) => (i % 2 === 1 && isText(r.v[i - 1], "idle") ? { t: "integer", v: 0 } : scrubTimes(x))) };
    case "integer":
      return Number(r.v) > 1e12 ? { t: "integer", v: 0 } : r;
    default:
      return r;
  }
}

interface Case {
  cmd: Arg[];
  setup?: Arg[][];
  /** Commands sent on the setup connection after `cmd` blocked (a blocking command served later). */
  after?: Arg[][];
  normalize?: Normalize;
}

/** The setup connection (RESP2) and the two under test. */
const setupClient = new RawClient(() => oracle.port);
const clients: Record<2 | 3, RawClient> = { 2: new RawClient(() => oracle.port), 3: new RawClient(() => oracle.port) };

async function runSetup(setup: Arg[][] = []) {
  const flushed = await setupClient.send("FLUSHALL");
  expect(flushed.reply).toEqual({ t: "status", v: "OK" });
  for (const cmd of setup) {
    const { reply } = await setupClient.send(...cmd);
    // A failed AUTH is how a case fills the ACL log; anything else failing is a typo in the case.
    if (String(cmd[0]).toUpperCase() !== "AUTH") expect(reply.t, `setup ${show(cmd)}: ${JSON.stringify(reply)}`).not.toBe("error");
  }
}

async function waitBlocked(n: number) {
  for (let i = 0; i < 200; i++) {
    const { reply } = await setupClient.send("INFO", "clients");
    if (reply.t === "bulk" && reply.v.includes(`blocked_clients:${n}\r\n`)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the command did not block");
}

async function runOn(c: RawClient, k: Case): Promise<Got> {
  await runSetup(k.setup);
  if (!k.after) return c.send(...k.cmd);
  const pending = c.send(...k.cmd);
  await waitBlocked(1);
  for (const cmd of k.after) await setupClient.send(...cmd);
  return pending;
}

/** Runs a case on both connections and checks the conversion against Redis's RESP3 reply. */
async function check(k: Case) {
  const r2 = await runOn(clients[2], k);
  const r3 = await runOn(clients[3], k);
  expectConverted(argvOf(k.cmd), r2, r3, k.normalize);
}

function expectConverted(argv: Buffer[], r2: Got, r3: Got, normalize?: Normalize, convert = toResp3) {
  const mine = convert(argv, r2.reply);
  if (normalize) {
    expect(normalize(mine)).toEqual(normalize(r3.reply));
    return;
  }
  expect(mine).toEqual(r3.reply);
  expect(encodeReply(mine, 3).toString("latin1")).toBe(r3.raw.toString("latin1"));
}

// The data the cases read.
const HASH: Arg[][] = [
  ["HSET", "h", "f1", "v1", "f2", "v2", "f3", "3"],
  ["HSET", "one", "only", "v"],
  ["HSET", "withvalues", "f", "v"],
  ["HSET", "bin", Buffer.from([0xff, 0xfe]), Buffer.from([0x00, 0xc3])],
];
const SETS: Arg[][] = [
  ["SADD", "st", "a", "b", "c"],
  ["SADD", "other", "b", "c", "d"],
  ["SADD", "ints", "1", "2", "3"],
  ["SADD", "single", "x"],
];
/** Scores whose text tells %.17g apart from shorter forms. */
const SCORES = ["1.1", "3", "1e100", "inf", "-inf", "0.1", "1e-5", "123456789012345678", "2.5e-300", "-0", "-1.5", "5e-324", "1.7976931348623157e308"];
const ZSETS: Arg[][] = [
  ["ZADD", "z", ...SCORES.flatMap((s, i) => [s, `m${i}`])],
  ["ZADD", "z2", "1", "m0", "2", "x", "7", "m1"],
  ["ZADD", "withscores", "1", "withscores", "2", "limit"],
  ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"],
  ["ZADD", "onez", "2.5", "solo"],
  // Past zset-max-listpack-entries (128): a skiplist, the other reply path.
  ["ZADD", "big", ...Array.from({ length: 150 }, (_, i) => [String(i / 10), `b${i}`]).flat()],
  ["ZADD", "zbin", "1.5", Buffer.from([0xff, 0x00])],
];
const GEO: Arg[][] = [["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]];
const STREAMS: Arg[][] = [
  ["XADD", "x", "1-1", "k", "v"],
  ["XADD", "x", "1-2", "k2", "v2", "k3", "v3"],
  ["XADD", "y", "2-1", "a", "b"],
  ["XADD", "streams", "3-1", "c", "d"],
  ["XGROUP", "CREATE", "x", "g", "0"],
  ["XGROUP", "CREATE", "x", "g2", "$"],
  ["XGROUP", "CREATE", "y", "gy", "0"],
  ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "x", ">"],
  ["XADD", "empty", "1-1", "a", "b"],
  ["XDEL", "empty", "1-1"],
];
const STRINGS: Arg[][] = [
  ["SET", "s1", "ohmytext"],
  ["SET", "s2", "mynewtext"],
];

const c = (setup: Arg[][], ...cmd: Arg[]): Case => ({ setup, cmd });

const FAMILIES: Record<string, Case[]> = {
  "maps and pairs: hashes": [
    c(HASH, "HGETALL", "h"),
    c(HASH, "hgetall", "bin"),
    c(HASH, "HGETALL", "nokey"),
    c(HASH, "HGETALL", "withvalues"),
    c(HASH, "HRANDFIELD", "h", "5", "WITHVALUES"),
    c(HASH, "HRANDFIELD", "h", "5", "withvalues"),
    c(HASH, "HRANDFIELD", "one", "-3", "WITHVALUES"),
    c(HASH, "HRANDFIELD", "h", "5"),
    c(HASH, "HRANDFIELD", "withvalues", "2"),
    c(HASH, "HRANDFIELD", "one"),
    c(HASH, "HRANDFIELD", "h", "0", "WITHVALUES"),
    c(HASH, "HRANDFIELD", "nokey", "3", "WITHVALUES"),
    c(HASH, "HRANDFIELD", "h", "5", "WITHVALUES", "extra"),
    c(HASH, "HKEYS", "h"),
    c(HASH, "HMGET", "h", "f1", "nope"),
    c([["SET", "str", "x"]], "HGETALL", "str"),
  ],
  sets: [
    c(SETS, "SMEMBERS", "st"),
    c(SETS, "smembers", "ints"),
    c(SETS, "SMEMBERS", "nokey"),
    c(SETS, "SINTER", "st", "other"),
    c(SETS, "SINTER", "st", "nokey"),
    c(SETS, "SUNION", "st", "other", "ints"),
    c(SETS, "SDIFF", "st", "other"),
    c(SETS, "SDIFF", "nokey", "st"),
    c(SETS, "SPOP", "st", "10"),
    c(SETS, "SPOP", "st", "0"),
    c(SETS, "SPOP", "nokey", "2"),
    c(SETS, "SPOP", "single"),
    c(SETS, "SPOP", "nokey"),
    c(SETS, "SRANDMEMBER", "st", "10"),
    c(SETS, "SRANDMEMBER", "single", "-2"),
    c(SETS, "SRANDMEMBER", "nokey", "3"),
    c(SETS, "SMISMEMBER", "st", "a", "z"),
    c(SETS, "SINTERCARD", "2", "st", "other"),
    c(SETS, "SINTERSTORE", "dst", "st", "other"),
  ],
  "doubles and scores": [
    c(ZSETS, "ZSCORE", "z", "m0"),
    c(ZSETS, "ZSCORE", "z", "m3"),
    c(ZSETS, "ZSCORE", "z", "nope"),
    c(ZSETS, "ZSCORE", "nokey", "m0"),
    c(ZSETS, "ZMSCORE", "z", ...SCORES.map((_, i) => `m${i}`), "nope"),
    c(ZSETS, "ZMSCORE", "nokey", "a", "b"),
    c(ZSETS, "ZINCRBY", "z", "0.1", "m0"),
    c(ZSETS, "ZINCRBY", "z", "1", "new"),
    c(ZSETS, "ZINCRBY", "z", "-inf", "m3"),
    c(ZSETS, "ZADD", "z", "INCR", "2.5", "m0"),
    c(ZSETS, "ZADD", "z", "NX", "INCR", "1", "m0"),
    c(ZSETS, "ZADD", "z", "GT", "INCR", "-1", "m0"),
    c(ZSETS, "ZADD", "z", "XX", "CH", "5", "m0"),
    c(ZSETS, "ZADD", "incr", "1", "incr"),
    c(ZSETS, "ZRANGE", "z", "0", "-1"),
    c(ZSETS, "ZRANGE", "z", "0", "-1", "WITHSCORES"),
    c(ZSETS, "zrange", "z", "0", "-1", "withscores"),
    c(ZSETS, "ZRANGE", "z", "(1", "5", "BYSCORE", "WITHSCORES", "LIMIT", "0", "2"),
    c(ZSETS, "ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"),
    c(ZSETS, "ZRANGE", "lex", "[a", "[c", "BYLEX"),
    c(ZSETS, "ZRANGE", "lex", "[a", "[c", "BYLEX", "WITHSCORES"),
    c(ZSETS, "ZRANGE", "withscores", "0", "-1"),
    c(ZSETS, "ZRANGE", "withscores", "0", "-1", "WITHSCORES"),
    c(ZSETS, "ZRANGE", "nokey", "0", "-1", "WITHSCORES"),
    c(ZSETS, "ZRANGE", "big", "0", "-1", "WITHSCORES"),
    c(ZSETS, "ZRANGE", "zbin", "0", "-1", "WITHSCORES"),
    c(ZSETS, "ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"),
    c(ZSETS, "ZRANGEBYSCORE", "z", "0", "10", "WITHSCORES", "LIMIT", "1", "2"),
    c(ZSETS, "ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"),
    c(ZSETS, "ZREVRANGE", "z", "0", "2", "WITHSCORES"),
    c(ZSETS, "ZREVRANGE", "big", "0", "-1", "WITHSCORES"),
    c(ZSETS, "ZRANGEBYLEX", "lex", "-", "+"),
    c(ZSETS, "ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "0", "2"),
    c(ZSETS, "ZUNION", "2", "z", "z2", "WITHSCORES"),
    c(ZSETS, "ZUNION", "2", "z", "z2", "WEIGHTS", "2", "3", "AGGREGATE", "MAX", "WITHSCORES"),
    c(ZSETS, "ZINTER", "2", "z", "z2", "withscores"),
    c(ZSETS, "ZINTER", "2", "z", "nokey", "WITHSCORES"),
    c(ZSETS, "ZDIFF", "2", "z", "z2", "WITHSCORES"),
    c(ZSETS, "ZUNION", "1", "withscores"),
    c(ZSETS, "ZUNION", "2", "z", "z2"),
    c(ZSETS, "ZRANDMEMBER", "z", "100", "WITHSCORES"),
    c(ZSETS, "ZRANDMEMBER", "onez", "-3", "WITHSCORES"),
    c(ZSETS, "ZRANDMEMBER", "z", "100"),
    c(ZSETS, "ZRANDMEMBER", "nokey", "2", "WITHSCORES"),
    c(ZSETS, "ZRANDMEMBER", "onez"),
    c(ZSETS, "ZPOPMIN", "z"),
    c(ZSETS, "ZPOPMIN", "z", "3"),
    c(ZSETS, "ZPOPMIN", "z", "1"),
    c(ZSETS, "ZPOPMIN", "z", "0"),
    c(ZSETS, "ZPOPMAX", "z"),
    c(ZSETS, "ZPOPMAX", "big", "2"),
    c(ZSETS, "ZPOPMIN", "nokey"),
    c(ZSETS, "ZPOPMIN", "nokey", "2"),
    c(ZSETS, "BZPOPMIN", "z", "0.01"),
    c(ZSETS, "BZPOPMAX", "nokey", "z", "1"),
    c(ZSETS, "BZPOPMAX", "nokey", "0.01"),
    c(ZSETS, "ZMPOP", "1", "z", "MIN"),
    c(ZSETS, "ZMPOP", "2", "nokey", "big", "MAX", "COUNT", "3"),
    c(ZSETS, "ZMPOP", "1", "nokey", "MIN"),
    c(ZSETS, "BZMPOP", "0.01", "1", "z", "MIN", "COUNT", "2"),
    c(ZSETS, "BZMPOP", "0.01", "1", "nokey", "MIN"),
    c(ZSETS, "ZSCAN", "z", "0"),
    c(ZSETS, "ZRANK", "z", "m0"),
    c(ZSETS, "ZREVRANK", "z", "nope"),
    c(ZSETS, "ZRANGESTORE", "dst", "z", "0", "-1"),
    c([["SET", "str", "x"]], "ZRANGE", "str", "0", "-1", "WITHSCORES"),
    c([["SET", "f", "1"]], "INCRBYFLOAT", "f", "1.1"),
    c([["HSET", "hf", "f", "1"]], "HINCRBYFLOAT", "hf", "f", "0.1"),
  ],
  geo: [
    c(GEO, "GEOPOS", "g", "Palermo", "nope", "Catania"),
    c(GEO, "GEOPOS", "nokey", "a"),
    c(GEO, "GEODIST", "g", "Palermo", "Catania"),
    c(GEO, "GEOHASH", "g", "Palermo"),
    c(GEO, "GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"),
    c(GEO, "GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "DESC", "WITHCOORD"),
    c(GEO, "GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST"),
    c(GEO, "GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"),
    c(GEO, "GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "WITHCOORD"),
    c(GEO, "GEORADIUS", "g", "15", "37", "200", "km", "WITHCOORD", "ASC"),
    c(GEO, "GEORADIUS_RO", "g", "15", "37", "200", "km", "WITHCOORD", "WITHHASH", "ASC", "COUNT", "1"),
    c(GEO, "GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "WITHCOORD", "WITHDIST", "ASC"),
    c(GEO, "GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "WITHCOORD"),
    c(GEO, "GEORADIUS", "g", "15", "37", "200", "km", "STORE", "dst"),
  ],
  streams: [
    c(STREAMS, "XREAD", "STREAMS", "x", "y", "0", "0"),
    c(STREAMS, "XREAD", "COUNT", "1", "STREAMS", "x", "0"),
    c(STREAMS, "XREAD", "STREAMS", "streams", "0"),
    c(STREAMS, "XREAD", "STREAMS", "x", "nokey", "0", "0"),
    c(STREAMS, "XREAD", "STREAMS", "nokey", "0"),
    c(STREAMS, "XREAD", "STREAMS", "x", "1-2"),
    c(STREAMS, "XREAD", "BLOCK", "10", "STREAMS", "nokey", "$"),
    c(STREAMS, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "x", ">"),
    c(STREAMS, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "x", "0"),
    c(STREAMS, "XREADGROUP", "GROUP", "g2", "bob", "STREAMS", "x", ">"),
    c(STREAMS, "XREADGROUP", "GROUP", "nogroup", "bob", "STREAMS", "x", ">"),
    c(STREAMS, "XINFO", "STREAM", "x"),
    c(STREAMS, "xinfo", "stream", "empty"),
    { setup: STREAMS, cmd: ["XINFO", "STREAM", "x", "FULL"], normalize: scrubTimes },
    { setup: STREAMS, cmd: ["XINFO", "STREAM", "x", "full", "COUNT", "1"], normalize: scrubTimes },
    c(STREAMS, "XINFO", "STREAM", "y", "FULL"),
    c(STREAMS, "XINFO", "GROUPS", "x"),
    c(STREAMS, "XINFO", "GROUPS", "streams"),
    { setup: STREAMS, cmd: ["XINFO", "CONSUMERS", "x", "g"], normalize: scrubTimes },
    c(STREAMS, "XINFO", "CONSUMERS", "x", "g2"),
    c(STREAMS, "XINFO", "HELP"),
    c(STREAMS, "XINFO", "STREAM", "nokey"),
    c(STREAMS, "XRANGE", "x", "-", "+"),
    c(STREAMS, "XPENDING", "x", "g"),
    c(STREAMS, "XAUTOCLAIM", "x", "g", "bob", "0", "0-0"),
  ],
  "strings, server, connection": [
    c(STRINGS, "LCS", "s1", "s2"),
    c(STRINGS, "LCS", "s1", "s2", "LEN"),
    c(STRINGS, "LCS", "s1", "s2", "IDX"),
    c(STRINGS, "LCS", "s1", "s2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
    c(STRINGS, "LCS", "s1", "nokey", "IDX"),
    c(STRINGS, "GET", "nokey"),
    c(STRINGS, "MEMORY", "USAGE", "s1"),
    c([], "CONFIG", "GET", "maxmemory-policy"),
    c([], "config", "get", "*-max-listpack-*"),
    c([], "CONFIG", "GET", "nosuchparameter"),
    c([], "COMMAND", "INFO", "get"),
    c([], "COMMAND", "INFO", "get", "nosuchcommand", "config", "xinfo|stream"),
    c([], "COMMAND", "INFO"),
    c([], "COMMAND"),
    c([], "COMMAND", "DOCS", "get"),
    c([], "COMMAND", "DOCS", "config", "client", "nosuchcommand", "zadd", "georadius"),
    c([], "COMMAND", "DOCS"),
    c([], "COMMAND", "DOCS", "nosuchcommand"),
    c([], "COMMAND", "GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"),
    c([], "COMMAND", "GETKEYS", "set", "a", "b"),
    c([], "COMMAND", "COUNT"),
    c([], "COMMAND", "LIST", "FILTERBY", "PATTERN", "xinfo*"),
    c(STRINGS, "INFO", "keyspace"),
    { cmd: ["INFO"], normalize: skeleton },
    { cmd: ["HELLO"], normalize: skeleton }, // proto and id differ; the shape is a map
    { cmd: ["CLIENT", "INFO"], normalize: skeleton },
    { cmd: ["CLIENT", "LIST"], normalize: skeleton },
    c([], "CLIENT", "TRACKINGINFO"),
    { cmd: ["MEMORY", "STATS"], normalize: skeleton },
    { cmd: ["MEMORY", "DOCTOR"], normalize: skeleton },
    { cmd: ["MEMORY", "MALLOC-STATS"], normalize: skeleton },
    { cmd: ["LOLWUT"], normalize: skeleton },
    { cmd: ["LOLWUT", "VERSION", "5", "10"], normalize: skeleton },
    { cmd: ["LATENCY", "DOCTOR"], normalize: skeleton },
    {
      setup: [
        ["CONFIG", "RESETSTAT"],
        ["ECHO", "x"],
      ],
      cmd: ["LATENCY", "HISTOGRAM", "echo"],
      normalize: skeleton,
    },
    c([], "LATENCY", "GRAPH", "command"),
    c(
      [
        ["ACL", "DELUSER", "sel"],
        ["ACL", "SETUSER", "sel", "on", ">p", "~a*", "+get", "(%R~b* +set)"],
      ],
      "ACL",
      "GETUSER",
      "sel",
    ),
    c([], "ACL", "GETUSER", "admin"),
    c([], "ACL", "GETUSER", "nosuchuser"),
    {
      setup: [
        ["ACL", "LOG", "RESET"],
        ["AUTH", "nosuchuser", "wrong"],
      ],
      cmd: ["ACL", "LOG"],
      normalize: skeleton,
    },
    c([["ACL", "LOG", "RESET"]], "ACL", "LOG"),
    c([], "ACL", "CAT", "geo"),
    c(FUNCTIONS(), "FUNCTION", "LIST"),
    c(FUNCTIONS(), "FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"),
    c(FUNCTIONS(), "FUNCTION", "LIST", "LIBRARYNAME", "nomatch"),
    c(FUNCTIONS(), "FUNCTION", "STATS"),
    c([], "MODULE", "LIST"),
    c([], "OBJECT", "HELP"),
    c(STRINGS, "OBJECT", "ENCODING", "s1"),
    c([], "PUBSUB", "NUMSUB", "a", "b"),
    c([], "PUBSUB", "SHARDNUMSUB", "a"),
    c([], "CLUSTER", "INFO"),
    c([], "PING"),
    c([], "PING", "hi"),
    c([], "NOSUCHCOMMAND", "a"),
    c([], "GET"),
  ],
  "blocking commands served later": [
    { setup: [], cmd: ["BZPOPMIN", "bz", "5"], after: [["ZADD", "bz", "1.1", "m"]] },
    { setup: [], cmd: ["BZMPOP", "5", "1", "bz", "MAX", "COUNT", "5"], after: [["ZADD", "bz", "1.1", "a", "inf", "b"]] },
    { setup: [], cmd: ["XREAD", "BLOCK", "5000", "STREAMS", "bx", "$"], after: [["XADD", "bx", "1-1", "a", "b"]] },
    { setup: STREAMS, cmd: ["XREADGROUP", "GROUP", "g2", "c", "BLOCK", "5000", "STREAMS", "x", ">"], after: [["XADD", "x", "9-1", "a", "b"]] },
    { setup: [], cmd: ["BLPOP", "bl", "5"], after: [["RPUSH", "bl", "v"]] },
  ],
};

function FUNCTIONS(): Arg[][] {
  const code = [
    "#!lua name=mylib",
    "redis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}, description='the first'}",
    "redis.register_function('f2', function() return 2 end)",
  ].join("\n");
  return [
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LOAD", code],
  ];
}

describe("toResp3: Redis's RESP3 reply from its RESP2 reply (Redis as the oracle)", () => {
  beforeAll(async () => {
    await setupClient.open(2, oracle.password);
    await clients[2].open(2, oracle.password);
    await clients[3].open(3, oracle.password);
  });
  afterAll(() => {
    for (const x of [setupClient, clients[2], clients[3]]) x.close();
  });

  for (const [family, cases] of Object.entries(FAMILIES)) {
    describe(family, () => {
      for (const k of cases) it(show(k.cmd), () => check(k));
    });
  }

  it("doubles: Redis 7.0 writes the same text in RESP2 and RESP3 (%.17g, inf, -inf), so none is rewritten", async () => {
    await runSetup([...ZSETS, ...GEO]);
    const texts: [string, string, string][] = [];
    for (let i = 0; i < SCORES.length; i++) {
      const r2 = await clients[2].send("ZSCORE", "z", `m${i}`);
      const r3 = await clients[3].send("ZSCORE", "z", `m${i}`);
      expect(r2.reply.t).toBe("bulk");
      expect(r3.reply.t).toBe("double");
      texts.push([SCORES[i], (r2.reply as { v: string }).v, (r3.reply as { v: string }).v]);
    }
    expect(texts.filter(([, a, b]) => a !== b)).toEqual([]);
    // What they are, for the record: %.17g, not the shortest text that reads back.
    expect(Object.fromEntries(texts.map(([s, , t]) => [s, t]))).toEqual({
      "1.1": "1.1000000000000001",
      "3": "3",
      "1e100": "1e+100",
      inf: "inf",
      "-inf": "-inf",
      "0.1": "0.10000000000000001",
      "1e-5": "1.0000000000000001e-05",
      "123456789012345678": "1.2345678901234568e+17",
      "2.5e-300": "2.5e-300",
      "-0": "0",
      "-1.5": "-1.5",
      "5e-324": "4.9406564584124654e-324",
      "1.7976931348623157e308": "1.7976931348623157e+308",
    });
    const p2 = await clients[2].send("GEOPOS", "g", "Palermo");
    const p3 = await clients[3].send("GEOPOS", "g", "Palermo");
    expect(toResp3(argvOf(["GEOPOS", "g", "Palermo"]), p2.reply)).toEqual(p3.reply);
  });

  it("random ZRANGE / ZRANGEBYSCORE / ZREVRANGE… option combinations, keys named like keywords", async () => {
    await runSetup([
      ...ZSETS,
      ["ZADD", "limit", "1", "a", "2.5", "b", "3", "c"],
      ["ZADD", "byscore", "0", "a", "0", "b", "0", "c"],
      ["ZADD", "rev", "1e-3", "withscores", "1e3", "rev"],
    ]);
    let seed = 14;
    const rnd = () => {
      // mulberry32: the same cases on every run.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const cased = (w: string) => pick([w, w.toLowerCase(), w[0] + w.slice(1).toLowerCase()]);
    const shuffle = <T>(xs: T[]) =>
      xs
        .map((x) => [rnd(), x] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, x]) => x);
    const keys = ["z", "big", "withscores", "limit", "byscore", "rev", "lex", "nokey"];
    // Low and high ends, mostly in order, so that most ranges hold members.
    const ends: Record<string, [string[], string[]]> = {
      rank: [
        ["0", "1", "-3", "5"],
        ["-1", "3", "100", "0"],
      ],
      BYSCORE: [
        ["-inf", "(1", "0", "(inf"],
        ["+inf", "2.5", "1e100", "(0"],
      ],
      BYLEX: [
        ["-", "[a", "(b", "+"],
        ["+", "[c", "[withscores", "-"],
      ],
    };
    const diffs: string[] = [];
    let pairsSeen = 0;
    for (let n = 0; n < 600; n++) {
      const name = pick(["ZRANGE", "ZRANGE", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREVRANGE", "ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
      const type = name === "ZRANGE" ? pick(["rank", "BYSCORE", "BYLEX"]) : name.includes("SCORE") ? "BYSCORE" : name.includes("LEX") ? "BYLEX" : "rank";
      const opts: Arg[][] = [];
      if (rnd() < 0.7) opts.push([cased("WITHSCORES")]);
      if (rnd() < 0.1) opts.push([cased("WITHSCORES")]);
      if (rnd() < (type === "rank" ? 0.1 : 0.4)) opts.push([cased("LIMIT"), pick(["0", "1", "-1"]), pick(["1", "2", "-1", "0"])]);
      if (name === "ZRANGE" && type !== "rank") opts.push([cased(type)]);
      const rev = name.startsWith("ZREV") || (name === "ZRANGE" && rnd() < 0.4);
      if (name === "ZRANGE" && rev) opts.push([cased("REV")]);
      if (rnd() < 0.05) opts.push([pick(["nonsense", "BYSCORE", "withscore"])]);
      let [lo, hi] = [pick(ends[type][0]), pick(ends[type][1])];
      // Z[REV]RANGE by rank counts from the end given; the others take max before min when reversed.
      if (rev && type !== "rank") [lo, hi] = [hi, lo];
      const cmd: Arg[] = [cased(name), pick(keys), lo, hi, ...shuffle(opts).flat()];
      const r2 = await clients[2].send(...cmd);
      const r3 = await clients[3].send(...cmd);
      const mine = toResp3(argvOf(cmd), r2.reply);
      if (r3.reply.t === "array" && r3.reply.v[0]?.t === "array") pairsSeen++;
      if (!encodeReply(mine, 3).equals(r3.raw)) diffs.push(`${show(cmd)}: redis ${JSON.stringify(r3.raw.toString("latin1"))}`);
    }
    expect(diffs).toEqual([]);
    expect(pairsSeen).toBeGreaterThan(80); // the loop did reach WITHSCORES replies, not only errors and empty ranges
  });

  describe("MULTI/EXEC: each element converted by the command queued at its position (toResp3Exec)", () => {
    async function transaction(conn: RawClient, setup: Arg[][], queued: Arg[][], before?: (conn: RawClient) => Promise<void>): Promise<Got> {
      await runSetup(setup);
      if (before) await before(conn);
      expect((await conn.send("MULTI")).reply).toEqual({ t: "status", v: "OK" });
      for (const q of queued) await conn.send(...q);
      return conn.send("EXEC");
    }
    async function checkExec(setup: Arg[][], queued: Arg[][], before?: (conn: RawClient) => Promise<void>) {
      const r2 = await transaction(clients[2], setup, queued, before);
      const r3 = await transaction(clients[3], setup, queued, before);
      const argvs = queued.map(argvOf);
      expectConverted([], r2, r3, undefined, (_argv, r) => toResp3Exec(argvs, r));
      return r3.reply;
    }

    it("mixed commands, with a runtime error among them", async () => {
      const reply = await checkExec(
        [...HASH, ...SETS, ...ZSETS, ...GEO, ...STREAMS, ...STRINGS],
        [
          ["SET", "s", "1"],
          ["INCRBYFLOAT", "s", "1.5"],
          ["HGETALL", "h"],
          ["HGETALL", "nokey"],
          ["SMEMBERS", "st"],
          ["ZSCORE", "z", "m0"],
          ["ZRANGE", "z", "0", "2", "WITHSCORES"],
          ["ZRANGE", "withscores", "0", "-1"],
          ["ZPOPMIN", "z"],
          ["ZPOPMAX", "z", "2"],
          ["INCR", "h"],
          ["XREAD", "STREAMS", "x", "0"],
          ["XREAD", "BLOCK", "100", "STREAMS", "nokey", "$"],
          ["BZPOPMIN", "nokey", "1"],
          ["GEOPOS", "g", "Palermo", "nope"],
          ["LCS", "s1", "s2", "IDX"],
          ["XINFO", "STREAM", "x"],
          ["CONFIG", "GET", "maxmemory-policy"],
          ["HRANDFIELD", "h", "5", "WITHVALUES"],
          ["PING"],
        ],
      );
      expect(reply.t).toBe("array");
    });

    it("an empty transaction", async () => {
      expect(await checkExec([], [])).toEqual({ t: "array", v: [] });
    });

    it("a WATCHed key changed: nil", async () => {
      const reply = await checkExec([["SET", "w", "1"]], [["HGETALL", "h"]], async (conn) => {
        await conn.send("WATCH", "w");
        await setupClient.send("SET", "w", "2");
      });
      expect(reply).toEqual({ t: "nil" });
    });

    it("EXECABORT passes through", async () => {
      const reply = await checkExec([], [["HGETALL", "h"], ["NOSUCHCOMMAND"]]);
      expect(reply.t).toBe("error");
    });
  });

  it("pub/sub: confirmations and messages become pushes; PING while subscribed answers as outside", async () => {
    const pair = {
      2: await new RawClient(() => oracle.port).open(2, oracle.password),
      3: await new RawClient(() => oracle.port).open(3, oracle.password),
    };
    try {
      const both = async (...cmd: Arg[]) => {
        expectConverted(argvOf(cmd), await pair[2].send(...cmd), await pair[3].send(...cmd));
      };
      await both("SUBSCRIBE", "ch");
      await both("PING");
      await both("PING", "hi");
      await both("PSUBSCRIBE", "c*");
      await both("SSUBSCRIBE", "sch");
      await setupClient.send("PUBLISH", "ch", "hello");
      // The message, then the pattern's pmessage, to each subscriber.
      for (let i = 0; i < 2; i++) expectConverted([], await pair[2].next(), await pair[3].next(), undefined, (_a, r) => toResp3Push(r));
      await setupClient.send("SPUBLISH", "sch", "sharded");
      expectConverted([], await pair[2].next(), await pair[3].next(), undefined, (_a, r) => toResp3Push(r));
      await both("SUNSUBSCRIBE", "sch");
      await both("PUNSUBSCRIBE", "c*");
      await both("UNSUBSCRIBE", "ch");
      await both("UNSUBSCRIBE"); // none left: [unsubscribe, nil, 0]
      await both("PUNSUBSCRIBE");
    } finally {
      pair[2].close();
      pair[3].close();
    }
  });
});

describe("toResp3: CLUSTER replies, on a one-node cluster of its own", () => {
  let node: EmbeddedRedis | null = null;
  let dir = "";
  const pair = { 2: new RawClient(() => node!.port), 3: new RawClient(() => node!.port) };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-resp3-cluster-"));
    node = await startRedisServer({ dir, extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"] });
    await pair[2].open(2, node.passwords.admin);
    await pair[3].open(3, node.passwords.admin);
    expect((await pair[2].send("CLUSTER", "ADDSLOTSRANGE", "0", "16383")).reply).toEqual({ t: "status", v: "OK" });
  });
  afterAll(async () => {
    pair[2].close();
    pair[3].close();
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const both = async (cmd: Arg[], normalize?: Normalize) => {
    const r3 = await pair[3].send(...cmd);
    expectConverted(argvOf(cmd), await pair[2].send(...cmd), r3, normalize);
    return r3.reply;
  };

  it("CLUSTER INFO, NODES (verbatim), SLOTS, SHARDS, LINKS", async () => {
    await both(["CLUSTER", "INFO"], skeleton);
    await both(["CLUSTER", "NODES"], skeleton);
    await both(["CLUSTER", "SLOTS"]);
    await both(["CLUSTER", "SHARDS"]);
    await both(["CLUSTER", "LINKS"]);
    // A hostname fills the map of other endpoints in CLUSTER SLOTS.
    await pair[2].send("CONFIG", "SET", "cluster-announce-hostname", "node-1.example");
    const slots = await both(["CLUSTER", "SLOTS"]);
    expect(slots).toMatchObject({ t: "array", v: [{ v: [{}, {}, { v: [{}, {}, {}, { t: "map", v: [{ v: "hostname" }, { v: "node-1.example" }] }] }] }] });
    await both(["cluster", "shards"]);
  });
});

describe("the decoder reads what a RESP3 connection gets (lib/resp/decoder.ts, as it is)", () => {
  const decode = (wire: string): Reply => {
    const out: Reply[] = [];
    new RespDecoder((r) => out.push(r)).write(Buffer.from(wire, "latin1"));
    expect(out).toHaveLength(1);
    return out[0];
  };

  it("map, set, double, null, boolean, verbatim, push, big number, blob error", () => {
    expect(decode("%1\r\n+a\r\n:1\r\n")).toEqual({
      t: "map",
      v: [
        { t: "status", v: "a" },
        { t: "integer", v: 1 },
      ],
    });
    expect(decode("~1\r\n$1\r\nx\r\n")).toEqual({ t: "set", v: [{ t: "bulk", v: "x" }] });
    expect(decode(",1.1000000000000001\r\n")).toEqual({ t: "double", v: "1.1000000000000001" });
    expect(decode(",-inf\r\n")).toEqual({ t: "double", v: "-inf" });
    expect(decode("_\r\n")).toEqual({ t: "nil" });
    expect(decode("#f\r\n")).toEqual({ t: "bool", v: false });
    expect(decode("=8\r\ntxt:a\r\nb\r\n")).toEqual({ t: "verbatim", format: "txt", v: "a\r\nb" });
    expect(decode(">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n")).toEqual({
      t: "push",
      v: [
        { t: "bulk", v: "message" },
        { t: "bulk", v: "x" },
      ],
    });
    // A big number becomes an integer held as text: encodeReply writes it back as ":…", not "(…".
    expect(decode("(3492890328409238509324850943850943825024385\r\n")).toEqual({ t: "integer", v: "3492890328409238509324850943850943825024385" });
    expect(decode("!9\r\nERR oh no\r\n")).toEqual({ t: "error", v: "ERR oh no" });
  });

  it("known gap: an attribute (|, DEBUG PROTOCOL attrib or a module's reply) is a protocol error", () => {
    expect(() => decode("|1\r\n+key-popularity\r\n:90\r\n+OK\r\n")).toThrow(/unexpected type byte/);
  });
});
