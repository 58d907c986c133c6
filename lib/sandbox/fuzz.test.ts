import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand, type ExecResult } from "@/lib/exec";
import { attackExec, closeAttackConnections } from "@/test/attack-transport";
import { issueSession, type Session } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { parseCommandLine } from "@/lib/cli/parse-command";
import { bulkBytes, type Reply } from "@/lib/resp/reply";
import type { CommandTable } from "@/lib/sandbox/command-table";
import { isSandboxError } from "@/lib/errors";
import {
  decisiveVariants,
  generate,
  GROUP_TYPE,
  loadGrammar,
  nulCandidates,
  redisReading,
  retarget,
  Rng,
  toCliLine,
  variants,
  type Grammar,
  type KeyPool,
  type Variant,
} from "@/test/argv-grammar";
import { BlockWatch, keyspaceDbs, sharedState, stateProblems, type ClientInfo } from "@/test/sandbox-audit";

/**
 * Fuzzes the whole command path against the real test redis-server: every
 * command the server lists in COMMAND (subcommands as "CONTAINER SUB"), with
 * random arguments — keys, keywords, numbers, another session's full
 * namespace, globs, raw bytes, quotes, unicode, oversize and too many
 * arguments — plus raw garbage lines; and, at the byte level, lines built
 * from the live server's COMMAND DOCS for every command and every container's
 * subcommands (test/argv-grammar.ts), mutated where Redis and the sandbox may
 * read bytes differently: NUL appended, inserted or alone in names,
 * subcommands and keywords (plus NUL-suffixed names this server really
 * resolves, found by probing), random ASCII case, Unicode look-alikes,
 * duplicated, reordered and injected keywords, keys named like keywords, keys
 * with NUL bytes, the victim's namespace as a key, globs. Afterwards, audited
 * with the admin connection:
 *   1. every line came back as an ExecResult (nothing threw, nothing hung);
 *   2. no key appeared outside the fuzzing session's namespace, in any
 *      database the server has (INFO keyspace: 1 or 16);
 *   3. the victim session's keys, the keys outside any namespace and every
 *      app:* key (but the rate and activity counters) are byte-identical
 *      (DUMP) to what they were;
 *   4. the shared connection never blocked, and is still in database 0, RESP2,
 *      logged in, not in MULTI, not subscribed; the app still answers.
 *
 * Deterministic: a fixed seed by default, printed; FUZZ_SEED=<n> runs
 * another one (FUZZ_SEED=random picks one), and repeats a run (the
 * NUL-suffixed names that resolve differ per server start: Redis seeds its
 * hash function at random, so they are found again each run);
 * FUZZ_LINES=<n> changes the number of lines (default 15,000, a third of them
 * byte-level; e.g. FUZZ_LINES=100000 for a long run), FUZZ_CONCURRENCY=1 runs
 * the lines strictly in order (the default keeps 8 in flight, so the order in
 * which the server sees them can vary a little between runs).
 */

const LIMITS = {
  PLAYGROUND_RATE_PER_SESSION: "100000000",
  PLAYGROUND_RATE_PER_IP: "100000000",
  // Blocking commands run for real on a borrowed connection, capped: keep the cap short.
  PLAYGROUND_MAX_BLOCK_SECONDS: "1",
};
Object.assign(process.env, LIMITS);
const rt = useTestRuntime(LIMITS);

const SEED = seedFromEnv(process.env.FUZZ_SEED);
const LINES = positive(process.env.FUZZ_LINES, 15_000);
/** A third of the lines are byte-level lines from the docs grammar; the rest the text fuzzer's. */
const BYTE_LINES = Math.round(LINES / 3);
const TEXT_LINES = LINES - BYTE_LINES;
const CONCURRENCY = positive(process.env.FUZZ_CONCURRENCY, 8);
/**
 * A line that takes longer than this is reported. Blocking commands are
 * capped at 1 s, but while the fuzzer holds a WATCH its lines share one
 * leased connection, so up to CONCURRENCY of them may wait for each other.
 */
const SLOW_MS = 1_000 * (CONCURRENCY + 2);
/** A line that takes longer than this stops the run: something blocks. */
const HANG_MS = SLOW_MS + 10_000;
/**
 * SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with a large negative count make Redis
 * build a reply of |count| elements (repetitions allowed): with
 * -9223372036854775807 the server eats all memory and dies. Such a line is
 * first tried in a session without keys (harmless there) and only sent as the
 * fuzzer when the playground refuses it; otherwise it is reported and
 * skipped, so the fuzz never takes the machine down.
 */
const HAZARD_COUNT = 100_000;

const fuzzer = issueSession(rt.config.sessionSecret).session;
const victim = issueSession(rt.config.sessionSecret).session;
/** Never writes a key: where the memory hazards are tried first. */
const hazardProbe = issueSession(rt.config.sessionSecret).session;
const V = victim.ns.prefix;
const SECRET = `VSECRET${randomInt(1e9)}`;

/** Keys outside every namespace (written on the admin connection). */
/** The app's own keys, planted as a room, its roster and a student would be (app:* is the app ACL user's). */
const APP_KEYS = ["app:room:FUZZQQ", "app:room:FUZZQQ:names", "app:student:fuzz-student", "app:fuzz-canary"];
const OUTSIDE_KEYS = ["fuzz-outside:str", "fuzz-outside:list", "fuzz-outside:hash", "fuzz-outside:stream", "fz-shared", ...APP_KEYS];
/** The victim's keys (victimLines below), by name. */
const VICTIM_KEY_NAMES = ["v:str", "v:ttl", "v:hash", "v:list", "v:set", "v:zset", "v:stream", "v:hll", "v:geo", "v:bits"];
/** Other test files' keys outside any namespace; they may appear while the fuzz runs. */
const OTHER_TEST_FIXTURES = [/^iso-outside:/, /^escape-outside$/, /^app:escape-check$/, /^app:room:ESCAPE(:names)?$/];

let raw: RespConnection;
let table: CommandTable;
let corpusTokens = new Set<string>();

const dec = new TextDecoder();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const enc = (s: string) => new TextEncoder().encode(s);

