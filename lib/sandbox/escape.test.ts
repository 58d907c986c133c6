import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand, type ExecResult } from "@/lib/exec";
import { ATTACK_VIA, attackExec, closeAttackConnections } from "@/test/attack-transport";
import { issueSession } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import { b, nulCandidates, showArgv, toCliLine } from "@/test/argv-grammar";
import {
  BlockWatch,
  diff,
  restoreSnapshot,
  sharedState,
  showSnapKey,
  snapshot,
  stateProblems,
  unblockOwn,
  type ClientInfo,
  type Snapshot,
} from "@/test/sandbox-audit";

/**
 * The escape suite: attempts to reach another visitor's data, the app's own
 * keys or the server. Every attempt must leave the whole server as it was
 * (outside the attacker's own namespace, in every database) and the shared
 * connection healthy. One group assumes the attacker knows the victim's full
 * namespace.
 *
 * The second half reads the line the way Redis does, not the way the sandbox
 * hopes: Redis looks a command name up case-insensitively (ASCII) and compares
 * only up to the first NUL byte (the dictionary hashes the whole name, so some
 * NUL suffixes resolve: each attempt below uses a suffix this server really
 * resolves, found with COMMAND GETKEYS, which looks names up the same way and
 * runs nothing); keywords are compared the same way (strcasecmp), and several
 * commands act on the last occurrence of a repeated keyword. Each attempt is
 * one named test, checked by the world() audit (DUMP of everything outside the
 * attacker's namespace, every database), the reply (nothing of the victim's or
 * the app's), the shared connection's state (HELLO + CLIENT LIST: database 0,
 * RESP2, logged in, not in MULTI, not subscribed, not blocked) and another
 * session's PING. An attempt that breaks something is repaired after (keys
 * restored, connections unblocked, the runtime reconnected), so each verdict
 * is its own.
 */
const ENV = { PLAYGROUND_MAX_BLOCK_SECONDS: "1" };
let rt = useTestRuntime(ENV);
const victim = issueSession(rt.config.sessionSecret).session;
const attacker = issueSession(rt.config.sessionSecret).session;
/** A second attacker with only its own plain keys, for listing commands. */
const snooper = issueSession(rt.config.sessionSecret).session;
/** Another visitor, whose PING must keep working whatever the attacker does. */
const bystander = issueSession(rt.config.sessionSecret).session;
const V = victim.ns.prefix;
const A = attacker.ns.prefix;
const SECRET = "s3cr3t";
let raw: RespConnection;
let watch: BlockWatch;
let startState: ClientInfo | undefined;

const VICTIM_DATA = [
  `SET secret ${SECRET}`,
  `HSET user name ann pw ${SECRET}`,
  `RPUSH list a b ${SECRET}`,
  `SADD set m1 m2 ${SECRET}`,
  `ZADD zset 1 one 2 ${SECRET}`,
  `XADD stream 1-1 f ${SECRET}`,
  "XGROUP CREATE stream grp 0",
  "PFADD hll x",
  `GEOADD geo 13.36 38.11 palermo 15.08 37.50 ${SECRET}`,
  "SETBIT bits 3 1",
];
const ATTACKER_DATA = [
  "SET mine own",
  "RPUSH mylist c a b",
  "GEOADD mygeo 13.36 38.11 m1 15.08 37.50 m2",
  "XADD mystream 1-1 f v",
  "XGROUP CREATE mystream grp 0",
  "XGROUP CREATE mystream late $",
  "ZADD zs 1 a",
  "SADD myset a",
  "PFADD myhll y z",
  "SET cpsrc v",
];
/** Planted outside every namespace: the app's data (a room, its roster) and a plain key. */
const PLANTED: Array<[string, string[]]> = [
  ["escape-outside", ["SET", "escape-outside", "plain"]],
  ["app:escape-check", ["SET", "app:escape-check", "app-data"]],
  ["app:room:ESCAPE", ["HSET", "app:room:ESCAPE", "title", "app-data", "ended", "0"]],
  ["app:room:ESCAPE:names", ["SADD", "app:room:ESCAPE:names", "app-data"]],
];
/** Another's data or key names in a reply: the victim's secret, planted values, any app:* or namespaced key name. */
const LEAK = new RegExp(`${SECRET}|app-data|"plain"|escape-outside|app:|pg:\\{`);

/** Everything outside the attackers' namespaces (every database), but the app's moving counters and other files' sessions. */
const inScope = (key: Uint8Array, db: number): boolean => {
  if (db !== 0) return true; // nothing of the playground's belongs outside database 0, not even the attacker's own keys
  const k = Buffer.from(key).toString("latin1");
  if (k.startsWith(A) || k.startsWith(snooper.ns.prefix) || k.startsWith(bystander.ns.prefix)) return false;
  if (k.startsWith("app:rl:") || k === "app:active" || k === "app:reaper:lock") return false;
  if (k.startsWith("pg:{") && !k.startsWith(V)) return false; // other test files run in parallel
  return true;
};
const world = (): Promise<Snapshot> => snapshot(raw, inScope);

/** Differences that this line can have caused: the victim's keys, planted keys, keys it names, anything outside db 0. Others are other files'. */
function worldProblems(before: Snapshot, after: Snapshot, argv: Uint8Array[] = []): string[] {
  const named = new Set(argv.map((a) => Buffer.from(a).toString("latin1")));
  const ours = (k: string) => {
    const [db, key] = [k.slice(0, k.indexOf("\u0001")), k.slice(k.indexOf("\u0001") + 1)];
    return db !== "0" || key.startsWith(V) || PLANTED.some(([p]) => p === key) || named.has(key);
  };
  const d = diff(before, after);
  return [
    ...d.added.filter(ours).map((k) => `new key ${showSnapKey(k)}`),
    ...d.removed.filter(ours).map((k) => `deleted ${showSnapKey(k)}`),
    ...d.changed.filter(ours).map((k) => `changed ${showSnapKey(k)}`),
  ];
}

beforeAll(async () => {
  raw = new RespConnection(parseRedisUrl(inject("redisUrl")), "escape-raw");
  await raw.waitReady();
  for (const line of VICTIM_DATA) await execCommand(victim, { command: line });
  for (const line of ATTACKER_DATA) await execCommand(attacker, { command: line });
  for (const [key, cmd] of PLANTED) {
    await raw.send(["DEL", key]);
    await raw.send(cmd);
  }
  const s = await sharedState(rt.conn, raw);
  if (typeof s !== "string") startState = s;
  watch = new BlockWatch(raw, { sharedName: startState?.name ?? "playground", leaseCapSeconds: 1, graceMs: 1500 }).start();
  await findResolvingNames();
}, 60_000);
afterAll(async () => {
  closeAttackConnections();
  watch?.stop();
  for (const s of [attacker, victim, snooper, bystander]) await execCommand(s, { command: "FLUSHDB" }).catch(() => {});
  await raw.send(["DEL", ...PLANTED.map(([k]) => k)]).catch(() => {});
  raw.close();
});

const adminish = async () => {
  const table = await rt.commandTable();
  const names: string[] = [];
  for (const c of table.values()) {
    for (const cmd of c.subcommands.size ? [...c.subcommands.values()] : [c]) {
      const cats = cmd.categories;
      if (cats.has("admin") || cats.has("dangerous") || cats.has("scripting")) names.push(cmd.name.replace("|", " ").toUpperCase());
    }
  }
  return names.sort();
};

