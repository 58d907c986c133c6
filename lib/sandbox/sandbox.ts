import type { Reply } from "@/lib/resp/reply";
import { array, bulk, bulkBytes, integer, nil, status, utf8 } from "@/lib/resp/reply";
import type { NamespaceUsers, Sender } from "./acl-users";
import { arityError, DECISIVE_KEYWORDS, hasNul, redisWord, shown, unknownCommandError, unknownSubcommandError } from "./args";
import type { CommandInfo, CommandTable } from "./command-table";
import { keyPositions } from "./key-specs";
import { sortKeyPositions } from "./sort-args";
import { decide, type Emulation, type RunMode } from "./policy";
import type { Namespace } from "./namespace";
import { sizeLimit, type QuotaKeeper } from "./limits";
import { checkCosts, type Charge, type TxTotals } from "./costs";
import { namesRefusal, patternRefusal } from "./glob";
import { EXISTS, keyIndex, processKeyIndex, scanKeyspace, type IndexHost, type KeyIndex } from "./key-index";
import { info } from "./info";
import { connectionCommand, isConnectionEmulation } from "./connection-commands";
import { processState } from "@/lib/process-state";
import { type Problem, problem, refusal } from "@/lib/problems";

const dec = new TextDecoder();
const lower = (a: Uint8Array) => redisWord(a);

/** Channel arguments by command: not covered by key specs. */
const CHANNEL_ARGS: Record<string, (argc: number) => number[]> = {
  publish: () => [1],
  spublish: () => [1],
  "pubsub|numsub": (argc) => range(2, argc),
  "pubsub|shardnumsub": (argc) => range(2, argc),
};
/** Channel patterns: scoped to the namespace, like KEYS and SCAN MATCH. */
const PATTERN_ARGS = new Set(["pubsub|channels", "pubsub|shardchannels"]);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

export interface SandboxContext {
  /** Sends as the namespace's own ACL user (Runtime.scoped), or a plain connection in tests of the rewriter alone. */
  conn: Sender;
  table: CommandTable;
  ns: Namespace;
  /** Per-namespace limits; absent in tests that only check rewriting. */
  limits?: {
    maxStringBytes: number;
    maxReplyItems: number;
    quotas: QuotaKeeper;
    address?: string;
    channels?: (prefix: string) => { total: number; count: number; bytes: number; patterns: number };
    /** Charges work to the sender's budget after the fact (lib/sandbox/work-budget.ts). */
    charge?: (units: number) => void;
  };
  /** The console tab's open MULTI (route.ts): its queued commands' totals, which the next one's cost and growth add to. */
  tx?: TxTotals;
  /** The namespace's key index (key-index.ts): plan() adds the names a write may create; absent in tests that only check rewriting. */
  index?: KeyIndex;
  /** The console tab (one redis-cli) the command comes from: its own MULTI, followed by the index, its client id and name (connection-commands.ts). */
  clientKey?: string;
  /** PLAYGROUND_MAX_BLOCK_SECONDS (route.ts): the emulated WAIT waits at most this long too. */
  blockCapSeconds?: number;
}

export type Plan =
  | { kind: "reply"; reply: Reply }
  | { kind: "run"; argv: Uint8Array[]; cmd: CommandInfo; mode?: RunMode; charge?: Charge }
  | { kind: "emulate"; emulation: Emulation; argv: Uint8Array[] };

const refuse = (p: Problem): Plan => ({ kind: "reply", reply: refusal(p) });
const redisError = (text: string): Plan => ({ kind: "reply", reply: { t: "error", v: text } });

/**
 * Authorizes and rewrites one argv. Never touches Redis except COMMAND GETKEYS.
 * Deny by default: only a command or subcommand the policy table names is ever
 * sent; every name, subcommand and keyword is read as Redis reads it (args.ts).
 */
