import type { Reply } from "@/lib/resp/reply";

/**
 * RESP2 replies in the shapes Redis 7.0 gives a RESP3 (HELLO 3) connection,
 * for the endpoint that learners' own clients connect to (issue 14).
 *
 * The app's connections to Redis stay in RESP2, so a client that said HELLO 3
 * would otherwise get flat arrays where Redis gives it maps, sets, doubles and
 * [member, score] pairs. Redis builds the two shapes from the same data
 * (networking.c: addReplyMapLen, addReplySetLen, addReplyDouble…), so the
 * RESP2 reply plus the command that asked for it is enough to rebuild the
 * RESP3 one. Each conversion below names the Redis 7.0.15 function whose
 * shape it follows; lib/endpoint/resp3.test.ts checks every family against a
 * real redis-server, byte for byte.
 *
 * Doubles: Redis 7.0 writes a double as "%.17g" (inf, -inf) in both protocols
 * and a coordinate with the same long-double formatting in both, so the
 * RESP2 text is the RESP3 text; nothing is reformatted.
 *
 * Nulls need nothing: `$-1` and `*-1` both decode to `nil`, which is every
 * RESP3 null (`_`), as Redis sends for both.
 *
 * Commands not listed here reply the same in both protocols (SRANDMEMBER,
 * PUBSUB NUMSUB, ZSCAN's scores, GEODIST, INCRBYFLOAT…); unknown commands and
 * errors pass through. Replies must be whole (decoded without a cap): a cut
 * reply's `more` counts RESP2 elements.
 */
export function toResp3(argv: readonly Uint8Array[], reply: Reply): Reply {
  if (reply.t === "error" || argv.length === 0) return reply;
  const name = keyword(argv, 0);
  const convert = (argv.length > 1 && BY_SUBCOMMAND.get(`${name} ${keyword(argv, 1)}`)) || BY_COMMAND.get(name);
  return convert ? convert(argv, reply) : reply;
}

/**
 * EXEC's reply, each element converted by the command queued at its
 * position (the endpoint keeps their argv). A nil (a WATCHed key changed)
 * stays nil; an EXECABORT error passes through.
 */
export function toResp3Exec(queued: readonly (readonly Uint8Array[])[], reply: Reply): Reply {
  if (reply.t !== "array" || reply.v.length !== queued.length) return reply;
  return { t: "array", v: reply.v.map((r, i) => toResp3(queued[i], r)) };
}

/**
 * A pub/sub message Redis sent a RESP2 subscriber (message, pmessage,
 * smessage, and the (un)subscribe confirmations): a RESP3 client gets it as
 * a push (pubsub.c: addReplyPushLen).
 */
export function toResp3Push(reply: Reply): Reply {
  return reply.t === "array" ? { t: "push", v: reply.v } : reply;
}

type Tx = (r: Reply) => Reply;
type Convert = (argv: readonly Uint8Array[], r: Reply) => Reply;

const keep: Tx = (r) => r;

/** addReplyDouble, addReplyHumanLongDouble: the same text in both protocols. */
const double: Tx = (r) => (r.t === "bulk" && !r.b64 ? { t: "double", v: r.v } : r);

/**
 * addReplyVerbatim(…, "txt"). A text that is not UTF-8 stays a bulk string:
 * the reply model holds a verbatim string as text, and a client reads both
 * as a string.
 */
const verbatim: Tx = (r) => (r.t === "bulk" && !r.b64 ? { t: "verbatim", format: "txt", v: r.v } : r);

/** An array whose every element is converted by `f`. */
const each =
  (f: Tx): Tx =>
  (r) =>
    r.t === "array" ? { t: "array", v: r.v.map(f) } : r;

/** addReplySetLen: the same elements, as a set. */
const setOf =
  (f: Tx = keep): Tx =>
  (r) =>
    r.t === "array" ? { t: "set", v: r.v.map(f) } : r;