/** Attempts by category. Each is a command line the attacker sends. */
const KNOWS_NAMESPACE = [
  `GET ${V}secret`,
  `SET ${V}secret pwned`,
  `DEL ${V}secret`,
  `EXPIRE ${V}secret 1`,
  `RENAME ${V}secret mine`,
  `COPY ${V}secret mine`,
  `DUMP ${V}secret`,
  `OBJECT ENCODING ${V}secret`,
  `HGETALL ${V}user`,
  `HSET ${V}user name eve`,
  `LPOP ${V}list`,
  `LMOVE ${V}list mine LEFT RIGHT`,
  `RPOPLPUSH ${V}list mine`,
  `SMEMBERS ${V}set`,
  `SMOVE ${V}set mine m1`,
  `SINTERSTORE ${V}set mine`,
  `ZPOPMIN ${V}zset`,
  `ZUNIONSTORE ${V}zset 1 mine`,
  `XRANGE ${V}stream - +`,
  `XTRIM ${V}stream MAXLEN 0`,
  `XREAD STREAMS ${V}stream 0`,
  `PFMERGE ${V}hll mine`,
  `GEOSEARCHSTORE ${V}geo mine FROMLONLAT 0 0 BYRADIUS 1 km`,
  `SETBIT ${V}bits 3 0`,
  `BITOP NOT ${V}bits mine`,
  `MSET ${V}secret a ${V}user b`,
  `MGET ${V}secret ${V}user`,
  `UNLINK ${V}secret ${V}list`,
  `TOUCH ${V}secret`,
  `SORT ${V}list STORE ${V}list`,
  `LMPOP 1 ${V}list LEFT`,
  `ZMPOP 1 ${V}zset MIN`,
  `BLPOP ${V}list 0.1`,
  `KEYS ${V}*`,
  `SCAN 0 MATCH ${V}*`,
  `PUBSUB CHANNELS ${V}*`,
  `PUBLISH ${V}news x`,
  `WATCH ${V}secret`,
  `UNWATCH`,
  `RENAME mine ${V}secret`,
  `RESTORE ${V}secret 0 x`,
  `MIGRATE 127.0.0.1 1 ${V}secret 0 10`,
  `MOVE ${V}secret 1`,
];
const PATTERNS = [
  "KEYS *",
  "KEYS [p]g:*",
  "KEYS ?g:*",
  "KEYS \\pg:*",
  "KEYS *secret*",
  "KEYS pg:*",
  "KEYS app:*",
  "KEYS *escape*",
  "SCAN 0 MATCH * COUNT 1000",
  "SCAN 0 MATCH pg:* COUNT 1000",
  "SCAN 0 MATCH app:* COUNT 1000",
  "SCAN 0 TYPE string COUNT 1000",
  "PUBSUB CHANNELS *",
  "PUBSUB CHANNELS pg:*",
  "PUBSUB NUMSUB pg:x",
  "RANDOMKEY",
  "DBSIZE",
];
const APP_AND_SERVER = [
  "GET app:escape-check",
  "SET app:escape-check x",
  "DEL app:escape-check",
  "GET escape-outside",
  "SET escape-outside x",
  "SELECT 1",
  "SWAPDB 0 1",
  "AUTH default x",
  "AUTH admin x",
  "AUTH playground x",
  "HELLO 3",
  "HELLO 2 AUTH admin x",
  "RESET",
  "QUIT",
  "CLIENT REPLY OFF",
  "CLIENT TRACKING ON",
  "CLIENT SETNAME x",
  "CLIENT NO-EVICT on",
  "WAIT 1 0",
  "CONFIG SET requirepass x",
  "ACL SETUSER eve on >x ~* +@all",
  "ACL WHOAMI",
  "MODULE LOAD /tmp/x.so",
  "DEBUG SLEEP 1",
  "SHUTDOWN NOSAVE",
  "BGSAVE",
  "REPLICAOF 127.0.0.1 6379",
  "MONITOR",
  "SYNC",
  "PSYNC ? -1",
  "SLOWLOG GET",
  "LATENCY RESET",
  "EVAL \"redis.call('FLUSHALL')\" 0",
  "FUNCTION LOAD \"#!lua name=x\\nredis.register_function('f', function() return 1 end)\"",
  "SCRIPT LOAD x",
  "FLUSHALL",
  "FLUSHDB ASYNC",
  "COPY mine other DB 1",
  "OBJECT FREQ mine",
  "MEMORY PURGE",
];

// ---------------------------------------------------------------- Redis's reading of the bytes

/**
 * A NUL-suffixed spelling of each name below that this server resolves: the
 * command dictionary hashes the whole name but compares with strcasecmp, which
 * stops at the NUL (about 1 suffix in 300 for a command, 1 in 10 for a
 * subcommand). Found with COMMAND GETKEYS, which looks the name up exactly as
 * a command is looked up, and never runs it (so RESET, AUTH, HELLO and QUIT
 * are probed safely).
 */
const RESOLVING = new Map<string, Uint8Array>();
const NUL_TOP = [
  "GET",
  "SET",
  "DEL",
  "UNLINK",
  "RENAME",
  "COPY",
  "HGETALL",
  "HSET",
  "LPOP",
  "LRANGE",
  "SMEMBERS",
  "ZRANGE",
  "XRANGE",
  "DUMP",
  "EXPIRE",
  "APPEND",
  "GETDEL",
  "SETRANGE",
  "SORT",
  "PFMERGE",
  "BITOP",
  "SCAN",
  "RANDOMKEY",
  "KEYS",
  "DBSIZE",
  "FLUSHALL",
  "FLUSHDB",
  "SWAPDB",
  "MOVE",
  "SELECT",
  "TYPE",
  "EXISTS",
  "TOUCH",
  "OBJECT",
  "XINFO",
  "MEMORY",
  "GETEX",
  "SUNIONSTORE",
  "LMOVE",
  "RESET",
  "AUTH",
  "HELLO",
  "QUIT",
  "MULTI",
  "EXEC",
  "WATCH",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "BLPOP",
  "BRPOPLPUSH",
  "CLIENT",
  "MONITOR",
  "WAIT",
  "BITFIELD",
  "XREAD",
];
const NUL_SUB: Array<[string, string]> = [
  ["OBJECT", "ENCODING"],
  ["OBJECT", "FREQ"],
  ["XINFO", "STREAM"],
  ["XINFO", "GROUPS"],
  ["MEMORY", "USAGE"],
  ["PUBSUB", "CHANNELS"],
  ["PUBSUB", "NUMSUB"],
  ["XGROUP", "DESTROY"],
  ["XGROUP", "CREATE"],
  ["XGROUP", "SETID"],
  ["CLIENT", "SETNAME"],
  ["CLIENT", "REPLY"],
  ["CLIENT", "TRACKING"],
  ["CLIENT", "NO-EVICT"],
  ["CLIENT", "KILL"],
  ["CLIENT", "PAUSE"],
  ["CLIENT", "UNBLOCK"],
  ["CONFIG", "SET"],
  ["COMMAND", "GETKEYS"],
  ["FUNCTION", "FLUSH"],
  ["SCRIPT", "FLUSH"],
  ["XGROUP", "CREATECONSUMER"],
];

