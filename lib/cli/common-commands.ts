/**
 * The commands a learner types most, most common first: the cheat-sheet's and
 * the lessons' everyday commands. Tab completion offers these before the rest
 * (alphabetical among themselves they would put GEOADD … GEOSEARCHSTORE before
 * GET: `ge` reached GET after ten presses of Tab).
 */
const COMMON = [
  "GET",
  "SET",
  "DEL",
  "EXISTS",
  "EXPIRE",
  "TTL",
  "INCR",
  "KEYS",
  "HSET",
  "HGET",
  "HGETALL",
  "LPUSH",
  "RPUSH",
  "LPOP",
  "RPOP",
  "LRANGE",
  "SADD",
  "SMEMBERS",
  "ZADD",
  "ZRANGE",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "PUBLISH",
  "SUBSCRIBE",
  "PING",
  "INFO",
  "SCAN",
  "TYPE",
  "MGET",
  "MSET",
  "SETEX",
  "SETNX",
  "GETDEL",
  "INCRBY",
  "DECR",
  "PERSIST",
  "PTTL",
  "HDEL",
  "HINCRBY",
  "LLEN",
  "BLPOP",
  "BRPOP",
  "LMOVE",
  "BLMOVE",
  "SREM",
  "SISMEMBER",
  "SCARD",
  "SINTER",
  "SUNION",
  "SDIFF",
  "ZSCORE",
  "ZINCRBY",
  "XADD",
  "XREAD",
  "XRANGE",
  "XREADGROUP",
  "XACK",
  "PFADD",
  "PFCOUNT",
  "DBSIZE",
  "FLUSHDB",
];

/**
 * Orders completions of a command name: the common commands first, in the
 * order above, then the rest as they came (alphabetical). Each completion is
 * "<lead>NAME " or "<lead>NAME SUB "; only its first word is ranked.
 */
export function byCommonness(options: readonly string[]): string[] {
  const rank = (o: string) => {
    const i = COMMON.indexOf(o.trim().split(/\s+/, 1)[0]);
    return i < 0 ? COMMON.length : i;
  };
  return options
    .map((o, i) => ({ o, i, r: rank(o) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.o);
}