function seedFromEnv(s: string | undefined): number {
  if (s === undefined || s === "") return 20261125; // the same lines every run; FUZZ_SEED=random for new ones
  if (s === "random") return randomInt(0, 2 ** 32);
  if (/^\d+$/.test(s)) return Number(BigInt(s) % 2n ** 32n);
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

function positive(s: string | undefined, fallback: number): number {
  const n = Number(s);
  return s && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Printable form of bytes: UTF-8 when valid, else with \xHH escapes; shortened. */
function show(b: Uint8Array | string, max = 240): string {
  let s: string;
  if (typeof b === "string") s = b;
  else {
    try {
      s = new TextDecoder("utf-8", { fatal: true }).decode(b);
    } catch {
      s = [...b].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`)).join("");
    }
  }
  s = JSON.stringify(s);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

// ---------------------------------------------------------------- generator

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly rnd: () => number;
  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((n, [w]) => n + w, 0);
    let r = this.rnd() * total;
    for (const [w, v] of choices) if ((r -= w) < 0) return v;
    return choices[choices.length - 1][1];
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.rnd() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

const KEY_WORDS = [
  "k1",
  "k2",
  "k3",
  "k4",
  "k5",
  "fz-shared",
  "{t}a",
  "{t}b",
  "v:str",
  "v:ttl",
  "v:hash",
  "v:list",
  "v:set",
  "v:zset",
  "v:stream",
  "v:hll",
  "v:geo",
  "v:bits",
  "fuzz-outside:str",
  "fuzz-outside:list",
  "fuzz-outside:hash",
  "fuzz-outside:stream",
  ...APP_KEYS,
];
const KEYWORDS = [
  "STORE",
  "STOREDIST",
  "STREAMS",
  "BY",
  "GET",
  "MATCH",
  "COUNT",
  "LIMIT",
  "WITHSCORES",
  "BLOCK",
  "DB",
  "KEYS",
  "NUMKEYS",
  "*",
  "$",
  ">",
  "0",
  "-",
  "+",
  "GROUP",
  "NOACK",
  "LEFT",
  "RIGHT",
  "BEFORE",
  "AFTER",
  "NX",
  "XX",
  "GT",
  "LT",
  "CH",
  "INCR",
  "EX",
  "PX",
  "EXAT",
  "PXAT",
  "KEEPTTL",
  "PERSIST",
  "REPLACE",
  "ABSTTL",
  "IDLETIME",
  "FREQ",
  "WEIGHTS",
  "AGGREGATE",
  "SUM",
  "MIN",
  "MAX",
  "REV",
  "BYSCORE",
  "BYLEX",
  "FROMMEMBER",
  "FROMLONLAT",
  "BYRADIUS",
  "BYBOX",
  "ASC",
  "DESC",
  "WITHCOORD",
  "WITHDIST",
  "WITHHASH",
  "ANY",
  "MAXLEN",
  "MINID",
  "~",
  "=",
  "NOMKSTREAM",
  "JUSTID",
  "FORCE",
  "RETRYCOUNT",
  "IDLE",
  "TIME",
  "MKSTREAM",
  "ENTRIESREAD",
  "FULL",
  "IDX",
  "MINMATCHLEN",
  "WITHMATCHLEN",
  "LEN",
  "RANK",
  "TYPE",
  "WITHVALUES",
  "OVERFLOW",
  "WRAP",
  "SAT",
  "FAIL",
  "SET",
  "INCRBY",
  "u8",
  "i64",
  "#1",
  "BIT",
  "BYTE",
  "AND",
  "OR",
  "XOR",
  "NOT",
  "ASYNC",
  "SYNC",
  "CREATE",
  "DESTROY",
  "SETID",
  "CONSUMERS",
  "GROUPS",
  "STREAM",
  "HELP",
  "ENCODING",
  "SAMPLES",
  "USAGE",
  "m",
  "km",
  "mi",
];
const NUMBERS = [
  "-1",
  "-2",
  "-100",
  "9223372036854775807",
  "-9223372036854775807",
  "-9223372036854775808",
  "9223372036854775808",
  "18446744073709551615",
  "18446744073709551616",
  "1e308",
  "-1e308",
  "1e-308",
  "inf",
  "-inf",
  "+inf",
  "nan",
  "0.5",
  "-0.0",
  "3.14",
  "0x10",
  "0x0p0",
  "-0x0p0",
  "0x1p4",
  "0x1p-3",
  "007",
  "+5",
  "1-1",
  "0-0",
  "1-*",
  "18446744073709551615-18446744073709551615",
  "0.01",
];
const QUOTES = [
  '"hello world"',
  "'single quoted'",
  '"say \\"hi\\""',
  "'it\\'s'",
  '"unbalanced',
  "'unbalanced",
  'a"b c"',
  '"a"b',
  "'a'b",
  '"\\"',
  '"\'"',
  "'\"'",
  '""""',
  '"\\n\\t\\r\\a\\b"',
  '"\\xZZ"',
  '"trailing\\"',
  "'",
  '"',
  "it's",
  'say"',
  '"\\x00"',
];
const UNICODE = ["中文", "🙂", "é", "e\u0301", "\u200d", "\ufeff", "ß", "İ", "\u202e", "👩‍💻", "\ud800", "键:k1", "Ω≈ç√"];
const GARBAGE_CHARS = [..."abcXYZ019 \t\r\n\"'\\{}[]*?$:-+#~=>,;|&%^!@()", "中", "🙂", "\u0000", "\u0001", "\u0007", "\u001b", "\u007f", "\u00ff", "\u2028"];

interface Named {
  /** "GET" or "CONFIG GET" */
  words: string;
  fixed: number;
  arity: number;
}

function commandNames(t: CommandTable): Named[] {
  const out: Named[] = [];
  for (const c of t.values()) {
    out.push({ words: c.name.toUpperCase(), fixed: 1, arity: c.arity });
    for (const s of c.subcommands.values()) out.push({ words: s.name.replace("|", " ").toUpperCase(), fixed: 2, arity: s.arity });
  }
  return out.sort((a, b) => (a.words < b.words ? -1 : 1));
}

function makeLines(g: Gen, names: Named[], n: number): { lines: string[]; seeds: number; bursts: number[][] } {
  const seedLines = SEED_LINES();
  // Then the bursts: lines of one client sent all at once (an API client or a double click).
  const bursts: number[][] = [];
  for (const burst of BURSTS) {
    bursts.push(burst.map((_, j) => seedLines.length + j));
    seedLines.push(...burst);
  }
  // Every command at least three times, the rest at random, in a shuffled order.
  const picks: Named[] = [];
  for (let r = 0; r < 3; r++) picks.push(...names);
  while (picks.length < n - seedLines.length) picks.push(g.pick(names));
  g.shuffle(picks);
  const lines: string[] = [...seedLines];
  for (const c of picks) {
    if (lines.length >= n) break;
    lines.push(g.chance(0.04) ? garbage(g) : commandLine(g, c));
  }
  // A few lines over the argument-size, line-size and argument-count limits.
  const specials = [
    () => `SET k1 ${"x".repeat(600 * 1024)}`,
    () => `APPEND k2 "${"y".repeat(600 * 1024)}"`,
    () => `${g.pick(names).words} k1 ${"z".repeat(600 * 1024)} k2`,
    () => `ECHO ${"w".repeat(1100 * 1024)}`,
    () => `MSET ${Array.from({ length: 550 }, (_, i) => `k${(i % 5) + 1} v${i}`).join(" ")}`,
    () => `DEL ${Array.from({ length: 1100 }, () => g.pick(KEY_WORDS)).join(" ")}`,
    () => `${g.pick(names).words} ${Array.from({ length: 1100 }, () => token(g, 2)).join(" ")}`,
  ];
  for (let i = 0; i < Math.max(2, Math.round(n / 1000)); i++) {
    for (const s of specials) lines[g.int(seedLines.length, lines.length - 1)] = s();
  }
  return { lines, seeds: seedLines.length - bursts.flat().length, bursts };
}

/** Groups of lines sent concurrently from one client: MULTI/EXEC/WATCH state must survive them. */
const BURSTS: string[][] = [
  ["MULTI", "MULTI"],
  ["SET k1 v", "EXEC", "EXEC", "SET k2 v GET", "GET k1"],
  ["WATCH k1", "WATCH k2"],
  ["UNWATCH", "UNWATCH"],
  ["MULTI"],
  ["DISCARD", "DISCARD", "PING"],
  ["MULTI"],
  ["EXEC", "PUBSUB NUMSUB a b", "LMPOP 1 v:list LEFT", "EXEC"],
  ["WATCH k1"],
  ["MULTI", "EXEC", "UNWATCH", "INCR k3"],
];

/** Hand-picked lines (escape attempts the isolation suite knows about, and hazards) that every run starts with. */
function SEED_LINES(): string[] {
  return [
    "SADD v:set a b",
    "HSET v:hash f v",
    "ZADD v:zset 1 m",
    "RPUSH v:list a b c",
    "XADD v:stream 1-1 f v",
    "XGROUP CREATE v:stream grp 0",
    `GET ${V}v:str`,
    `SET ${V}v:str hijack`,
    `DEL ${V}v:str ${V}v:hash fuzz-outside:str fz-shared`,
    `UNLINK ${V}v:list`,
    `RENAME k1 ${V}v:list`,
    `COPY v:set ${V}v:set REPLACE`,
    `COPY ${V}v:str k9 DB 1`,
    `COPY v:set k9 DB 1 REPLACE`,
    "MOVE v:set 1",
    "SELECT 1",
    `GEORADIUS v:geo 15 37 500 km STORE k2 STORE ${V}v:zset`,
    `GEORADIUS v:geo 15 37 500 km STORE k2 STOREDIST fuzz-outside:str`,
    `XREADGROUP GROUP grp c STREAMS STREAMS ${V}v:stream >`,
    `XREADGROUP GROUP grp c COUNT 1 STREAMS ${V}v:stream >`,
    `XREAD STREAMS ${V}v:stream fuzz-outside:stream 0 0`,
    `XREAD COUNT 1 STREAMS v:stream ${V}v:stream 0`,
    `ZUNIONSTORE ${V}v:zset 1 v:zset`,
    `ZUNIONSTORE k1 2 v:zset ${V}v:zset`,
    `LMPOP 2 v:list ${V}v:list LEFT`,
    `LMPOP 1 v:list ${V}v:list LEFT`,
    `SORT ${V}v:list BY nosort GET fuzz-outside:*`,
    `EVAL "return redis.call('DEL', KEYS[1])" 1 ${V}v:str`,
    "MULTI",
    `DEL ${V}v:hash`,
    `SET ${V}v:str x`,
    "EXEC",
    `WATCH ${V}v:str`,
    "MULTI",
    "KEYS *",
    "EXEC",
    "UNWATCH",
    `BLPOP ${V}v:list 0.01`,
    `BLMOVE ${V}v:list k1 LEFT RIGHT 0.01`,
    `XREAD BLOCK 10 STREAMS ${V}v:stream $`,
    "BLPOP k1 0x0p0",
    "BZPOPMIN k1 -0x0p0",
    "BLMPOP 0X0P0 1 k1 LEFT",
    "XREAD BLOCK 0x0p0 STREAMS v:stream $",
    "WATCH k1",
    "BLPOP k1 0x1p4",
    "UNWATCH",
    "BRPOPLPUSH 10",
    "BLPOP k1",
    "BLMOVE k1 k2",
    "BZPOPMAX 5",
    "BRPOPLPUSH k1 k2 3 4",
    "SRANDMEMBER v:set -9223372036854775807",
    "HRANDFIELD v:hash -9223372036854775807 WITHVALUES",
    "ZRANDMEMBER v:zset -9223372036854775807",
    "SRANDMEMBER v:set -5",
    "KEYS *",
    `KEYS ${V}*`,
    `SCAN 0 MATCH ${V}* COUNT 1000`,
    "SCAN 0 MATCH pg:* COUNT 1000",
    "DBSIZE",
    "RANDOMKEY",
    "FLUSHALL",
    "RPUSH v:list a",
    `PUBLISH ${V}chan x`,
    `OBJECT ENCODING ${V}v:str`,
    `MEMORY USAGE ${V}v:hash`,
    `DUMP ${V}v:str`,
    `COMMAND GETKEYS SET ${V}v:str x`,
    `TOUCH ${V}v:str`,
    `EXPIRE ${V}v:str 1`,
    `PERSIST ${V}v:ttl`,
    `SETRANGE ${V}v:str 0 x`,
    `PFMERGE ${V}v:hll v:hll`,
    `SINTERSTORE ${V}v:set v:set`,
    `SMOVE v:set ${V}v:set a`,
    `LMOVE ${V}v:list v:list LEFT LEFT`,
    `XGROUP DESTROY ${V}v:stream grp`,
    `XGROUP SETID ${V}v:stream grp $`,
    `XACK ${V}v:stream grp 1-1`,
    `XCLAIM ${V}v:stream grp c 0 1-1`,
    `XAUTOCLAIM ${V}v:stream grp c 0 0`,
    `XINFO STREAM ${V}v:stream FULL`,
    `XPENDING ${V}v:stream grp`,
    `XTRIM ${V}v:stream MAXLEN 0`,
    `SET "${V}v:str" x`,
    `GET '${V}v:str'`,
    `GET "\\x70\\x67:{${victim.id}}:v:str"`,
  ];
}

function commandLine(g: Gen, c: Named): string {
  const base = c.arity > 0 ? c.arity - c.fixed : Math.max(0, -c.arity - c.fixed);
  let n =
    c.arity > 0
      ? base
      : base +
        g.weighted([
          [5, 0],
          [3, 1],
          [2, 2],
          [2, g.int(3, 8)],
        ] as const);
  if (g.chance(0.12)) n = Math.max(0, n + g.int(-2, 3));
  const args = Array.from({ length: n }, (_, i) => token(g, i));
  let name = c.words;
  if (g.chance(0.3)) name = g.chance(0.5) ? name.toLowerCase() : [...name].map((ch) => (g.chance(0.5) ? ch.toLowerCase() : ch)).join("");
  if (g.chance(0.03)) name = `"${name}"`;
  const sep = () => (g.chance(0.03) ? g.pick(["  ", "\t", " \t "]) : " ");
  let line = [name, ...args].map((w, i) => (i ? sep() : "") + w).join("");
  if (g.chance(0.02)) line = ` ${line} `;
  return line;
}

function token(g: Gen, position: number): string {
  if (position < 2 && g.chance(0.45)) return g.chance(0.15) ? victimKey(g) : g.pick(KEY_WORDS);
  const kind = g.weighted([
    [22, "key"],
    [8, "victim"],
    [4, "pattern"],
    [14, "keyword"],
    [16, "number"],
    [5, "bytes"],
    [4, "quotes"],
    [4, "unicode"],
    [3, "empty"],
    [10, "word"],
  ] as const);
  switch (kind) {
    case "key":
      return g.pick(KEY_WORDS);
    case "victim":
      return victimKey(g);
    case "pattern":
      return g.pick(["*", "pg:*", "app:*", "pg:{*", "*}*", "[a-z]*", "\\*", "pg:\\{*", "?", `${V}*`, V, `*${victim.id}*`, "app:rl:s:x", "fuzz-outside:*"]);
    case "keyword":
      return g.chance(0.3) ? g.pick(KEYWORDS).toLowerCase() : g.pick(KEYWORDS);
    case "number":
      return g.chance(0.5) ? String(g.int(-3, 20)) : g.pick(NUMBERS);
    case "bytes": {
      const hex = Array.from({ length: g.int(1, 8) }, () => `\\x${g.int(0, 255).toString(16).padStart(2, "0")}`).join("");
      return g.chance(0.3) ? `"k1${hex}"` : `"${hex}"`;
    }
    case "quotes":
      return g.pick(QUOTES);
    case "unicode":
      return g.chance(0.5) ? g.pick(UNICODE) : `"${g.pick(UNICODE)}${g.pick(UNICODE)}"`;
    case "empty":
      return g.pick(['""', "''"]);
    case "word":
      return Array.from({ length: g.int(1, 8) }, () => g.pick([..."abcdefghijklmnopqrstuvwxyz0123456789_:-."])).join("");
  }
}

function victimKey(g: Gen): string {
  return g.chance(0.85) ? `${V}${g.pick(KEY_WORDS)}` : g.pick([V, `${V}*`, `"${V}v:str"`, `${V}${V}v:str`]);
}

function garbage(g: Gen): string {
  return Array.from({ length: g.int(0, 100) }, () => g.pick(GARBAGE_CHARS)).join("");
}

// ---------------------------------------------------------------- raw checks

const bytesOf = (r: Reply) => (r.t === "bulk" ? bulkBytes(r) : new Uint8Array());

async function rawKeys(db: number): Promise<Set<string>> {
  const out = new Set<string>();
  if (db !== 0) await raw.send(["SELECT", String(db)]);
  try {
    let cursor = "0";
    do {
      const r = await raw.send(["SCAN", cursor, "COUNT", "1000"]);
      if (r.t !== "array" || r.v[0].t !== "bulk" || r.v[1].t !== "array") throw new Error(`unexpected SCAN reply ${JSON.stringify(r)}`);
      cursor = r.v[0].v;
      for (const k of r.v[1].v) out.add(b64(bytesOf(k)));
    } while (cursor !== "0");
  } finally {
    if (db !== 0) await raw.send(["SELECT", "0"]);
  }
  return out;
}

/** Every database that holds keys (INFO keyspace): the server may have 16 databases or, as the embedded one, 1. */
async function allDbs(): Promise<Map<number, Set<string>>> {
  const dbs = new Map<number, Set<string>>();
  for (const db of await keyspaceDbs(raw)) dbs.set(db, await rawKeys(db));
  return dbs;
}

/** The app's own keys (app:*) but the counters that move with every command (rate limits, activity, the reaper's lock). */
async function appKeys(): Promise<string[]> {
  return [...(await rawKeys(0))].filter((k) => {
    const name = Buffer.from(fromB64(k)).toString("latin1");
    return name.startsWith("app:") && !name.startsWith("app:rl:") && name !== "app:active" && name !== "app:reaper:lock";
  });
}

/** DUMP (bytes, as JSON) and whether a TTL is set, for each key (base64 names), db 0. */
async function dumpAll(keys: Iterable<string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of [...keys].sort()) {
    const name = fromB64(k);
    const [dump, pttl] = await Promise.all([raw.send([enc("DUMP"), name]), raw.send([enc("PTTL"), name])]);
    const ttl = pttl.t === "integer" ? (Number(pttl.v) >= 0 ? "ttl" : String(pttl.v)) : JSON.stringify(pttl);
    out[show(name, 1000)] = `${JSON.stringify(dump)} ${ttl}`;
  }
  return out;
}

const startsWith = (k: Uint8Array, prefix: string) => Buffer.from(k).subarray(0, Buffer.byteLength(prefix)).equals(Buffer.from(prefix));

async function victimKeys(): Promise<Set<string>> {
  const keys = await rawKeys(0);
  return new Set([...keys].filter((k) => startsWith(fromB64(k), V)));
}

// ---------------------------------------------------------------- the run

interface Finding {
  i: number;
  line: string;
  what: string;
}

const run = {
  lines: [] as string[],
  seeds: 0,
  sent: 0,
  ms: 0,
  counts: {} as Record<string, number>,
  crashes: [] as Finding[],
  hung: [] as Finding[],
  slow: [] as Finding[],
  noperm: [] as Finding[],
  secretLeaks: [] as Finding[],
  prefixLeaks: [] as Finding[],
  hazards: [] as Finding[],
  slowest: [] as Array<{ ms: number; line: string }>,
  /** Every argument the fuzzer typed (base64): what an escaped key would be named. */
  typed: new Set<string>(),
  namesCovered: 0,
  names: 0,
  /** Byte-level lines from the docs grammar, and which commands/subcommands they covered. */
  byteLines: 0,
  byteCovered: new Set<string>(),
  nulResolving: 0,
  probeMs: 0,
  /** The lines in flight (and just before) when the shared connection first became unavailable. */
  outage: undefined as string[] | undefined,
};
let before: { dbs: Map<number, Set<string>>; victim: Record<string, string>; outside: Record<string, string>; app: Record<string, string> };
let grammar: Grammar;
let watch: BlockWatch;
let startState: ClientInfo | undefined;

const HAZARD_COMMANDS = new Set(["srandmember", "hrandfield", "zrandmember"]);

function isHazard(argv: Uint8Array[] | null): boolean {
  // Read as Redis reads the name (up to a NUL, ASCII case): SRANDMEMBER\0x may resolve to SRANDMEMBER.
  if (!argv || argv.length < 3 || !HAZARD_COMMANDS.has(redisReading(argv[0]))) return false;
  const count = dec.decode(argv[2]);
  return /^-\d+$/.test(count) && Number(count) < -HAZARD_COUNT;
}

function classify(r: ExecResult): string {
  if (r.reply.t !== "error") return `ok:${r.reply.t}`;
  const v = r.reply.v;
  if (/^Invalid argument\(s\)/.test(v)) return "parse";
  if (/playground's limit/.test(v)) return "limit";
  if (/^ERR Empty command/.test(v)) return "empty";
  if (/^NOPERM/.test(v)) return "noperm";
  if (
    /playground|sandbox|shared connection|not available|administers the whole server|server-side scripts|live stream|whole server|cluster-internal|another server/.test(
      v,
    )
  )
    return "denied";
  return "redis";
}

const short = (line: string) => show(line, 300);

/** For every command and subcommand, a NUL-suffixed name this server resolves (COMMAND GETKEYS looks it up, runs nothing). */
async function resolvingNulNames(): Promise<Map<string, { word: Uint8Array; position: 0 | 1 }>> {
  const found = new Map<string, { word: Uint8Array; position: 0 | 1 }>();
  const invalid = (r: Reply) => r.t === "error" && r.v === "ERR Invalid command specified";
  // One pipelined batch per command, one command after another (a single flood would stall the connection's deadline).
  for (const c of grammar.commands.filter((x) => !x.container)) {
    const top = c.words.length === 1;
    const cands = nulCandidates(top ? c.words[0] : c.words[1], top ? 600 : 64, "f");
    const rs = await Promise.all(cands.map((w) => raw.send([enc("COMMAND"), enc("GETKEYS"), ...(top ? [w] : [enc(c.words[0]), w]), enc("x")])));
    const i = rs.findIndex((r) => !invalid(r));
    if (i >= 0) found.set(c.name, { word: cands[i], position: top ? 0 : 1 });
  }
  return found;
}

/** The byte-level share of the run: docs-grammar lines for every command and subcommand, mutated, as console lines. */
async function byteLevelLines(n: number): Promise<string[]> {
  const rng = new Rng(SEED ^ 0x5eed);
  const keys: KeyPool = {
    own: ["k1", "k2", "k3", "v:str", "v:list", "v:hash", "v:set", "v:zset", "v:stream", "v:geo", "v:hll", "{t}a"],
    victimPrefix: V,
    victimKeys: VICTIM_KEY_NAMES,
    outside: OUTSIDE_KEYS,
  };
  const found = await resolvingNulNames();
  run.nulResolving = found.size;
  const out: Variant[] = [];
  for (const [name, { word, position }] of found) {
    const spec = grammar.byName.get(name)!;
    const v = generate(rng, spec, { keys });
    v.argv[position] = word;
    out.push(v);
    const type = GROUP_TYPE[spec.group] ?? "str";
    out.push(retarget(v, () => `${V}v:${VICTIM_KEY_NAMES.includes(`v:${type}`) ? type : "str"}`));
  }
  out.push(...decisiveVariants(rng.fork(7), grammar, { keys, n: Math.max(2, Math.round(n / 600)) }));
  const perCommand = Math.max(1, Math.round((n - out.length) / grammar.commands.length / 4));
  const mutated = Math.max(1, Math.round(((n - out.length) / grammar.commands.length) * 0.75));
  out.push(...variants(rng.fork(8), grammar, { keys, perCommand, mutated }));
  rng.shuffle(out);
  for (const v of out) run.byteCovered.add(v.cmd);
  return out.slice(0, n).map((v) => toCliLine(v.argv));
}

async function fuzz(): Promise<void> {
  const g = new Gen(SEED);
  const names = commandNames(table);
  const made = makeLines(g, names, TEXT_LINES);
  const { seeds, bursts } = made;
  // The byte-level lines join the randomly ordered part (after the hand-picked lines and the bursts).
  const fixed = bursts.length ? bursts[bursts.length - 1][bursts[bursts.length - 1].length - 1] + 1 : seeds;
  const tProbe = performance.now();
  const extra = await byteLevelLines(BYTE_LINES);
  run.probeMs = performance.now() - tProbe;
  run.byteLines = extra.length;
  const lines = [...made.lines.slice(0, fixed), ...g.shuffle([...made.lines.slice(fixed), ...extra])];
  run.lines = lines;
  run.seeds = seeds;
  run.names = names.length;
  const covered = new Set<string>();
  const allNames = new Set(names.map((n) => n.words));
  const argvs: Array<Uint8Array[] | null> = lines.map((line) => {
    if (Buffer.byteLength(line) > rt.config.maxCommandBytes) return null;
    const p = parseCommandLine(line);
    if (!p.ok) return null;
    for (const a of p.argv) if (a.length <= 4096) run.typed.add(b64(a));
    const w = p.argv.slice(0, 2).map((a) => dec.decode(a).toUpperCase());
    if (allNames.has(w.join(" "))) covered.add(w.join(" "));
    else if (w.length && allNames.has(w[0])) covered.add(w[0]);
    return p.argv;
  });
  run.namesCovered = covered.size;

  let next = 0;
  let stop = false;
  const inFlight = new Set<number>();
  const recent: number[] = [];
  const t0 = performance.now();
  const one = async (i: number) => {
    const line = lines[i];
    const argv = argvs[i];
    // A hazard goes first to a session that has no keys (where it cannot
    // explode); only when the playground refuses it there does it run as the fuzzer.
    if (isHazard(argv)) {
      const probe = await attackExec(hazardProbe, { command: line }).catch((e) => ({ reply: { t: "error", v: String(e) }, text: String(e) }) as const);
      if (probe.reply.t !== "error") {
        run.hazards.push({ i, line, what: `allowed (${probe.text.slice(0, 60)} on an empty namespace); not sent as the fuzzer, whose key may exist` });
        return;
      }
    }
    run.sent++;
    inFlight.add(i);
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), HANG_MS)));
    try {
      const r = await Promise.race([attackExec(fuzzer, { command: line }), hang]);
      if (r === "hung") {
        run.hung.push({ i, line, what: `no reply after ${HANG_MS} ms` });
        stop = true;
        return;
      }
      const kind = classify(r);
      run.counts[kind] = (run.counts[kind] ?? 0) + 1;
      if (kind === "noperm") run.noperm.push({ i, line, what: r.text });
      if (r.text.includes(SECRET)) run.secretLeaks.push({ i, line, what: r.text });
      if (r.text.includes(fuzzer.ns.prefix) || r.text.includes(`{${fuzzer.id}}`)) run.prefixLeaks.push({ i, line, what: r.text });
    } catch (e) {
      // The pool's own refusal (HTTP 503 with Retry-After): a designed answer, not a crash.
      if (isSandboxError(e) && (e.kind === "busy" || e.kind === "over_cap")) {
        run.counts.busy = (run.counts.busy ?? 0) + 1;
        return;
      }
      const what = isSandboxError(e) ? `SandboxError(${e.kind}): ${e.message}` : e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
      // The first time the shared connection is lost: the lines in flight and just before are the suspects.
      if (isSandboxError(e) && e.kind === "redis_unavailable" && !run.outage) {
        run.outage = [...new Set([...recent, ...inFlight])].sort((a, b) => a - b).map((j) => `#${j} ${short(lines[j])}`);
      }
      run.crashes.push({ i, line, what });
      if (run.crashes.length >= 20) stop = true;
    } finally {
      inFlight.delete(i);
      recent.push(i);
      if (recent.length > 2 * CONCURRENCY) recent.shift();
      clearTimeout(timer);
      const ms = performance.now() - start;
      if (ms > SLOW_MS) run.slow.push({ i, line, what: `${Math.round(ms)} ms` });
      run.slowest.push({ ms, line });
      if (run.slowest.length > 20) run.slowest = run.slowest.sort((a, b) => b.ms - a.ms).slice(0, 3);
    }
  };
  // The hand-picked lines run in order (MULTI … EXEC, WATCH … UNWATCH), the rest CONCURRENCY at a time.
  watch.during = "fuzz";
  watch.start();
  while (!stop && next < seeds) await one(next++);
  for (const burst of bursts) {
    if (!stop) await Promise.all(burst.map(one));
    next = burst[burst.length - 1] + 1;
  }
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!stop && next < lines.length) await one(next++);
    }),
  );
  run.ms = performance.now() - t0;
  run.slowest = run.slowest.sort((a, b) => b.ms - a.ms).slice(0, 3);
  await watch.tick();
  watch.stop();
}