async function findResolvingNames(): Promise<void> {
  const invalid = (r: Reply) => r.t === "error" && r.v === "ERR Invalid command specified";
  for (const name of NUL_TOP) {
    const cands = nulCandidates(name, 3000, "e");
    // A container's own name is looked up with one of its subcommands after it.
    const after =
      name === "OBJECT"
        ? ["ENCODING", "x"]
        : name === "XINFO"
          ? ["STREAM", "x"]
          : name === "MEMORY"
            ? ["USAGE", "x"]
            : name === "CLIENT"
              ? ["SETNAME", "x"]
              : ["x"];
    const rs = await Promise.all(cands.map((c) => raw.send([b("COMMAND"), b("GETKEYS"), c, ...after.map(b)])));
    const i = rs.findIndex((r) => !invalid(r));
    if (i >= 0) RESOLVING.set(name, cands[i]);
  }
  for (const [c, sub] of NUL_SUB) {
    const cands = nulCandidates(sub, 400, "e");
    const rs = await Promise.all(cands.map((s) => raw.send([b("COMMAND"), b("GETKEYS"), b(c), s, b("x"), b("x")])));
    const i = rs.findIndex((r) => !invalid(r));
    if (i >= 0) RESOLVING.set(`${c} ${sub}`, cands[i]);
  }
  const missing = [...NUL_TOP, ...NUL_SUB.map((x) => x.join(" "))].filter((n) => !RESOLVING.has(n));
  console.log(
    `escape: NUL-suffixed names this server resolves: ${RESOLVING.size}${missing.length ? `; none found for ${missing.join(", ")} (sent with a bare NUL instead)` : ""}`,
  );
}

/** `GET` → the resolving `GET\0<suffix>`; `OBJECT ENCODING` → its resolving subcommand word. */
const nul = (name: string): Uint8Array => RESOLVING.get(name) ?? b(`${name.split(" ").pop()}\0`);

type Arg = string | Uint8Array | (() => Uint8Array);
interface Attempt {
  name: string;
  argv: Arg[];
  /** Blocks Redis if misread: another session's PING is timed while it runs. */
  blocks?: boolean;
  /** Extra checks after the line; returns problems. */
  check?: (r: ExecResult | Error, ms: number) => Promise<string[]>;
  /** Lines the attacker runs first (its own keys). */
  setup?: string[][];
}
const argvOf = (a: Attempt) => a.argv.map((x) => (typeof x === "function" ? x() : typeof x === "string" ? b(x) : x));
const N = (name: string) => () => nul(name);
const sub = (c: string, s: string) => [c, () => nul(`${c} ${s}`)] as Arg[];

/** BITFIELD and friends must not grow the attacker's string past the playground's 1 MiB, nor Redis's memory by megabytes. */
const noAllocation = (key: string) => async (): Promise<string[]> => {
  const len = await raw.send(["STRLEN", `${A}${key}`]);
  await raw.send(["DEL", `${A}${key}`]);
  return len.t === "integer" && Number(len.v) > rt.config.quota.maxStringBytes
    ? [`${A}${key} grew to ${len.v} bytes (the limit is ${rt.config.quota.maxStringBytes})`]
    : [];
};
/** A blocking command must come back within the cap (1 s) and a little. */
const withinCap = async (_r: ExecResult | Error, ms: number): Promise<string[]> => (ms > 1450 ? [`took ${Math.round(ms)} ms; the blocking cap is 1 s`] : []);
/** A read of the victim's key must not tell the attacker anything about it: an error, nil, none or 0, as for a key that does not exist. */
const revealsNothing = async (r: ExecResult | Error): Promise<string[]> =>
  r instanceof Error || r.reply.t === "error" || r.reply.t === "nil" || r.text === "none" || r.text === "(integer) 0" || r.text === "(empty array)"
    ? []
    : [`the reply tells the attacker about the victim's key: ${r.text.slice(0, 160)}`];

const NUL_NAMES: Attempt[] = [
  { name: "GET\\0… on the victim's key (a NUL-suffixed name Redis resolves to GET)", argv: [N("GET"), `${V}secret`] },
  { name: "SET\\0… over the victim's key", argv: [N("SET"), `${V}secret`, "pwned"] },
  { name: "DEL\\0… of the victim's key", argv: [N("DEL"), `${V}secret`] },
  { name: "UNLINK\\0… of the victim's list", argv: [N("UNLINK"), `${V}list`] },
  { name: "RENAME\\0… of the victim's key into another of theirs", argv: [N("RENAME"), `${V}secret`, `${V}stolen`] },
  { name: "COPY\\0… of the victim's key", argv: [N("COPY"), `${V}secret`, `${V}copy`] },
  { name: "HGETALL\\0… of the victim's hash", argv: [N("HGETALL"), `${V}user`] },
  { name: "HSET\\0… into the victim's hash", argv: [N("HSET"), `${V}user`, "name", "eve"] },
  { name: "LPOP\\0… from the victim's list", argv: [N("LPOP"), `${V}list`] },
  { name: "LRANGE\\0… of the victim's list", argv: [N("LRANGE"), `${V}list`, "0", "-1"] },
  { name: "SMEMBERS\\0… of the victim's set", argv: [N("SMEMBERS"), `${V}set`] },
  { name: "ZRANGE\\0… of the victim's sorted set", argv: [N("ZRANGE"), `${V}zset`, "0", "-1"] },
  { name: "XRANGE\\0… of the victim's stream", argv: [N("XRANGE"), `${V}stream`, "-", "+"] },
  { name: "DUMP\\0… of the victim's key", argv: [N("DUMP"), `${V}secret`] },
  { name: "EXPIRE\\0… on the victim's key", argv: [N("EXPIRE"), `${V}secret`, "1"] },
  { name: "APPEND\\0… to the victim's key", argv: [N("APPEND"), `${V}secret`, "x"] },
  { name: "GETDEL\\0… of the victim's key", argv: [N("GETDEL"), `${V}secret`] },
  { name: "SETRANGE\\0… in the victim's key", argv: [N("SETRANGE"), `${V}secret`, "0", "x"] },
  { name: "SORT\\0… of the victim's list", argv: [N("SORT"), `${V}list`, "ALPHA"] },
  { name: "PFMERGE\\0… into the victim's HyperLogLog", argv: [N("PFMERGE"), `${V}hll`, `${A}myhll`] },
  { name: "BITOP\\0… into the victim's bitmap", argv: [N("BITOP"), "NOT", `${V}bits`, `${V}bits`] },
  { name: "SCAN\\0… listing app:* key names", argv: [N("SCAN"), "0", "MATCH", "app:*", "COUNT", "1000"] },
  { name: "SCAN\\0… listing every key", argv: [N("SCAN"), "0", "COUNT", "1000"] },
  { name: "RANDOMKEY\\0… naming a key of the whole server", argv: [N("RANDOMKEY")] },
  { name: "KEYS\\0… app:*", argv: [N("KEYS"), "app:*"] },
  { name: "DBSIZE\\0… of the whole server", argv: [N("DBSIZE")] },
  { name: "FLUSHALL\\0…", argv: [N("FLUSHALL")] },
  { name: "FLUSHDB\\0…", argv: [N("FLUSHDB")] },
  { name: "SWAPDB\\0… 0 1", argv: [N("SWAPDB"), "0", "1"] },
  { name: "MOVE\\0… of the victim's key to db 1", argv: [N("MOVE"), `${V}secret`, "1"] },
  { name: "SELECT\\0… 1 on the shared connection", argv: [N("SELECT"), "1"] },
  { name: "TYPE\\0… of the victim's key", argv: [N("TYPE"), `${V}secret`], check: revealsNothing },
  { name: "EXISTS\\0… probing the victim's keys", argv: [N("EXISTS"), `${V}secret`, `${V}list`], check: revealsNothing },
  { name: "TOUCH\\0… of the victim's key", argv: [N("TOUCH"), `${V}secret`], check: revealsNothing },
  { name: "OBJECT\\0… ENCODING of the victim's key (NUL in the container's name)", argv: [N("OBJECT"), "ENCODING", `${V}secret`], check: revealsNothing },
  { name: "XINFO\\0… STREAM of the victim's stream", argv: [N("XINFO"), "STREAM", `${V}stream`, "FULL"] },
  { name: "MEMORY\\0… USAGE of the victim's key", argv: [N("MEMORY"), "USAGE", `${V}secret`], check: revealsNothing },
  { name: "GETEX\\0… PERSIST on the victim's key", argv: [N("GETEX"), `${V}secret`, "PERSIST"] },
  { name: "SUNIONSTORE\\0… into the victim's set", argv: [N("SUNIONSTORE"), `${V}set`, `${V}set`, `${A}myset`] },
  { name: "LMOVE\\0… from the victim's list", argv: [N("LMOVE"), `${V}list`, `${V}list2`, "LEFT", "LEFT"] },
  { name: "G\\0ET: a NUL inside the name", argv: ["G\0ET", `${V}secret`] },
  { name: "\\0GET: a NUL before the name", argv: ["\0GET", `${V}secret`] },
  { name: "a bare NUL as the name", argv: ["\0", `${V}secret`] },
];