export async function plan(ctx: SandboxContext, argv: Uint8Array[]): Promise<Plan> {
  // Names: Redis compares them only up to a NUL byte, so a name with one is
  // never looked up at all. A name this server does not know gets the error
  // Redis gives, worded here (nothing unknown is sent).
  if (hasNul(argv[0])) return refuse(problem("command:nul-name", { name: shown(argv[0]) }));
  const top = ctx.table.get(redisWord(argv[0]));
  if (!top) return redisError(unknownCommandError(argv));
  let cmd = top;
  // A container alone (argc 1) is the container itself to Redis: bare COMMAND runs (arity -1),
  // bare OBJECT gets the arity error.
  if (top.subcommands.size > 0 && argv.length < 2 && top.arity !== -1) return redisError(arityError(top.name));
  if (top.subcommands.size > 0 && argv.length >= 2) {
    if (hasNul(argv[1])) return refuse(problem("command:nul-subcommand", { name: shown(argv[1]) }));
    const sub = top.subcommands.get(redisWord(argv[1]));
    if (!sub) return redisError(unknownSubcommandError(argv));
    cmd = sub;
  }
  const decision = decide(cmd, argv);
  if (decision.action === "deny") return refuse(decision.reason);
  if (decision.action === "emulate") {
    // Redis checks the arity before anything else; the older emulations word it themselves.
    if (isConnectionEmulation(decision.emulation) && !(cmd.arity > 0 ? argv.length === cmd.arity : argv.length >= -cmd.arity)) {
      return redisError(arityError(cmd.name));
    }
    return { kind: "emulate", emulation: decision.emulation, argv };
  }

  const isSort = cmd.name === "sort" || cmd.name === "sort_ro";
  const found = isSort ? sortKeyPositions(argv, cmd.name.toUpperCase()) : keyPositions(cmd, argv);
  if (!found.ok) return refuse(found.reason);
  const positions = found.positions;
  const keywords = keywordRefusal(cmd, argv, positions);
  if (keywords) return refuse(keywords);
  // Names and patterns short enough that Redis's glob matching stays fast (glob.ts).
  const names = namesRefusal(cmd, argv, positions);
  if (names) return refuse(names);
  if (!isSort && needsServerCheck(cmd)) {
    // Second opinion from the server: the keys it would touch must be exactly
    // ours. When it finds none (bad arguments), the line is not run at all.
    const check = await ctx.conn.send(["COMMAND", "GETKEYS", ...argv]);
    const upper = cmd.name.replace("|", " ").toUpperCase();
    if (check.t !== "array") {
      const why = check.t === "error" ? check.v.replace(/^ERR /, "") : "no answer";
      return refuse(problem("keys:none-found", { command: upper, why }));
    }
    const theirs = check.v.map((r) => (r.t === "bulk" ? r.v + (r.b64 ? "\0b64" : "") : "")).sort();
    const ours = positions.map((i) => keyText(argv[i])).sort();
    if (theirs.length !== ours.length || theirs.some((k, i) => k !== ours[i])) {
      return refuse(problem("keys:mismatch", { command: upper }));
    }
  }
  let charge: Charge | undefined;
  if (ctx.limits) {
    const refusal = sizeLimit(cmd, argv, ctx.limits.maxStringBytes, ctx.limits.maxReplyItems);
    if (refusal) return refuse(refusal);
    // Costs and growth estimated from the keys' sizes before it runs (costs.ts): over the budget or the quota, refused.
    const costs = await checkCosts(
      {
        conn: ctx.conn,
        ns: ctx.ns,
        quotas: ctx.limits.quotas,
        tx: ctx.tx,
        address: ctx.limits.address,
        channels: ctx.limits.channels,
        charge: ctx.limits.charge,
      },
      cmd,
      argv,
      positions,
    );
    if ("refuse" in costs) return refuse(costs.refuse);
    charge = costs.charge;
  }
  const out = argv.slice();
  for (const i of positions) out[i] = ctx.ns.add(argv[i]);
  for (const i of CHANNEL_ARGS[cmd.name]?.(argv.length) ?? []) if (i < out.length) out[i] = ctx.ns.add(argv[i]);
  if (PATTERN_ARGS.has(cmd.name)) {
    if (out.length > 3) return { kind: "run", argv, cmd }; // Redis words the arity error (PUBSUB CHANNELS takes one pattern)
    if (out.length === 3) out[2] = ctx.ns.pattern(argv[2]);
    else out.push(ctx.ns.pattern());
  }
  if (ctx.index) {
    // Before the write is sent, so the index always holds every key that exists.
    const failed = await ctx.index.beforeRun(ctx.ns, cmd, argv, positions, ctx.clientKey);
    if (failed) return redisError(failed);
  }
  // MEMORY USAGE counts the stored key's allocation, prefix included: unrewrite takes the prefix's share off again.
  if (cmd.name === "memory|usage" && argv.length >= 3) cmd = withKeyBytes(cmd, argv[2].length);
  return { kind: "run", argv: out, cmd, mode: decision.mode, charge };
}