function report(title: string, xs: Finding[]): string {
  if (xs.length === 0) return "";
  const list = xs
    .slice(0, 10)
    .map((f) => `  line #${f.i} ${short(f.line)}\n    → ${f.what.split("\n").slice(0, 4).join("\n      ")}`)
    .join("\n");
  return `${title} (${xs.length}; seed ${SEED}, FUZZ_SEED=${SEED} FUZZ_CONCURRENCY=1 to repeat in order):\n${list}\n`;
}

// ---------------------------------------------------------------- setup

const victimLines = [
  `SET v:str ${SECRET}-str`,
  `SET v:ttl ${SECRET}-ttl EX 100000`,
  `HSET v:hash f1 ${SECRET}-h1 ${SECRET}-field v2`,
  `RPUSH v:list ${SECRET}-l1 ${SECRET}-l2 x`,
  `SADD v:set ${SECRET}-s1 ${SECRET}-s2`,
  `ZADD v:zset 1 ${SECRET}-z1 2 ${SECRET}-z2`,
  `XADD v:stream 1-1 f ${SECRET}-x1`,
  `XADD v:stream 2-1 f ${SECRET}-x2`,
  "XGROUP CREATE v:stream grp 0",
  "XREADGROUP GROUP grp alice COUNT 1 STREAMS v:stream >",
  `PFADD v:hll ${SECRET}-p1 ${SECRET}-p2`,
  `GEOADD v:geo 13.361389 38.115556 ${SECRET}-g1 15.087269 37.502669 ${SECRET}-g2`,
  "SETBIT v:bits 7 1",
];