const NUL_SUBCOMMANDS: Attempt[] = [
  { name: "OBJECT ENCODING\\0… of the victim's key", argv: [...sub("OBJECT", "ENCODING"), `${V}secret`], check: revealsNothing },
  { name: "OBJECT FREQ\\0… of the victim's key", argv: [...sub("OBJECT", "FREQ"), `${V}secret`], check: revealsNothing },
  { name: "XINFO STREAM\\0… of the victim's stream", argv: [...sub("XINFO", "STREAM"), `${V}stream`, "FULL"] },
  { name: "XINFO GROUPS\\0… of the victim's stream", argv: [...sub("XINFO", "GROUPS"), `${V}stream`], check: revealsNothing },
  { name: "MEMORY USAGE\\0… of the victim's key", argv: [...sub("MEMORY", "USAGE"), `${V}secret`], check: revealsNothing },
  { name: "PUBSUB CHANNELS\\0… listing every channel", argv: [...sub("PUBSUB", "CHANNELS")] },
  { name: "PUBSUB NUMSUB\\0… of the victim's channel", argv: [...sub("PUBSUB", "NUMSUB"), `${V}news`] },
  { name: "XGROUP DESTROY\\0… of the victim's consumer group", argv: [...sub("XGROUP", "DESTROY"), `${V}stream`, "grp"] },
  { name: "XGROUP CREATE\\0… on the victim's stream", argv: [...sub("XGROUP", "CREATE"), `${V}stream`, "evil", "0"] },
  { name: "XGROUP SETID\\0… on the victim's group", argv: [...sub("XGROUP", "SETID"), `${V}stream`, "grp", "$"] },
  { name: "XGROUP CREATECONSUMER\\0… in the victim's group", argv: [...sub("XGROUP", "CREATECONSUMER"), `${V}stream`, "grp", "eve"] },
  { name: "CLIENT SETNAME\\0… renaming the shared connection", argv: [...sub("CLIENT", "SETNAME"), "pwned"] },
  { name: "CLIENT REPLY\\0… OFF on the shared connection", argv: [...sub("CLIENT", "REPLY"), "OFF"], blocks: true },
  { name: "CLIENT TRACKING\\0… ON on the shared connection", argv: [...sub("CLIENT", "TRACKING"), "ON"] },
  { name: "CLIENT NO-EVICT\\0… on", argv: [...sub("CLIENT", "NO-EVICT"), "on"] },
  { name: "CLIENT KILL\\0… TYPE normal", argv: [...sub("CLIENT", "KILL"), "TYPE", "normal"] },
  { name: "CLIENT PAUSE\\0… 1000", argv: [...sub("CLIENT", "PAUSE"), "1000"], blocks: true },
  { name: "CLIENT UNBLOCK\\0… of another client", argv: [...sub("CLIENT", "UNBLOCK"), "1"] },
  { name: "CONFIG SET\\0… maxmemory", argv: [...sub("CONFIG", "SET"), "maxmemory", "1"] },
  { name: "COMMAND GETKEYS\\0… (harmless, must still be read as Redis reads it)", argv: [...sub("COMMAND", "GETKEYS"), "GET", "x"] },
  { name: "FUNCTION FLUSH\\0…", argv: [...sub("FUNCTION", "FLUSH")] },
  { name: "SCRIPT FLUSH\\0…", argv: [...sub("SCRIPT", "FLUSH")] },
  { name: "OBJECT \\0 (a bare NUL subcommand)", argv: ["OBJECT", "\0", `${V}secret`] },
  { name: "OBJECT ENC\\0ODING (a NUL inside the subcommand)", argv: ["OBJECT", "ENC\0ODING", `${V}secret`] },
];