/**
 * The length of the key a MEMORY USAGE asked about, by the command it ran as
 * (a copy of the table's entry, made per call): it travels with the plan, and
 * with the queued command inside MULTI to EXEC's reply.
 */
const memoryKeyBytes = () => processState("sandbox.memoryKeyBytes", () => new WeakMap<CommandInfo, number>());

function withKeyBytes(cmd: CommandInfo, keyBytes: number): CommandInfo {
  const copy = { ...cmd };
  memoryKeyBytes().set(copy, keyBytes);
  return copy;
}

/**
 * jemalloc's usable size for a request of `n` bytes (sz_s2u; 64-bit, 16-byte
 * quantum, 4 KiB pages): 8, then steps of 16 up to 128, then four classes per
 * doubling (160, 192, 224, 256, 320, …), small and large classes alike.
 */
export function jemallocUsableSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** The bytes Redis 7.0 allocates for a key of `len` bytes: sdsnewlen's header by length (sdsReqType; an empty one gets sdshdr8), the bytes, the NUL. */
function keyAllocation(len: number): number {
  const header = len === 0 ? 3 : len < 1 << 5 ? 1 : len < 1 << 8 ? 3 : len < 1 << 16 ? 5 : len < 2 ** 32 ? 9 : 17;
  return header + len + 1;
}

/**
 * What a namespace prefix adds to MEMORY USAGE for a key of `keyBytes` bytes.
 * Redis 7.0 answers objectComputeSize(value) + sdsZmallocSize(key) +
 * sizeof(dictEntry) (+ the dict's metadata in cluster mode), object.c
 * memoryCommand; only the key's sds allocation differs between the stored
 * `<prefix><key>` and the visitor's `<key>`. jemalloc, as Redis ships it on
 * Linux (fidelity.test.ts checks every key length to 1,100 against a
 * plain server).
 */
export function prefixMemoryBytes(keyBytes: number, prefixBytes: number): number {
  return jemallocUsableSize(keyAllocation(keyBytes + prefixBytes)) - jemallocUsableSize(keyAllocation(keyBytes));
}

/**
 * Which commands the server is asked about (COMMAND GETKEYS, one round trip on
 * loopback, ≈0.1 ms): those whose keys depend on the line's contents — a key
 * spec that starts at a keyword or counts its keys, or movable keys. A spec
 * of fixed positions (index + range, the great majority) is read exactly as
 * Redis reads it and needs no second opinion.
 */
function needsServerCheck(cmd: CommandInfo): boolean {
  return cmd.flags.has("movablekeys") || cmd.keySpecs.some((s) => s.beginSearch.type !== "index" || s.findKeys.type !== "range");
}

/**
 * Keywords read as Redis reads them may still be read differently from the
 * sandbox when they are repeated, or carry a NUL byte: refuse both.
 * - An argument that is a keyword of this command to Redis (case-insensitive,
 *   up to a NUL) but has a NUL byte in it. Keys keep every byte.
 * - A decisive keyword (one that picks a key, a database, a blocking timeout
 *   or a size) given more than once: Redis may honour another occurrence
 *   than the one the sandbox checked (GEORADIUS … STORE a STORE b writes b,
 *   and Redis 7.0's ACL checks only a).
 */
function keywordRefusal(cmd: CommandInfo, argv: readonly Uint8Array[], keys: readonly number[]): Problem | null {
  const first = cmd.name.includes("|") ? 2 : 1;
  const isKey = new Set(keys);
  for (let i = first; i < argv.length; i++) {
    if (isKey.has(i) || !hasNul(argv[i])) continue;
    const w = redisWord(argv[i]);
    if (cmd.tokens.has(w)) {
      return problem("args:nul-keyword", { index: i, shown: shown(argv[i]), keyword: w.toUpperCase() });
    }
  }
  const groups = [...(DECISIVE_KEYWORDS[cmd.name] ?? [])];
  for (const spec of cmd.keySpecs) if (spec.beginSearch.type === "keyword") groups.push([spec.beginSearch.keyword.toLowerCase()]);
  for (const group of groups) {
    let n = 0;
    for (let i = first; i < argv.length; i++) if (group.includes(redisWord(argv[i]))) n++;
    if (n > 1) {
      const names = group.map((k) => k.toUpperCase()).join(" or ");
      const upper = cmd.name.replace("|", " ").toUpperCase();
      return problem("keys:repeated-keyword", { keyword: names, command: upper, what: "key or value" });
    }
  }
  return null;
}