/** Settings changed for the run as a safety net, restored afterwards. */
const saved: Array<[string, string]> = [];

beforeAll(async () => {
  await rt.conn.waitReady();
  raw = new RespConnection(parseRedisUrl(inject("redisUrl")), "fuzz-raw");
  await raw.waitReady();
  table = await rt.commandTable();
  try {
    const { CORPUS } = (await import("@/test/cli-corpus")) as { CORPUS: unknown };
    corpusTokens = new Set(
      strings(CORPUS).flatMap((l) => {
        const p = parseCommandLine(l);
        return p.ok ? p.argv.map(b64) : [];
      }),
    );
  } catch {
    corpusTokens = new Set();
  }

  // Safety net should a line slip through that makes Redis build a huge
  // reply: the connection is dropped at 256 MB instead of the server eating
  // the machine's memory; writes stop at 1 GB.
  for (const [param, value] of [
    ["client-output-buffer-limit", "normal 256mb 256mb 0"],
    ["maxmemory", "1gb"],
  ] as const) {
    const cur = await raw.send(["CONFIG", "GET", param]);
    if (cur.t === "array" && cur.v[1]?.t === "bulk") saved.push([param, cur.v[1].v]);
    const set = await raw.send(["CONFIG", "SET", param, value]);
    expect(set, `CONFIG SET ${param}`).toEqual({ t: "status", v: "OK" });
  }

  for (const line of victimLines) {
    const r = await execCommand(victim, { command: line });
    expect(r.reply.t, `victim> ${line}: ${r.text}`).not.toBe("error");
  }
  await raw.send(["SET", "fuzz-outside:str", `${SECRET}-outside`]);
  await raw.send(["DEL", "fuzz-outside:list", "fuzz-outside:hash", "fuzz-outside:stream"]);
  await raw.send(["RPUSH", "fuzz-outside:list", `${SECRET}-ol1`, "b"]);
  await raw.send(["HSET", "fuzz-outside:hash", "f", `${SECRET}-oh`]);
  await raw.send(["XADD", "fuzz-outside:stream", "1-1", "f", `${SECRET}-os`]);
  await raw.send(["XGROUP", "CREATE", "fuzz-outside:stream", "grp", "0"]);
  await raw.send(["SET", "fz-shared", `${SECRET}-shared`, "EX", "100000"]);
  await raw.send(["DEL", ...APP_KEYS]);
  await raw.send(["HSET", "app:room:FUZZQQ", "title", `${SECRET}-room`, "ended", "0", "lessons", "[]"]);
  await raw.send(["SADD", "app:room:FUZZQQ:names", `${SECRET}-student`]);
  await raw.send(["SET", "app:student:fuzz-student", "FUZZQQ"]);
  await raw.send(["SET", "app:fuzz-canary", `${SECRET}-app`]);
  grammar = await loadGrammar(raw);
  const state = await sharedState(rt.conn, raw);
  if (typeof state !== "string") startState = state;
  watch = new BlockWatch(raw, { sharedName: startState?.name ?? "playground", leaseCapSeconds: 1 });

  const vkeys = await victimKeys();
  expect(vkeys.size).toBe(new Set(victimLines.map((l) => l.split(" ")[1]).filter((k) => k.startsWith("v:"))).size);
  before = {
    dbs: await allDbs(),
    victim: await dumpAll(vkeys),
    outside: await dumpAll(OUTSIDE_KEYS.map((k) => b64(enc(k)))),
    app: await dumpAll(await appKeys()),
  };
});