const NUL_KEYWORDS: Attempt[] = [
  { name: 'SORT … ALPHA "STORE\\0" into the victim\'s key', argv: ["SORT", "mylist", "ALPHA", "STORE\0", `${V}secret`] },
  { name: 'SORT … "STORE\\0x" into the victim\'s key', argv: ["SORT", "mylist", "ALPHA", "STORE\0x", `${V}secret`] },
  { name: 'SORT … "sToRe\\0" into the victim\'s list', argv: ["SORT", "mylist", "sToRe\0", `${V}list`, "ALPHA"] },
  { name: 'SORT … "STORE\\0" into app:escape-check', argv: ["SORT", "mylist", "ALPHA", "STORE\0", "app:escape-check"] },
  { name: 'SORT_RO … "STORE\\0" (SORT_RO has no STORE)', argv: ["SORT_RO", "mylist", "ALPHA", "STORE\0", `${V}secret`] },
  { name: 'SORT … "BY\\0" * (a BY pattern behind a NUL)', argv: ["SORT", "mylist", "BY\0", `${V}*`] },
  { name: 'SORT … "GET\\0" (a GET pattern behind a NUL)', argv: ["SORT", "mylist", "GET\0", `${V}*`] },
  {
    name: 'SORT … "LIMIT\\0" 0 1 STORE … (LIMIT read by Redis, not by the sandbox)',
    argv: ["SORT", "mylist", "ALPHA", "LIMIT\0", "0", "1", "STORE", `${V}secret`],
  },
  { name: 'GEORADIUS … "STORE\\0" into the victim\'s sorted set', argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE\0", `${V}zset`] },
  { name: 'GEORADIUS … "STOREDIST\\0" into app:escape-check', argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STOREDIST\0", "app:escape-check"] },
  { name: 'GEORADIUSBYMEMBER … "STORE\\0x" into the victim\'s sorted set', argv: ["GEORADIUSBYMEMBER", "mygeo", "m1", "200", "km", "STORE\0x", `${V}zset`] },
  {
    name: 'GEORADIUSBYMEMBER … "storedist\\0" into the victim\'s sorted set',
    argv: ["GEORADIUSBYMEMBER", "mygeo", "m1", "200", "km", "storedist\0", `${V}zset`],
  },
  { name: 'COPY … "DB\\0" 3 (into another database)', argv: ["COPY", "cpsrc", "copied", "DB\0", "3"] },
  { name: 'COPY … "db\\0x" 1 REPLACE', argv: ["COPY", "cpsrc", "copied", "db\0x", "1", "REPLACE"] },
  { name: 'COPY … "D\\0B" 1 (a NUL inside DB)', argv: ["COPY", "cpsrc", "copied", "D\0B", "1"] },
  { name: 'XREAD "BLOCK\\0" 1500 on the shared connection', argv: ["XREAD", "BLOCK\0", "1500", "STREAMS", "mystream", "$"], blocks: true, check: withinCap },
  {
    name: 'XREAD "block\\0x" 0 (forever) on the shared connection',
    argv: ["XREAD", "block\0x", "0", "STREAMS", "mystream", "$"],
    blocks: true,
    check: withinCap,
  },
  {
    name: 'XREADGROUP … "BLOCK\\0" 1500',
    argv: ["XREADGROUP", "GROUP", "late", "c", "BLOCK\0", "1500", "STREAMS", "mystream", ">"],
    blocks: true,
    check: withinCap,
  },
  { name: 'XREAD COUNT 1 "STREAMS\\0" the victim\'s stream', argv: ["XREAD", "COUNT", "1", "STREAMS\0", `${V}stream`, "0"] },
  { name: 'XREADGROUP … "STREAMS\\0" the victim\'s stream', argv: ["XREADGROUP", "GROUP", "grp", "c", "STREAMS\0", `${V}stream`, ">"] },
  {
    name: 'BITFIELD … "SET\\0" u8 at bit 80,000,000 (must not allocate 10 MB)',
    argv: ["BITFIELD", "bf", "SET\0", "u8", "80000000", "1"],
    check: noAllocation("bf"),
  },
  {
    name: 'BITFIELD … "INCRBY\\0" u8 #20000000 (must not allocate 20 MB)',
    argv: ["BITFIELD", "bf", "INCRBY\0", "u8", "#20000000", "1"],
    check: noAllocation("bf"),
  },
  { name: 'BITFIELD … "set\\0x" i64 #2000000', argv: ["BITFIELD", "bf", "set\0x", "i64", "#2000000", "1"], check: noAllocation("bf") },
  { name: 'BITFIELD … GET u8 0 "SET\\0" u8 90,000,000', argv: ["BITFIELD", "bf", "GET", "u8", "0", "SET\0", "u8", "90000000", "1"], check: noAllocation("bf") },
  {
    name: 'BITFIELD … "OVERFLOW\\0" SAT "SET\\0" far away',
    argv: ["BITFIELD", "bf", "OVERFLOW\0", "SAT", "SET\0", "u16", "#5000000", "1"],
    check: noAllocation("bf"),
  },
  { name: 'BITFIELD … SET "u8\\0x" (a NUL in the type) far away', argv: ["BITFIELD", "bf", "SET", "u8\0x", "90000000", "1"], check: noAllocation("bf") },
  { name: 'BITFIELD_RO … "GET\\0" far away (reads, allocates nothing)', argv: ["BITFIELD_RO", "bf", "GET\0", "u8", "90000000"], check: noAllocation("bf") },
  { name: 'SET … "GET\\0" (harmless, read as GET by Redis)', argv: ["SET", "mine", "v", "GET\0"] },
  { name: 'ZUNIONSTORE … "WEIGHTS\\0" 2', argv: ["ZUNIONSTORE", "zs2", "1", "zs", "WEIGHTS\0", "2"] },
  { name: 'LPOS … "RANK\\0" 1', argv: ["LPOS", "mylist", "a", "RANK\0", "1"] },
  { name: 'MIGRATE … "KEYS\\0" the victim\'s key', argv: ["MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS\0", `${V}secret`] },
  { name: 'SCAN 0 "MATCH\\0" app:* (emulated SCAN)', argv: ["SCAN", "0", "MATCH\0", "app:*", "COUNT", "1000"] },
  { name: 'SCAN 0 "TYPE\\0" string', argv: ["SCAN", "0", "TYPE\0", "string", "COUNT", "1000"] },
  { name: "SETRANGE far away behind nothing (plain control: refused by size)", argv: ["SETRANGE", "bf", "90000000", "x"], check: noAllocation("bf") },
];

const DUPLICATES: Attempt[] = [
  {
    name: "GEORADIUS … STORE a STORE <victim's key> (Redis writes the last)",
    argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE", "a", "STORE", `${V}zset`],
  },
  {
    name: "GEORADIUS … STORE a STOREDIST app:escape-check",
    argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "app:escape-check"],
  },
  {
    name: "GEORADIUS … STOREDIST a STORE app:room:ESCAPE",
    argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STOREDIST", "a", "STORE", "app:room:ESCAPE"],
  },
  {
    name: "GEORADIUS … STOREDIST a STOREDIST <victim's key>",
    argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STOREDIST", "a", "STOREDIST", `${V}zset`],
  },
  { name: "GEORADIUS … STORE a stOrE <victim's key> (case)", argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE", "a", "stOrE", `${V}zset`] },
  {
    name: 'GEORADIUS … STORE a "STORE\\0" app:escape-check',
    argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE", "a", "STORE\0", "app:escape-check"],
  },
  {
    name: "GEORADIUSBYMEMBER … STORE a STORE app:escape-check",
    argv: ["GEORADIUSBYMEMBER", "mygeo", "m1", "200", "km", "STORE", "a", "STORE", "app:escape-check"],
  },
  { name: 'GEORADIUSBYMEMBER … STORE a "store" <victim\'s key>', argv: ["GEORADIUSBYMEMBER", "mygeo", "m1", "200", "km", "STORE", "a", "store", `${V}zset`] },
  {
    name: "GEORADIUSBYMEMBER … STOREDIST a STORE <victim's key>",
    argv: ["GEORADIUSBYMEMBER", "mygeo", "m1", "200", "km", "STOREDIST", "a", "STORE", `${V}zset`],
  },
  {
    name: "GEORADIUS_RO … STORE a STORE b (no STORE at all in _RO)",
    argv: ["GEORADIUS_RO", "mygeo", "15", "37", "200", "km", "STORE", "a", "STORE", `${V}zset`],
  },
  { name: "SORT … STORE a STORE <victim's key> (Redis writes the last)", argv: ["SORT", "mylist", "ALPHA", "STORE", "a", "STORE", `${V}secret`] },
  { name: "SORT … ALPHA STORE a store app:escape-check", argv: ["SORT", "mylist", "ALPHA", "STORE", "a", "store", "app:escape-check"] },
  { name: 'SORT … STORE a "STORE\\0" <victim\'s list>', argv: ["SORT", "mylist", "ALPHA", "STORE", "a", "STORE\0", `${V}list`] },
  {
    name: "XREAD BLOCK 10 BLOCK 1500 (Redis waits the last)",
    argv: ["XREAD", "BLOCK", "10", "BLOCK", "1500", "STREAMS", "mystream", "$"],
    blocks: true,
    check: withinCap,
  },
  { name: "XREAD BLOCK 10 BLOCK 0 (forever)", argv: ["XREAD", "BLOCK", "10", "BLOCK", "0", "STREAMS", "mystream", "$"], blocks: true, check: withinCap },
  {
    name: "XREADGROUP … BLOCK 10 BLOCK 1500",
    argv: ["XREADGROUP", "GROUP", "late", "c", "BLOCK", "10", "BLOCK", "1500", "STREAMS", "mystream", ">"],
    blocks: true,
    check: withinCap,
  },
  {
    name: 'XREAD COUNT 1 BLOCK 10 "block" 1500',
    argv: ["XREAD", "COUNT", "1", "BLOCK", "10", "block", "1500", "STREAMS", "mystream", "$"],
    blocks: true,
    check: withinCap,
  },
  { name: 'XREAD BLOCK 10 "BLOCK\\0" 0', argv: ["XREAD", "BLOCK", "10", "BLOCK\0", "0", "STREAMS", "mystream", "$"], blocks: true, check: withinCap },
  { name: "XREAD STREAMS mystream $ STREAMS <victim's stream> $", argv: ["XREAD", "STREAMS", "mystream", "$", "STREAMS", `${V}stream`, "$"] },
  { name: "XREADGROUP GROUP grp c GROUP grp2 c2 STREAMS …", argv: ["XREADGROUP", "GROUP", "grp", "c", "GROUP", "grp2", "c2", "STREAMS", "mystream", ">"] },
  { name: "COPY … DB 0 DB 3", argv: ["COPY", "cpsrc", "copied", "DB", "0", "DB", "3"] },
  { name: 'COPY … db 0 "DB\\0" 3', argv: ["COPY", "cpsrc", "copied", "db", "0", "DB\0", "3"] },
  {
    name: "BITFIELD … SET u8 0 1 SET u8 90,000,000 1",
    argv: ["BITFIELD", "bf", "SET", "u8", "0", "1", "SET", "u8", "90000000", "1"],
    check: noAllocation("bf"),
  },
  { name: "LPOS … COUNT 1 COUNT 0", argv: ["LPOS", "mylist", "a", "COUNT", "1", "COUNT", "0"] },
];

const LOOKALIKES: Attempt[] = [
  { name: "\\u212Aeys * (KELVIN SIGN, which JavaScript lower-cases to k)", argv: ["\u212aeys", "*"] },
  { name: "\\u017Fcan 0 (LONG S, which JavaScript upper-cases to S)", argv: ["\u017fcan", "0", "COUNT", "1000"] },
  { name: "fullwidth ＧＥＴ on the victim's key", argv: ["\uff27\uff25\uff34", `${V}secret`] },
  { name: "Cyrillic GEТ on the victim's key", argv: ["GE\u0422", `${V}secret`] },
  { name: "gEt on the victim's key (ASCII case: a real GET, prefixed)", argv: ["gEt", `${V}secret`] },
  { name: 'SORT … "\\uFB06ORE" (the ligature ﬆ upper-cases to ST)', argv: ["SORT", "mylist", "ALPHA", "\ufb06ORE", `${V}secret`] },
  { name: 'SORT … "\\u017FTORE"', argv: ["SORT", "mylist", "ALPHA", "\u017fTORE", `${V}secret`] },
  { name: 'GEORADIUS … "\\u017FTORE" into the victim\'s key', argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "\u017fTORE", `${V}zset`] },
  { name: 'XREAD "BLOC\\u212A" 1500', argv: ["XREAD", "BLOC\u212a", "1500", "STREAMS", "mystream", "$"], blocks: true, check: withinCap },
  { name: 'COPY … "ＤＢ" 3 (fullwidth)', argv: ["COPY", "cpsrc", "copied", "\uff24\uff22", "3"] },
  { name: 'COPY … "dB" 3 (ASCII case)', argv: ["COPY", "cpsrc", "copied", "dB", "3"] },
  { name: 'OBJECT "ENCODİNG" (dotted capital I)', argv: ["OBJECT", "ENCOD\u0130NG", `${V}secret`] },
  { name: '"ReSeT" (ASCII case)', argv: ["ReSeT"] },
  { name: '"\\u0131nfo" (dotless i, which JavaScript upper-cases to I)', argv: ["\u0131nfo"] },
  { name: '"F\\u212AUSHALL"-style: "FLU\\u017FHALL"', argv: ["FLU\u017fHALL"] },
  { name: '"ＤＥＬ" the victim\'s key (fullwidth)', argv: ["\uff24\uff25\uff2c", `${V}secret`] },
];

const KEYWORD_KEYS: Attempt[] = [
  { name: "SORT mylist STORE STORE (the destination key is named STORE)", argv: ["SORT", "mylist", "ALPHA", "STORE", "STORE"] },
  { name: "SORT STORE ALPHA STORE <victim's key> (the sorted key is named STORE)", argv: ["SORT", "STORE", "ALPHA", "STORE", `${V}secret`] },
  { name: "GEORADIUS … STORE STOREDIST (a key named STOREDIST)", argv: ["GEORADIUS", "mygeo", "15", "37", "200", "km", "STORE", "STOREDIST"] },
  { name: "GEORADIUS STORE … STORE STORE (keys named STORE)", argv: ["GEORADIUS", "STORE", "15", "37", "200", "km", "STORE", "STORE"] },
  { name: "XREAD STREAMS streams 0 (a stream named streams)", argv: ["XREAD", "STREAMS", "streams", "0"] },
  { name: "XREAD STREAMS BLOCK 0 (a stream named BLOCK: must not block)", argv: ["XREAD", "STREAMS", "BLOCK", "0"], blocks: true, check: withinCap },
  { name: "XREAD COUNT 1 STREAMS STREAMS STREAMS 0 0", argv: ["XREAD", "COUNT", "1", "STREAMS", "STREAMS", "STREAMS", "0", "0"] },
  {
    name: "XREADGROUP GROUP STREAMS BLOCK STREAMS STREAMS >",
    argv: ["XREADGROUP", "GROUP", "STREAMS", "BLOCK", "STREAMS", "STREAMS", ">"],
    blocks: true,
    check: withinCap,
  },
  { name: "COPY DB DB (keys named DB)", argv: ["COPY", "DB", "DB"] },
  { name: "COPY mine DB DB 3", argv: ["COPY", "mine", "DB", "DB", "3"] },
  { name: "BITFIELD SET SET u8 0 1 (a key named SET)", argv: ["BITFIELD", "SET", "SET", "u8", "0", "1"] },
  { name: "LMOVE BLOCK STREAMS LEFT RIGHT", argv: ["LMOVE", "BLOCK", "STREAMS", "LEFT", "RIGHT"] },
  { name: 'SET "k\\0" x (a key with a NUL: allowed, in the namespace)', argv: ["SET", "k\0", "x"] },
  { name: 'GET "\\0" (a key that is a NUL)', argv: ["GET", "\0"] },
  { name: "DEL <the victim's prefix itself>", argv: ["DEL", V] },
  { name: "SET <victim prefix><victim prefix>secret", argv: ["SET", `${V}${V}secret`, "x"] },
  { name: 'KEYS "pg:{*"', argv: ["KEYS", "pg:{*"] },
  { name: 'RENAME mine "STORE\\0"', argv: ["RENAME", "mine", "STORE\0"] },
];

const CONNECTION_STATE: Attempt[] = [
  { name: "RESET\\0… (resolves to RESET: must never log the shared connection out)", argv: [N("RESET")], blocks: true },
  { name: '"RESET\\0"', argv: ["RESET\0"], blocks: true },
  { name: '"reset\\0x"', argv: ["reset\0x"], blocks: true },
  { name: "AUTH\\0… default x", argv: [N("AUTH"), "default", "x"], blocks: true },
  { name: "AUTH\\0… admin <wrong password>", argv: [N("AUTH"), "admin", "wrong"], blocks: true },
  { name: "HELLO\\0… 3 (RESP3 on the shared connection)", argv: [N("HELLO"), "3"], blocks: true },
  { name: "HELLO\\0… 2 AUTH admin <wrong password>", argv: [N("HELLO"), "2", "AUTH", "admin", "wrong"], blocks: true },
  { name: "HELLO\\0… 2 SETNAME pwned", argv: [N("HELLO"), "2", "SETNAME", "pwned"], blocks: true },
  { name: "QUIT\\0…", argv: [N("QUIT")], blocks: true },
  { name: "MULTI\\0… (the shared connection in MULTI: every visitor's commands QUEUED)", argv: [N("MULTI")], blocks: true },
  { name: "EXEC\\0…", argv: [N("EXEC")], blocks: true },
  { name: "WATCH\\0… the victim's key", argv: [N("WATCH"), `${V}secret`], blocks: true },
  { name: "SUBSCRIBE\\0… (the shared connection subscribed)", argv: [N("SUBSCRIBE"), `${A}ch`], blocks: true },
  { name: "PSUBSCRIBE\\0… pg:*", argv: [N("PSUBSCRIBE"), "pg:*"], blocks: true },
  { name: "SSUBSCRIBE\\0…", argv: [N("SSUBSCRIBE"), `${A}ch`], blocks: true },
  { name: "BLPOP\\0… 0 (forever, on the shared connection)", argv: [N("BLPOP"), `${A}empty`, "0"], blocks: true, check: withinCap },
  { name: "BRPOPLPUSH\\0… 0", argv: [N("BRPOPLPUSH"), `${A}empty`, `${A}other`, "0"], blocks: true, check: withinCap },
  { name: "CLIENT\\0… SETNAME pwned (NUL in the container's name)", argv: [N("CLIENT"), "SETNAME", "pwned"], blocks: true },
  { name: "MONITOR\\0…", argv: [N("MONITOR")], blocks: true },
  { name: "WAIT\\0… 0 0", argv: [N("WAIT"), "0", "0"], blocks: true },
  {
    name: "BITFIELD\\0… SET far away (the size limit bypassed with the name)",
    argv: [N("BITFIELD"), `${A}bf`, "SET", "u8", "90000000", "1"],
    check: noAllocation("bf"),
  },
  {
    name: "XREAD\\0… BLOCK 1500 (the cap bypassed with the name)",
    argv: [N("XREAD"), "BLOCK", "1500", "STREAMS", `${A}mystream`, "$"],
    blocks: true,
    check: withinCap,
  },
];

/**
 * One allowed command that could stall the shared server: LCS fills an
 * (|a|+1)·(|b|+1) table of 4-byte cells and Redis 7.0.15 refuses it only past
 * proto-max-bulk-len. At Redis's default (512 MB) two strings of 11,000 bytes
 * (22 KB of the 8 MB quota) keep Redis busy about 2 s per call, for every
 * visitor (measured on 7.0.15); the embedded Redis sets proto-max-bulk-len to
 * 1 MB, which turns it into an error. This attempt guards that setting.
 */
const RESOURCES: Attempt[] = [
  {
    name: "LCS of two 11,000-byte strings (Redis busy for seconds, for every visitor)",
    setup: [
      ["SET", "lcs-a", "a".repeat(11_000)],
      ["SET", "lcs-b", "a".repeat(11_000)],
    ],
    argv: ["LCS", "lcs-a", "lcs-b", "LEN"],
    blocks: true,
  },
];

const BYTE_LEVEL = { NUL_NAMES, NUL_SUBCOMMANDS, NUL_KEYWORDS, DUPLICATES, LOOKALIKES, KEYWORD_KEYS, CONNECTION_STATE, RESOURCES };
const BYTE_ATTEMPTS = Object.values(BYTE_LEVEL).flat();

// ---------------------------------------------------------------- one attempt

async function timed<T>(p: Promise<T>): Promise<{ v: T | Error; ms: number }> {
  const t = performance.now();
  try {
    return { v: await p, ms: performance.now() - t };
  } catch (e) {
    return { v: e instanceof Error ? e : new Error(String(e)), ms: performance.now() - t };
  }
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no answer after ${ms} ms`)), ms))]);

/** Another's data in a reply; the attacker's own arguments echoed back (an unknown command's error quotes them) do not count. */
function leaks(text: string, argv: Uint8Array[]): boolean {
  let rest = text;
  for (const a of argv) {
    const s = new TextDecoder().decode(a);
    if (s.length >= 3) rest = rest.split(s).join("");
  }
  return LEAK.test(rest);
}

async function attempt(a: Attempt): Promise<string[]> {
  for (const line of a.setup ?? []) await attackExec(attacker, { command: toCliLine(line.map(b)) });
  const argv = argvOf(a);
  const before = await world();
  const stateBefore = await sharedState(rt.conn, raw);
  watch.during = a.name;
  const sent = timed(within(attackExec(attacker, { command: toCliLine(argv) }), 8000));
  // While a line that may block runs, another visitor's PING must not wait for it.
  const ping = a.blocks
    ? (async () => {
        await new Promise((r) => setTimeout(r, 200));
        return timed(within(execCommand(bystander, { command: "PING" }), 5000));
      })()
    : undefined;
  const [{ v: r, ms }, p] = await Promise.all([sent, ping]);
  await watch.tick();
  const problems: string[] = [];
  if (process.env.ESCAPE_DEBUG)
    console.log(
      "attempt",
      a.name,
      showArgv(argv, 120),
      "→",
      r instanceof Error ? r.message : r.text.slice(0, 120),
      Math.round(ms),
      "ms",
      p ? `ping ${Math.round(p.ms)} ms` : "",
    );
  const reply = r instanceof Error ? `threw ${r.message}` : r.text;
  if (r instanceof Error && !/busy/i.test(r.message)) problems.push(`execCommand threw: ${r.message}`);
  if (!(r instanceof Error) && leaks(r.text, argv)) problems.push(`the reply shows another's data or the app's: ${r.text.slice(0, 200)}`);
  if (p && (p.v instanceof Error || p.v.text !== "PONG" || p.ms > 500)) {
    problems.push(`another visitor's PING during the attempt: ${p.v instanceof Error ? p.v.message : p.v.text} after ${Math.round(p.ms)} ms`);
  }
  problems.push(...watch.findings.filter((f) => f.during === a.name).map((f) => f.what));
  await unblockOwn(raw);
  const after = await world();
  problems.push(...worldProblems(before, after, argv));
  if (a.check) problems.push(...(await a.check(r, ms)));
  // The shared connection, as the server sees it, and as another visitor does.
  const state = await sharedState(rt.conn, raw);
  const stateBad = startState ? stateProblems(state, startState) : typeof state === "string" ? [state] : [];
  problems.push(...stateBad.map((s) => `shared connection: ${s}`));
  if (typeof stateBefore !== "string" && typeof state !== "string" && state.id !== stateBefore.id) {
    problems.push(`shared connection: closed by the attempt (client id ${stateBefore.id} → ${state.id}); every command in flight on it failed`);
  }
  const health = await timed(
    within(
      (async () => {
        const set = await execCommand(bystander, { command: "SET health ok" });
        const get = await execCommand(bystander, { command: "GET health" });
        return `${set.text} ${get.text}`;
      })(),
      5000,
    ),
  );
  if (health.v instanceof Error || health.v !== 'OK "ok"')
    problems.push(`another visitor's SET/GET after: ${health.v instanceof Error ? health.v.message : health.v}`);
  // The attacker's own keys named like another namespace would show up in its next KEYS as if they leaked.
  for (let cursor = "0"; ; ) {
    const r = await raw.send(["SCAN", cursor, "MATCH", `${A}pg:*`, "COUNT", "1000"]);
    if (r.t !== "array" || r.v[1].t !== "array") break;
    const keys = r.v[1].v.flatMap((k) => (k.t === "bulk" ? [k.v] : []));
    if (keys.length) await raw.send(["DEL", ...keys]);
    cursor = r.v[0].t === "bulk" ? r.v[0].v : "0";
    if (cursor === "0") break;
  }
  if (problems.length) {
    // Put the world back, so the next attempt is judged on its own.
    await restoreSnapshot(raw, before, after).catch(() => {});
    if (stateBad.length || health.v instanceof Error || health.v !== 'OK "ok"') {
      rt = useTestRuntime(ENV);
      await rt.conn.waitReady().catch(() => {});
    }
    problems.unshift(`argv ${showArgv(argv)} → ${reply.slice(0, 160)} (${Math.round(ms)} ms)`);
  }
  return problems;
}