/** An array whose element at an index is converted by the function given for it. */
const at =
  (fs: Record<number, Tx>): Tx =>
  (r) =>
    r.t === "array" ? { t: "array", v: r.v.map((x, i) => (fs[i] ? fs[i](x) : x)) } : r;

/**
 * addReplyMapLen: RESP2 sends a map as [k1, v1, k2, v2, …], the reply model's
 * own flat map. Each value is converted by the function its key names in
 * `fields`, else by `other`.
 */
const mapOf =
  (fields: Record<string, Tx> = {}, other: Tx = keep): Tx =>
  (r) => {
    if (r.t !== "array" || r.v.length % 2 !== 0) return r;
    const v = r.v.map((x, i) => {
      if (i % 2 === 0) return x;
      const k = r.v[i - 1];
      const f = k.t === "bulk" && !k.b64 && Object.hasOwn(fields, k.v) ? fields[k.v] : other;
      return f(x);
    });
    return { t: "map", v };
  };

/**
 * WITHSCORES, WITHVALUES: RESP2's flat [m1, s1, m2, s2, …] is RESP3's
 * [[m1, s1], [m2, s2], …] ("we can't use a map response type since the
 * client library needs to know to respect the order", t_zset.c).
 */
const pairs =
  (second: Tx): Tx =>
  (r) => {
    if (r.t !== "array" || r.v.length % 2 !== 0) return r;
    const v: Reply[] = [];
    for (let i = 0; i < r.v.length; i += 2) v.push({ t: "array", v: [r.v[i], second(r.v[i + 1])] });
    return { t: "array", v };
  };

/** Redis compares keywords with strcasecmp: ASCII letters only fold. */
function keyword(argv: readonly Uint8Array[], i: number): string {
  const a = argv[i];
  if (!a) return "";
  let s = "";
  for (let j = 0; j < a.length; j++) s += String.fromCharCode(a[j] >= 97 && a[j] <= 122 ? a[j] - 32 : a[j]);
  return s;
}

/** Whether an argument at or after `from` is the keyword `word` (where only options can be). */
function hasKeyword(argv: readonly Uint8Array[], from: number, word: string): boolean {
  for (let i = Math.max(from, 0); i < argv.length; i++) if (keyword(argv, i) === word) return true;
  return false;
}

const always =
  (f: Tx): Convert =>
  (_argv, r) =>
    f(r);

// COMMAND INFO (server.c: addReplyCommandInfo): [name, arity, flags (set),
// first key, last key, step, ACL categories (set), tips (set), key specs (set
// of maps), subcommands (an array of the same, or an empty set when none)].
const keySpecPart = mapOf({ spec: mapOf() });
const keySpec = mapOf({ flags: setOf(), begin_search: keySpecPart, find_keys: keySpecPart });
function commandInfo(r: Reply): Reply {
  if (r.t !== "array" || r.v.length !== 10) return r;
  const subs = r.v[9];
  return {
    t: "array",
    v: [
      ...r.v.slice(0, 2),
      setOf()(r.v[2]),
      ...r.v.slice(3, 6),
      setOf()(r.v[6]),
      setOf()(r.v[7]),
      setOf(keySpec)(r.v[8]),
      subs.t === "array" && subs.v.length === 0 ? { t: "set", v: [] } : each(commandInfo)(subs),
    ],
  };
}

// COMMAND DOCS (server.c: addReplyCommandDocs, addReplyCommandArgList).
function commandArg(r: Reply): Reply {
  return mapOf({ flags: setOf(), arguments: each(commandArg) })(r);
}
function commandDocs(r: Reply): Reply {
  return mapOf({ doc_flags: setOf(), history: setOf(), arguments: each(commandArg), subcommands: mapOf({}, commandDocs) })(r);
}

/** Z[REV]RANGE[BYSCORE] … WITHSCORES, ZUNION/ZINTER/ZDIFF … WITHSCORES: options only from `from` on (a key called "withscores" is a key). */
const withScoresFrom =
  (from: (argv: readonly Uint8Array[]) => number): Convert =>
  (argv, r) =>
    hasKeyword(argv, from(argv), "WITHSCORES") ? pairs(double)(r) : r;

