import type { CommandInfo } from "./command-table";
import { readXread } from "./xread-args";
import { isKeyword } from "./args";
import type { ConnectionEmulation } from "./connection-commands";
import { type DeniedName, type Problem, problem } from "@/lib/problems";

/**
 * The one policy table: what the playground runs, emulates inside the
 * visitor's namespace, or refuses (saying why and what to try instead).
 *
 * Deny by default: a command or subcommand reaches Redis only when it is named
 * in RUN below. Anything else — a name this table does not know, a command a
 * newer Redis adds, a subcommand of a container — is refused, never sent raw.
 * `policy.test.ts` checks the table against the live server's COMMAND list.
 */
export type Decision = { action: "allow"; mode?: RunMode } | { action: "emulate"; emulation: Emulation } | { action: "deny"; reason: Problem };

/** How an allowed command runs: on the shared connection, or on a leased one. */
export type RunMode = "transaction" | "blocking";

export type Emulation = "flushdb" | "dbsize" | "keys" | "scan" | "randomkey" | "info" | "help" | ConnectionEmulation;

export const EMULATED: Readonly<Record<string, Emulation>> = {
  flushdb: "flushdb",
  flushall: "flushdb",
  dbsize: "dbsize",
  keys: "keys",
  scan: "scan",
  randomkey: "randomkey",
  info: "info",
  // Per console tab, never on the shared connection (connection-commands.ts).
  "client|id": "client",
  "client|info": "client",
  "client|getname": "client",
  "client|setname": "client",
  hello: "hello",
  // The real ones: ROLE lists a replicated deployment's replicas' addresses, LASTSAVE dates the server's start, WAIT blocks the
  // connection it runs on; the visitors' ACL users may run none of the three.
  role: "role",
  lastsave: "lastsave",
  wait: "wait",
  // The real one names the namespace's ACL user.
  "acl|whoami": "acl-whoami",
  // Static text, which the visitors' ACL users (no scripting) may not ask the server for.
  "script|help": "help-text",
  "function|help": "help-text",
};

const words = (s: string) => s.trim().split(/\s+/);

/**
 * Every command that runs for real (keys rewritten by the live server's key
 * specs, or by the sandbox's own readers for SORT and XREAD), by family.
 */
export const RUN: ReadonlySet<string> = new Set([
  // strings
  ...words("append decr decrby get getdel getex getrange getset incr incrby incrbyfloat lcs mget mset msetnx psetex set setex setnx setrange strlen substr"),
  // bitmaps
  ...words("bitcount bitfield bitfield_ro bitop bitpos getbit setbit"),
  // hashes
  ...words("hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals"),
  // lists (blocking ones run on a borrowed connection, below)
  ...words("lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset ltrim rpop rpoplpush rpush rpushx"),
  // sets
  ...words("sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember smembers smismember smove spop srandmember srem sscan sunion sunionstore"),
  // sorted sets
  ...words(
    "zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore",
  ),
  // HyperLogLog
  ...words("pfadd pfcount pfmerge"),
  // geo
  ...words("geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch geosearchstore"),
  // streams (XREAD/XREADGROUP with BLOCK are blocking, below)
  ...words("xack xadd xautoclaim xclaim xdel xlen xpending xrange xread xreadgroup xrevrange xsetid xtrim"),
  ...words("xgroup|create xgroup|createconsumer xgroup|delconsumer xgroup|destroy xgroup|setid xgroup|help"),
  ...words("xinfo|consumers xinfo|groups xinfo|stream xinfo|help"),
  // generic key commands (COPY … DB is refused by decide)
  ...words("copy del dump exists expire expireat expiretime persist pexpire pexpireat pexpiretime pttl rename renamenx touch ttl type unlink"),
  ...words("object|encoding object|freq object|idletime object|refcount object|help memory|usage memory|help"),
  // SORT reads other keys only through BY/GET patterns, which sort-args.ts refuses.
  ...words("sort sort_ro"),
  // pub/sub: publishing (channels rewritten) and the namespace's own channels
  ...words("publish spublish pubsub|channels pubsub|numsub pubsub|shardchannels pubsub|shardnumsub pubsub|help"),
  // server-wide but harmless
  ...words("ping echo time lolwut"),
  ...words("command command|docs command|info command|count command|list command|getkeys command|getkeysandflags command|help"),
  // ACL CAT lists categories and their commands; GENPASS draws from the server's random source (read exactly as Redis reads it)
  ...words("acl|cat acl|genpass"),
  // the help text of containers whose other subcommands are refused or emulated
  ...words("acl|help client|help cluster|help config|help latency|help module|help slowlog|help"),
  // transactions, on the console tab's own connection
  ...words("multi exec discard watch unwatch"),
  // blocking, on a borrowed connection with the timeout capped
  ...words("blpop brpop blmove brpoplpush blmpop bzpopmin bzpopmax bzmpop"),
]);

const TRANSACTION = new Set(words("multi exec discard watch unwatch"));
const BLOCKING = new Set(words("blpop brpop blmove brpoplpush blmpop bzpopmin bzpopmax bzmpop"));

/** Named denials: each has its own reason (lib/i18n/problems.ts). */
const DENIED = new Set<DeniedName>([
  "auth",
  "reset",
  "select",
  "move",
  "swapdb",
  "migrate",
  "quit",
  "restore",
  "restore-asking",
  "pubsub|numpat",
  "memory|doctor",
  "memory|stats",
  "memory|malloc-stats",
  "memory|purge",
  "pfdebug",
  "pfselftest",
]);
const isDenied = (name: string): name is DeniedName => DENIED.has(name as DeniedName);

export function decide(cmd: CommandInfo, argv: readonly Uint8Array[]): Decision {
  const name = cmd.name;
  const upper = name.replace("|", " ").toUpperCase();
  if (Object.hasOwn(EMULATED, name)) return { action: "emulate", emulation: EMULATED[name] };
  if (isDenied(name)) return { action: "deny", reason: problem("command:denied", { name }) };
  if (!RUN.has(name)) return { action: "deny", reason: reasonFor(cmd, upper) };
  if (name === "copy" && argv.slice(3).some((a) => isKeyword(a, "db"))) {
    return { action: "deny", reason: problem("command:copy-db") };
  }
  if (TRANSACTION.has(name)) return { action: "allow", mode: "transaction" };
  if (BLOCKING.has(name)) return { action: "allow", mode: "blocking" };
  if (name === "xread" || name === "xreadgroup") {
    const x = readXread(argv, name === "xreadgroup");
    if ("refuse" in x) return { action: "deny", reason: x.refuse };
    return x.block === undefined ? { action: "allow" } : { action: "allow", mode: "blocking" };
  }
  return { action: "allow" };
}

/** Why a command outside the table is refused, by what kind of command it is. */
function reasonFor(cmd: CommandInfo, upper: string): Problem {
  const cats = cmd.categories;
  if (cats.has("scripting")) return problem("command:scripting", { command: upper });
  if (cats.has("admin") || cats.has("dangerous")) return problem("command:admin", { command: upper });
  if (cats.has("pubsub")) {
    return problem("command:needs-stream", { command: upper });
  }
  if (cats.has("connection")) return problem("command:connection", { command: upper });
  return problem("command:unavailable", { command: upper });
}