// ---------------------------------------------------------------- the tests

describe("the escape suite", () => {
  it("has at least 150 attempts across every category, and 100 more at the byte level", async () => {
    const total = KNOWS_NAMESPACE.length + PATTERNS.length + APP_AND_SERVER.length + (await adminish()).length;
    const bytes = Object.entries(BYTE_LEVEL)
      .map(([k, v]) => `${k.toLowerCase().replace(/_/g, " ")} ${v.length}`)
      .join(", ");
    console.log(
      `escape attempts: ${total + BYTE_ATTEMPTS.length} (knows the namespace ${KNOWS_NAMESPACE.length}, patterns ${PATTERNS.length}, app and server ${APP_AND_SERVER.length}, ` +
        `every admin/dangerous/scripting command ${(await adminish()).length}; read as Redis reads bytes ${BYTE_ATTEMPTS.length}: ${bytes})`,
    );
    expect(total).toBeGreaterThanOrEqual(150);
    expect(BYTE_ATTEMPTS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(BYTE_ATTEMPTS.map((a) => a.name)).size).toBe(BYTE_ATTEMPTS.length);
  });

  it("an attacker who knows the victim's namespace string changes nothing outside their own", async () => {
    const before = await world();
    for (const line of KNOWS_NAMESPACE) await attackExec(attacker, { command: line });
    expect(worldProblems(before, await world(), KNOWS_NAMESPACE.flatMap((l) => l.split(" ")).map(b))).toEqual([]);
    expect((await execCommand(victim, { command: "GET secret" })).text).toBe(`"${SECRET}"`);
  });

  it("patterns and scans list only the attacker's own keys", async () => {
    await execCommand(snooper, { command: "SET mine 1" });
    for (const line of PATTERNS) {
      const r = await attackExec(snooper, { command: line });
      expect(JSON.stringify(r.reply), line).not.toMatch(/s3cr3t|escape-|app:|pg:\{/);
    }
  });

  it("the app's keys, keys outside any namespace and the server are out of reach", async () => {
    const before = await world();
    for (const line of APP_AND_SERVER) {
      const r = await attackExec(attacker, { command: line });
      expect(JSON.stringify(r.reply), line).not.toMatch(/app-data|"plain"/);
    }
    expect(worldProblems(before, await world(), APP_AND_SERVER.flatMap((l) => l.split(" ")).map(b))).toEqual([]);
  });

  it("every admin, dangerous and scripting command is refused by the sandbox itself or emulated, with an error or namespace-only effect", async () => {
    const before = await world();
    for (const name of await adminish()) {
      const r = await attackExec(attacker, { command: `${name} x y` });
      // Through the endpoint a verbatim string (INFO) travels as RESP2's bulk string, as Redis sends it.
      const types = ["error", "status", "integer", "array", "verbatim", "nil", ...(ATTACK_VIA === "endpoint" ? ["bulk"] : [])];
      expect(types, name).toContain(r.reply.t);
      // Refused by the first wall, not only by the second: a NOPERM would mean the line reached Redis and only the ACL user stopped it.
      if (r.reply.t === "error") expect(r.reply.v, name).not.toMatch(/^NOPERM/);
    }
    expect(worldProblems(before, await world(), [b("x"), b("y")])).toEqual([]);
  });

  it("the shared connection is still healthy: database 0, RESP2, authenticated, replying", async () => {
    expect((await attackExec(attacker, { command: "SET after ok" })).text).toBe("OK");
    expect((await attackExec(attacker, { command: "GET after" })).text).toBe('"ok"');
    expect((await execCommand(victim, { command: "GET secret" })).text).toBe(`"${SECRET}"`);
    const hello = (await rt.conn.send(["HELLO"])) as Reply;
    expect(JSON.stringify(hello)).toContain('{"t":"bulk","v":"proto"},{"t":"integer","v":2}');
    expect(await rt.conn.send(["GET", "app:escape-check"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
  });
});

for (const [group, attempts] of Object.entries(BYTE_LEVEL)) {
  describe(`read as Redis reads the bytes: ${group.toLowerCase().replace(/_/g, " ")}`, () => {
    // The attacker's own keys, fresh (the suite above ends with FLUSHALL among its attempts).
    beforeAll(async () => {
      await execCommand(attacker, { command: "FLUSHDB" });
      for (const line of ATTACKER_DATA) await execCommand(attacker, { command: line });
    });
    for (const a of attempts) {
      it(a.name, async () => {
        expect(await attempt(a)).toEqual([]);
      }, 20_000);
    }
  });
}

describe("after every byte-level attempt", () => {
  it("the victim's data is intact and the app answers", async () => {
    expect((await execCommand(victim, { command: "GET secret" })).text).toBe(`"${SECRET}"`);
    expect((await execCommand(bystander, { command: "PING" })).text).toBe("PONG");
    if (startState) expect(stateProblems(await sharedState(rt.conn, raw), startState)).toEqual([]);
  });
});