/** ZUNION/ZINTER/ZDIFF numkeys key …: the options follow the keys. */
function afterKeys(argv: readonly Uint8Array[]): number {
  const n = Number(keyword(argv, 1));
  // A numkeys Redis refuses is answered with an error, which never gets here.
  return Number.isSafeInteger(n) && n > 0 ? 2 + n : argv.length;
}

/** GEORADIUS*, GEOSEARCH: an element is a member, or [member, dist?, hash?, [lon, lat]?] with the coordinates as doubles (geo.c: addReplyHumanLongDouble); dist stays a string (addReplyDoubleDistance). */
const geoItems = each((item) => (item.t === "array" ? each((x) => (x.t === "array" ? each(double)(x) : x))(item) : item));

/** XREAD, XREADGROUP: [[key, entries], …] becomes a map of key → entries (t_stream.c: setDeferredMapLen). */
const streamsByKey: Tx = (r) => {
  if (r.t !== "array" || !r.v.every((x) => x.t === "array" && x.v.length === 2)) return r;
  return { t: "map", v: r.v.flatMap((x) => (x as Extract<Reply, { t: "array" }>).v) };
};

/** SUBSCRIBE …: each confirmation is a push; PING in subscribed mode, see below. */
const push = always(toResp3Push);

const BY_COMMAND = new Map<string, Convert>([
  // Hashes (t_hash.c)
  ["HGETALL", always(mapOf())],
  ["HRANDFIELD", (argv, r) => (argv.length === 4 && keyword(argv, 3) === "WITHVALUES" ? pairs(keep)(r) : r)],
  // Sets (t_set.c): SMEMBERS is SINTER of one key; SPOP with a count; SRANDMEMBER stays an array.
  ["SMEMBERS", always(setOf())],
  ["SINTER", always(setOf())],
  ["SUNION", always(setOf())],
  ["SDIFF", always(setOf())],
  ["SPOP", (argv, r) => (argv.length === 3 ? setOf()(r) : r)],
  // Sorted sets (t_zset.c)
  ["ZSCORE", always(double)],
  ["ZINCRBY", always(double)],
  ["ZADD", always(double)], // INCR: the new score, or nil; otherwise an integer, kept
  ["ZMSCORE", always(each(double))],
  ["ZRANGE", withScoresFrom(() => 4)],
  ["ZRANGEBYSCORE", withScoresFrom(() => 4)],
  ["ZREVRANGE", withScoresFrom(() => 4)],
  ["ZREVRANGEBYSCORE", withScoresFrom(() => 4)],
  ["ZUNION", withScoresFrom(afterKeys)],
  ["ZINTER", withScoresFrom(afterKeys)],
  ["ZDIFF", withScoresFrom(afterKeys)],
  ["ZRANDMEMBER", (argv, r) => (argv.length === 4 && keyword(argv, 3) === "WITHSCORES" ? pairs(double)(r) : r)],
  // genericZpopCommand: flat [member, score] without a count, [[member, score], …] with one.
  ["ZPOPMIN", (argv, r) => (argv.length === 2 ? at({ 1: double })(r) : pairs(double)(r))],
  ["ZPOPMAX", (argv, r) => (argv.length === 2 ? at({ 1: double })(r) : pairs(double)(r))],
  ["BZPOPMIN", always(at({ 2: double }))],
  ["BZPOPMAX", always(at({ 2: double }))],
  ["ZMPOP", always(at({ 1: each(at({ 1: double })) }))],
  ["BZMPOP", always(at({ 1: each(at({ 1: double })) }))],
  // Geo (geo.c)
  ["GEOPOS", always(each(each(double)))],
  ["GEORADIUS", always(geoItems)],
  ["GEORADIUS_RO", always(geoItems)],
  ["GEORADIUSBYMEMBER", always(geoItems)],
  ["GEORADIUSBYMEMBER_RO", always(geoItems)],
  ["GEOSEARCH", always(geoItems)],
  // Streams (t_stream.c)
  ["XREAD", always(streamsByKey)],
  ["XREADGROUP", always(streamsByKey)],
  // Strings: LCS … IDX is a map {matches, len}; without IDX a string or an integer.
  ["LCS", always(mapOf())],
  // Server and connection
  ["COMMAND", (argv, r) => (argv.length === 1 ? each(commandInfo)(r) : r)],
  ["INFO", always(verbatim)],
  ["LOLWUT", always(verbatim)],
  ["HELLO", always(mapOf())], // only the shape: its proto and id are those of the app's connection
  // Pub/sub (pubsub.c): confirmations are pushes. PUBSUB NUMSUB stays a flat array.
  ["SUBSCRIBE", push],
  ["PSUBSCRIBE", push],
  ["SSUBSCRIBE", push],
  ["UNSUBSCRIBE", push],
  ["PUNSUBSCRIBE", push],
  ["SUNSUBSCRIBE", push],
  // PING on a subscribed RESP2 connection answers ["pong", message]; a RESP3 one answers as ever (server.c: pingCommand).
  [
    "PING",
    (argv, r) => {
      if (r.t !== "array" || r.v.length !== 2) return r;
      return argv.length === 1 ? { t: "status", v: "PONG" } : r.v[1];
    },
  ],
]);