function keyText(a: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(a);
  } catch {
    return `${Buffer.from(a).toString("base64")}\0b64`;
  }
}

/** Removes the namespace from everything in a reply that names a key or channel. */
export function unrewrite(cmd: CommandInfo | undefined, reply: Reply, ns: Namespace): Reply {
  if (reply.t === "error") return { ...reply, v: ns.scrubText(reply.v) }; // a playground refusal keeps its problem
  switch (cmd?.name) {
    case "lmpop":
    case "zmpop":
    case "blmpop":
    case "bzmpop":
    case "blpop":
    case "brpop":
    case "bzpopmin":
    case "bzpopmax":
      // The first item names the key the element came from.
      return reply.t === "array" && reply.v.length >= 2 ? array([ns.strip(reply.v[0]), ...reply.v.slice(1)]) : reply;
    case "lolwut":
      return reply.t === "bulk" ? { t: "verbatim", format: "raw", v: reply.v } : reply;
    case "memory|usage": {
      // The figure a plain Redis gives for the same key and value (the quota's own reads keep the stored figure: costs.ts, limits.ts).
      const keyBytes = cmd && memoryKeyBytes().get(cmd);
      if (reply.t !== "integer" || keyBytes === undefined) return reply;
      return integer(Number(reply.v) - prefixMemoryBytes(keyBytes, ns.bytes.length));
    }
    case "pubsub|channels":
    case "pubsub|shardchannels":
      return reply.t === "array" ? array(reply.v.map((c) => ns.strip(c))) : reply;
    case "pubsub|numsub":
    case "pubsub|shardnumsub":
      return reply.t === "array" ? array(reply.v.map((c, i) => (i % 2 === 0 ? ns.strip(c) : c))) : reply;
    case "xread":
    case "xreadgroup":
      if (reply.t !== "array") return reply;
      return array(reply.v.map((s) => (s.t === "array" && s.v.length === 2 ? array([ns.strip(s.v[0]), s.v[1]]) : s)));
    default:
      return reply;
  }
}

/** Commands answered inside the namespace instead of server-wide, from its key index (key-index.ts): O(your keys). */
export async function emulate(ctx: SandboxContext, emulation: Emulation, argv: Uint8Array[]): Promise<Reply> {
  const { conn, ns } = ctx;
  const upper = dec.decode(argv[0]).toUpperCase();
  if (emulation === "help") return refusal(problem("command:console-help", { command: upper }));
  if (isConnectionEmulation(emulation)) return connectionCommand(ctx, emulation, argv);
  const index = ctx.index ?? processKeyIndex();
  if (!index) throw new Error("emulated commands need the namespace's key index (SandboxContext.index)");
  switch (emulation) {
    case "flushdb": {
      const extra = argv.slice(1).map(lower);
      if (extra.length > 1 || (extra.length === 1 && extra[0] !== "async" && extra[0] !== "sync")) {
        return { t: "error", v: "ERR syntax error" };
      }
      await index.deleteAll(conn, ns);
      ctx.limits?.quotas.emptied(ns);
      return status("OK");
    }
    case "dbsize": {
      if (argv.length !== 1) return wrongArgs(argv);
      let n = 0;
      await index.walk(conn, ns, EXISTS, (found) => void (n += found.length));
      return integer(n);
    }
    case "keys": {
      if (argv.length !== 2) return wrongArgs(argv);
      const long = patternRefusal(argv[1], "KEYS");
      if (long) return refusal(long);
      return array((await index.list(conn, ns, argv[1])).map(bulk));
    }
    case "randomkey": {
      if (argv.length !== 1) return wrongArgs(argv);
      const name = await index.random(conn, ns);
      return name ? bulk(name) : nil;
    }
    case "scan": {
      if (argv.length < 2) return wrongArgs(argv);
      const read = readScan(argv);
      if ("error" in read) return { t: "error", v: read.error };
      const long = patternRefusal(read.pattern, "SCAN");
      if (long) return refusal(long);
      const page = await index.scan(conn, ns, read.cursor, read);
      return array([bulk(utf8(page.cursor)), array(page.names.map(bulk))]);
    }
    case "info":
      return info(
        {
          conn,
          ns,
          index,
          maxBytes: ctx.limits?.quotas.maxBytes,
          visibleMemory: (keyBytes, stored) => stored - prefixMemoryBytes(keyBytes, ns.bytes.length),
        },
        argv.slice(1),
      );
  }
}