afterAll(async () => {
  closeAttackConnections();
  watch?.stop();
  await execCommand(fuzzer, { command: "DISCARD" }).catch(() => {});
  await execCommand(fuzzer, { command: "UNWATCH" }).catch(() => {});
  await execCommand(fuzzer, { command: "FLUSHDB" }).catch(() => {});
  await execCommand(victim, { command: "FLUSHDB" }).catch(() => {});
  if (raw) {
    await raw.send(["DEL", ...OUTSIDE_KEYS]).catch(() => {});
    for (const [param, value] of saved) await raw.send(["CONFIG", "SET", param, value]).catch(() => {});
    raw.close();
  }
});

function strings(x: unknown): string[] {
  if (typeof x === "string") return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === "object") return Object.values(x).flatMap(strings);
  return [];
}

// ---------------------------------------------------------------- the tests

describe(`fuzz: ${LINES} generated command lines (seed ${SEED})`, () => {
  it("runs every line through execCommand", async () => {
    console.log(`fuzz: seed ${SEED} (set FUZZ_SEED=${SEED} to repeat), ${LINES} lines, ${CONCURRENCY} in flight`);
    await fuzz();
    const c = run.counts;
    const ok = Object.entries(c)
      .filter(([k]) => k.startsWith("ok:"))
      .sort();
    const errs = Object.entries(c)
      .filter(([k]) => !k.startsWith("ok:"))
      .sort();
    const sum = (xs: Array<[string, number]>) => xs.reduce((n, [, v]) => n + v, 0);
    console.log(
      `fuzz: seed ${SEED}: ${run.lines.length} lines (${run.seeds} hand-picked in order, ${BURSTS.flat().length} in concurrent bursts, ${run.namesCovered}/${run.names} command names; ` +
        `${run.byteLines} byte-level lines from COMMAND DOCS covering ${run.byteCovered.size}/${grammar.commands.length} commands and subcommands, with NUL-suffixed names this server resolves for ${run.nulResolving}, found in ${(run.probeMs / 1000).toFixed(1)} s) ` +
        `in ${(run.ms / 1000).toFixed(1)} s; sent ${run.sent}; ` +
        `ok ${sum(ok)} (${ok.map(([k, v]) => `${k.slice(3)} ${v}`).join(", ")}); ` +
        `errors ${sum(errs)} (${errs.map(([k, v]) => `${k} ${v}`).join(", ")}); ` +
        `crashes ${run.crashes.length}, hung ${run.hung.length}, slow ${run.slow.length}, hazards ${run.hazards.length}; ` +
        `slowest ${run.slowest.map((s) => `${Math.round(s.ms)} ms ${show(s.line, 60)}`).join(" | ")}`,
    );
    expect(run.namesCovered).toBe(run.names);
    expect(run.byteCovered.size).toBe(grammar.commands.length);
    expect(run.sent + run.hazards.length).toBe(run.lines.length);
  }, 180_000);

  it("no line crashed, hung or took long: each one returned an ExecResult", () => {
    const msg =
      report("thrown", run.crashes) +
      (run.outage ? `the shared connection was first lost with these lines in flight or just finished:\n  ${run.outage.join("\n  ")}\n` : "") +
      report("hung", run.hung) +
      report(`slower than ${SLOW_MS} ms`, run.slow);
    expect(msg).toBe("");
  });

  it("no line that could exhaust the server's memory was allowed", () => {
    expect(report(`SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with a count below -${HAZARD_COUNT}`, run.hazards)).toBe("");
  });

  it("no reply showed the victim's data or the fuzzer's own namespace, and no key slipped past the rewrite to the ACL", () => {
    const msg =
      report("replies containing the victim's or outside keys' values", run.secretLeaks) +
      report("replies containing the fuzzer's namespace prefix", run.prefixLeaks) +
      report("NOPERM: an unprefixed key reached Redis (stopped only by the ACL)", run.noperm);
    expect(msg).toBe("");
  });

  it("created no key outside the fuzzer's namespace, in any database", async () => {
    const after = await allDbs();
    const problems: string[] = [];
    const tolerated: string[] = [];
    for (const [db, keys] of after) {
      for (const k of keys) {
        if (before.dbs.get(db)?.has(k)) continue;
        const key = fromB64(k);
        const name = show(key);
        if (db === 0) {
          if (startsWith(key, fuzzer.ns.prefix)) continue;
          if (startsWith(key, V)) problems.push(`db 0: ${name} is new under the victim's prefix`);
          else if (run.typed.has(k)) problems.push(`db 0: ${name} is named exactly as a fuzzed argument`);
          else if (startsWith(key, "app:"))
            tolerated.push(name); // the app's counters and other files' rooms
          else if (/^pg:\{[A-Za-z0-9_-]{16}\}:/.test(dec.decode(key)))
            tolerated.push(name); // another test file's session
          else if (/^room:\{[A-Z0-9]{6}\}:/.test(dec.decode(key)))
            tolerated.push(name); // another test file's workshop (the endpoint's room user writes there; the fuzzer is in no room)
          else if (OTHER_TEST_FIXTURES.some((re) => re.test(dec.decode(key)))) tolerated.push(name);
          else problems.push(`db 0: ${name} is new and outside every namespace`);
        } else {
          // Other test files use db 1 directly (the redis-cli corpus diff) when the server has it; a key
          // the fuzzer could have made would carry a namespace or a fuzzed name.
          if (startsWith(key, "pg:{")) problems.push(`db ${db}: ${name} is namespaced, outside db 0`);
          else if (run.typed.has(k) && !corpusTokens.has(k)) problems.push(`db ${db}: ${name} is named exactly as a fuzzed argument`);
          else tolerated.push(`db ${db}: ${name}`);
        }
      }
    }
    if (tolerated.length) console.log(`fuzz: ${tolerated.length} new keys from other test files tolerated, e.g. ${tolerated.slice(0, 3).join(", ")}`);
    expect(problems).toEqual([]);
  });

  it("left every app:* key (but the rate and activity counters) byte for byte as it was", async () => {
    const now = await dumpAll(await appKeys());
    const problems: string[] = [];
    for (const [name, dump] of Object.entries(before.app)) {
      if (now[name] === dump) continue;
      // Another test file may update its own room while the fuzz runs; the planted ones and any the fuzzer named are ours.
      const planted = APP_KEYS.some((k) => show(k, 1000) === name);
      const typed = [...run.typed].some((t) => show(fromB64(t), 1000) === name);
      if (planted || typed) problems.push(`${name} ${now[name] === undefined ? "was deleted" : "changed"}`);
    }
    expect(problems).toEqual([]);
    expect(await dumpAll(APP_KEYS.map((k) => b64(enc(k))))).toEqual(
      Object.fromEntries(Object.entries(before.app).filter(([k]) => APP_KEYS.some((a) => show(a, 1000) === k))),
    );
  });

  it("never blocked the shared connection, nor a leased one past its cap", () => {
    expect(watch.findings.map((f) => f.what)).toEqual([]);
  });

  it("left the victim's keys and the keys outside any namespace byte for byte as they were", async () => {
    expect(await dumpAll(await victimKeys())).toEqual(before.victim);
    expect(await dumpAll(OUTSIDE_KEYS.map((k) => b64(enc(k))))).toEqual(before.outside);
    expect((await execCommand(victim, { command: "GET v:str" })).text).toBe(`"${SECRET}-str"`);
  });

  it("the shared connection still answers, in database 0 with RESP2, logged in, not in MULTI or subscribed", async () => {
    await execCommand(fuzzer, { command: "DISCARD" });
    await execCommand(fuzzer, { command: "UNWATCH" });
    if (startState) expect(stateProblems(await sharedState(rt.conn, raw), startState)).toEqual([]);
    const fresh = issueSession(rt.config.sessionSecret).session;
    for (const s of [fuzzer, fresh] as Session[]) {
      expect((await execCommand(s, { command: "PING" })).reply).toEqual({ t: "status", v: "PONG" });
      expect((await execCommand(s, { command: "SET a b" })).reply).toEqual({ t: "status", v: "OK" });
      expect((await execCommand(s, { command: "GET a" })).reply).toEqual({ t: "bulk", v: "b" });
    }
    await execCommand(fresh, { command: "FLUSHDB" });
  });

  it("the pool of dedicated connections is intact: two visitors' transactions do not share one", async () => {
    const [x, y] = [0, 1].map(() => issueSession(rt.config.sessionSecret).session);
    const text = async (s: Session, command: string) => (await execCommand(s, { command })).text;
    // "MULTI calls can not be nested" here: a connection went back to the pool still in MULTI.
    expect([await text(x, "MULTI"), await text(y, "MULTI")], "two fresh visitors' MULTI").toEqual(["OK", "OK"]);
    expect(await text(x, "SET tx x-only")).toBe("QUEUED");
    expect(await text(y, "EXEC"), "y's EXEC runs only y's (empty) transaction").toBe("(empty array)");
    expect(await text(x, "EXEC")).toBe("1) OK");
    await text(x, "FLUSHDB");
    // Nothing is leased once every transaction ended: inUse > 0 is a connection no lease
    // tracks any more (two MULTI/WATCH at once), inUse < 0 one given back twice.
    const leases = (rt as { leases?: { stats(): { inUse: number; leases: number } } }).leases;
    // Through the endpoint, the fuzzer's connections may still be in MULTI: closing them gives their leases back.
    closeAttackConnections();
    if (leases) await expect.poll(() => leases.stats(), { timeout: 3000, message: "lease pool after the run" }).toMatchObject({ inUse: 0, leases: 0 });
  });
});