const BY_SUBCOMMAND = new Map<string, Convert>([
  ["CONFIG GET", always(mapOf())],
  ["XINFO STREAM", always(mapOf({ groups: each(mapOf({ consumers: each(mapOf()) })) }))], // FULL: groups and their consumers are maps
  ["XINFO GROUPS", always(each(mapOf()))],
  ["XINFO CONSUMERS", always(each(mapOf()))],
  ["COMMAND INFO", always(each(commandInfo))],
  ["COMMAND DOCS", always(mapOf({}, commandDocs))],
  ["COMMAND GETKEYSANDFLAGS", always(each(at({ 1: setOf() })))],
  ["CLIENT INFO", always(verbatim)],
  ["CLIENT LIST", always(verbatim)],
  ["CLIENT TRACKINGINFO", always(mapOf({ flags: setOf() }))],
  ["MEMORY STATS", always(mapOf({}, (v) => (v.t === "bulk" ? double(v) : mapOf()(v))))], // ratios are doubles, db.N a map
  ["MEMORY DOCTOR", always(verbatim)],
  ["MEMORY MALLOC-STATS", always(verbatim)],
  ["LATENCY DOCTOR", always(verbatim)],
  ["LATENCY GRAPH", always(verbatim)],
  ["LATENCY HISTOGRAM", always(mapOf({}, mapOf({ histogram_usec: mapOf() })))],
  ["ACL GETUSER", always(mapOf({ flags: setOf(), selectors: each(mapOf()) }))],
  ["ACL LOG", always(each(mapOf({ "age-seconds": double })))],
  ["FUNCTION LIST", always(each(mapOf({ functions: each(mapOf({ flags: setOf() })) })))],
  ["FUNCTION STATS", always(mapOf({ running_script: mapOf(), engines: mapOf({}, mapOf()) }))],
  ["MODULE LIST", always(each(mapOf()))],
  ["CLUSTER INFO", always(verbatim)],
  ["CLUSTER NODES", always(verbatim)],
  // CLUSTER SLOTS: [start, end, node…], each node [endpoint, port, id, {more endpoints}].
  ["CLUSTER SLOTS", always(each((slot) => (slot.t === "array" ? { t: "array", v: slot.v.map((n, i) => (i >= 2 ? at({ 3: mapOf() })(n) : n)) } : slot)))],
  ["CLUSTER SHARDS", always(each(mapOf({ nodes: each(mapOf()) })))],
  ["CLUSTER LINKS", always(each(mapOf()))],
]);
