import type { CommandInfo } from "./command-table";
import { readXread } from "./xread-args";
import { isKeyword } from "./args";

/**
 * The one policy table: what the playground runs, emulates inside the
 * visitor's namespace, or refuses (saying why and what to try instead).
 *
 * Deny by default: a command or subcommand reaches Redis only when it is named
 * in RUN below. Anything else — a name this table does not know, a command a
 * newer Redis adds, a subcommand of a container — is refused, never sent raw.
 * `policy.test.ts` checks the table against the live server's COMMAND list.
 */
export type Decision = { action: "allow"; mode?: RunMode } | { action: "emulate"; emulation: Emulation } | { action: "deny"; reason: string };

/** How an allowed command runs: on the shared connection, or on a leased one. */
export type RunMode = "transaction" | "blocking";

export type Emulation = "flushdb" | "dbsize" | "keys" | "scan" | "randomkey" | "info" | "help";

const EMULATED: Record<string, Emulation> = {
  flushdb: "flushdb",
  flushall: "flushdb",
  dbsize: "dbsize",
  keys: "keys",
  scan: "scan",
  randomkey: "randomkey",
  info: "info",
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
  // transactions, on the console tab's own connection
  ...words("multi exec discard watch unwatch"),
  // blocking, on a borrowed connection with the timeout capped
  ...words("blpop brpop blmove brpoplpush blmpop bzpopmin bzpopmax bzmpop"),
]);

const TRANSACTION = new Set(words("multi exec discard watch unwatch"));
const BLOCKING = new Set(words("blpop brpop blmove brpoplpush blmpop bzpopmin bzpopmax bzmpop"));

/** Named denials with the reason a learner sees. */
const DENIED: Record<string, string> = {
  auth: "AUTH would change who the shared connection is; the playground signs you in for you.",
  hello: "HELLO would switch the shared connection's protocol for everyone; the console speaks RESP2, as redis-cli does by default.",
  reset: "RESET would reset the shared connection for every visitor.",
  select: "SELECT would switch the shared connection to another database; your keys live in your own namespace instead.",
  move: "MOVE copies a key to another database, outside your sandbox. Try COPY or RENAME within your keys.",
  swapdb: "SWAPDB swaps whole databases, including other visitors' data.",
  migrate: "MIGRATE moves keys to another server.",
  wait: "WAIT blocks the shared connection until replicas acknowledge writes.",
  quit: "QUIT would close the shared connection. Just close the tab when you are done.",
  restore: "RESTORE loads raw serialized payloads; it is not available in the playground.",
  "restore-asking": "RESTORE-ASKING is a cluster-internal command.",
  "pubsub|numpat": "PUBSUB NUMPAT counts every visitor's pattern subscriptions, not yours.",
  "memory|doctor": "MEMORY DOCTOR reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|stats": "MEMORY STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|malloc-stats": "MEMORY MALLOC-STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|purge": "MEMORY PURGE acts on the whole server.",
  pfdebug: "PFDEBUG is an internal debugging command of the server.",
  pfselftest: "PFSELFTEST is an internal test of the server.",
};

export function decide(cmd: CommandInfo, argv: readonly Uint8Array[]): Decision {
  const name = cmd.name;
  const upper = name.replace("|", " ").toUpperCase();
  if (EMULATED[name]) return { action: "emulate", emulation: EMULATED[name] };
  if (DENIED[name]) return { action: "deny", reason: DENIED[name] };
  if (!RUN.has(name)) return { action: "deny", reason: reasonFor(cmd, upper) };
  if (name === "copy" && argv.slice(3).some((a) => isKeyword(a, "db"))) {
    return { action: "deny", reason: "COPY … DB copies into another database, outside your sandbox. Leave out DB to copy within your keys." };
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
function reasonFor(cmd: CommandInfo, upper: string): string {
  const cats = cmd.categories;
  if (cats.has("scripting")) return `${upper} runs server-side scripts, which could reach outside your sandbox. Run the commands one by one instead.`;
  if (cats.has("admin") || cats.has("dangerous")) return `${upper} administers the whole server, which is shared with other visitors.`;
  if (cats.has("pubsub")) {
    return `${upper} needs a live stream: in the console it opens one by itself; over the API, use GET /api/v1/stream?channels=a,b&patterns=p*.`;
  }
  if (cats.has("connection")) return `${upper} changes or inspects the shared connection, which every visitor uses.`;
  return `${upper} is not available in the playground.`;
}