/**
 * SCAN's arguments, read as Redis 7.0 reads them (db.c): the cursor with
 * strtoul (an optional sign, digits up to a NUL, no leading space, at most
 * 2^64-1: "ERR invalid cursor"), then the options in order — COUNT a strict
 * integer (else "ERR value is not an integer or out of range"), at least 1
 * (else "ERR syntax error"), MATCH a glob, TYPE a type name (compared
 * case-insensitively, up to a NUL; an unknown one matches nothing), the last
 * of each winning, anything else "ERR syntax error". The cursor handed on is
 * the plain decimal integer Redis would read.
 */
function readScan(argv: Uint8Array[]): { cursor: string; count: number; pattern?: Uint8Array; type?: string } | { error: string } {
  const cursor = scanCursor(argv[1]);
  if (cursor === null) return { error: "ERR invalid cursor" };
  let count = 10;
  let pattern: Uint8Array | undefined;
  let type: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const opt = lower(argv[i]);
    const hasValue = i + 1 < argv.length;
    if (opt === "count" && hasValue) {
      const n = strictInteger(argv[++i]);
      if (n === null) return { error: "ERR value is not an integer or out of range" };
      if (n < 1n) return { error: "ERR syntax error" };
      count = n > 1_000_000n ? 1_000_000 : Number(n);
    } else if (opt === "match" && hasValue) {
      pattern = argv[++i];
    } else if (opt === "type" && hasValue) {
      type = lower(argv[++i]);
    } else {
      return { error: "ERR syntax error" };
    }
  }
  return { cursor, count, pattern, type };
}

const U64_MAX = (1n << 64n) - 1n;

/** strtoul(…, 10) as parseScanCursorOrReply uses it; null where Redis answers "invalid cursor". */
function scanCursor(a: Uint8Array): string | null {
  const end = a.indexOf(0);
  const s = Buffer.from(end < 0 ? a : a.subarray(0, end)).toString("latin1");
  if (s === "") return "0"; // strtoul of "" reads nothing and ends at the NUL: cursor 0
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) return null; // leading space, trailing junk, a sign alone
  const v = BigInt(m[2]);
  if (v > U64_MAX) return null; // ERANGE
  return String(m[1] === "-" && v !== 0n ? (1n << 64n) - v : v);
}

/** string2ll over the whole argument (Redis's getLongLongFromObject): no sign but '-', no leading zero, no NUL, within 64 bits. */
function strictInteger(a: Uint8Array): bigint | null {
  const s = Buffer.from(a).toString("latin1");
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null;
  const v = BigInt(s);
  return v > (1n << 63n) - 1n || v < -(1n << 63n) ? null : v;
}

function wrongArgs(argv: Uint8Array[]): Reply {
  return { t: "error", v: `ERR wrong number of arguments for '${lower(argv[0])}' command` };
}

/** What deletes a namespace: a sender per namespace, the per-namespace ACL users if there are any, and the app connection its key index lives on (the Runtime). */
export interface NamespaceAccess extends IndexHost {
  scoped(ns: Namespace): Sender;
  users: NamespaceUsers | null;
}

/** Deletes a namespace for good: its keys, its key index, then its ACL user (a reaped session, an ended room). */
export async function dropNamespace(access: NamespaceAccess, ns: Namespace): Promise<number> {
  const index = keyIndex(access);
  const n = await deleteNamespace(access.scoped(ns), ns, index);
  await index.drop(ns);
  await access.users?.drop(ns);
  return n;
}

/**
 * Deletes every key of a namespace (FLUSHDB, reset, a room's reset) as the
 * namespace's own user; returns how many there were. From the key index; a
 * caller without one (bench/sandbox-cost.ts, on a server of its own) gets the
 * walk of the whole keyspace.
 */
export async function deleteNamespace(conn: Sender, ns: Namespace, index?: KeyIndex): Promise<number> {
  if (index) return index.deleteAll(conn, ns);
  const pending: Promise<Reply>[] = [];
  let n = 0;
  await scanKeyspace(conn, ns.pattern(), (keys) => {
    if (keys.length === 0) return;
    n += keys.length;
    pending.push(conn.send([utf8("UNLINK"), ...keys.map((k) => (k.t === "bulk" ? bulkBytes(k) : new Uint8Array()))]));
  });
  await Promise.all(pending);
  return n;
}
