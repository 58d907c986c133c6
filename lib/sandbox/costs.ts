import { bulkBytes, type Reply } from "@/lib/resp/reply";
import { costLimits } from "@/lib/config";
import { isSandboxError } from "@/lib/errors";
import type { Sender } from "./acl-users";
import { isKeyword, redisWord } from "./args";
import type { CommandInfo } from "./command-table";
import { keyPositions } from "./key-specs";
import { caps, globWeight, patternArg } from "./glob";
import type { Namespace } from "./namespace";
import { NO_GROWTH, type Growth, type QuotaKeeper } from "./limits";
import type { CostDetail, CostHint, CostUnit, Problem, ProblemCode, QuotaWhat } from "@/lib/problems";
import { problem } from "@/lib/problems";

/**
 * Costs decided before a command runs (README's Limits table; issue "Resource
 * safety" §3 and §4). Redis runs one command at a time: a command whose work
 * grows with its inputs holds every other visitor's PING for as long as it
 * runs (LCS on two 11 KB strings: 450 ms; SORT … ALPHA on 400,000 items:
 * 170 ms). So each such command is estimated from the sizes of its keys first
 * (STRLEN, LLEN, SCARD, ZCARD, HLEN, XLEN, MEMORY USAGE, ZCOUNT, … sent
 * together, one pipeline through the namespace's own sender) and refused above
 * a budget, with its estimate, the budget and what to do instead. The same
 * reads bound what a write may create, for the namespace's quota (limits.ts
 * QuotaKeeper): a COPY the source's memory, a *STORE what its inputs could
 * make, SETRANGE/SETBIT/BITFIELD/APPEND the string at its new length.
 *
 * Units: about one element read or written on the cheapest path, ≈ 0.1 µs of
 * Redis time. Each family's weight below was measured on Redis 7.0.15 on the
 * 2-core test machine (SLOWLOG, µs; a shared, loaded machine: each figure the
 * fastest of 3, worst in brackets), and rounded up:
 *
 * | family | measured | estimate |
 * | --- | --- | --- |
 * | LRANGE 0 -1, 100,000 / 1,000,000 elements | 4.5 [8.6] / 89 ms | 1 per element |
 * | ZRANGE 0 -1 [WITHSCORES], 100,000 | 3.5 [20.7 with scores] ms | 1 per element, +2 with scores |
 * | SMEMBERS / HGETALL / HKEYS, 100,000 | 23 / 35 / 41 ms | 4 per element (per field) |
 * | XRANGE - + / XREAD COUNT, 100,000 one-field entries | 43 [89] / 24 ms | 2 + (bytes per entry) / 4 per entry |
 * | LPOS / LREM scanning 1,000,000 | 17.5 / 16 ms | 0.5 per element |
 * | SORT 100,000 numbers / ALPHA / BY nosort | 22 / 40 / 8 ms | 2 per element + N·log2 N × 0.2 (ALPHA: × 0.3 × (1 + bytes per element / 64)) |
 * | SUNION / SINTER / SDIFF / SINTERCARD, 2 × 100,000 | 109 / 40 / 59 / 28 ms | 6 per input element / 2 × keys per element of the smallest / 3 per input + 4 per first / 1.5 × keys |
 * | ZUNION / ZINTER / ZDIFF / ZINTERCARD, 2 × 100,000 | 356 / 60 / 70 / 19 ms | T·log2 T / smallest × (2 × keys + log2 / 2) / 2 T + first·log2 / 4 / smallest × keys |
 * | GEOSEARCH over 100,000 points, unsorted / ASC | 22 / 50 ms | 4 per point + N·log2 N / 2 when sorted |
 * | LCS, 1,000² / 1,500² / 3,000² bytes | 1.4 / 54 / 213 ms | 1/4 per cell (the table outgrows the cache past ~1 M cells: 24 ns a cell) |
 * | BITCOUNT / BITOP, per MiB | 0.2 / 1.1 ms | 0.003 / 0.015 per byte |
 * | PFCOUNT / PFMERGE, 217 / 216 dense keys | 4.7 [15.6] / 8.5 ms | 450 per key |
 * | COPY, 100,000-element set; 1,000,000-element list; 4 / 8 MiB string | 32; 15; 0.3 / 88 ms | 4 per element (list: 0.3); strings 0.005 per byte (0.015 from 8 MiB) |
 * | DUMP, 100,000-element set; 1,000,000-element list; 8 MiB string | 49 [110]; 16; 4 ms | 6 per element; lists, streams and strings 0.03 per byte of MEMORY USAGE |
 * | MEMORY USAGE … SAMPLES 0, 100,000-element set | 8.4 [16] ms | 1.6 per element |
 * | LOLWUT VERSION 6 250 200 / 300 300; VERSION 5 100 1 200 | 3.3 [26] / 9 ms; 50 [190] ms | 4 per cell (its reply is 6 bytes a cell); 0.25 per pixel |
 *
 * Commands whose work is bounded by their arguments (MGET, HSET, ZADD …, at
 * most 1,024 arguments) or that are O(1) / O(log N) are not estimated and
 * cost no extra round trip.
 */

export interface Budgets {
  /** Units one command, or one transaction in all, may cost. */
  maxCost: number;
  /** Commands one MULTI may queue. */
  maxQueued: number;
  /** Bytes of arguments one MULTI may queue. */
  maxQueuedBytes: number;
  /** Bytes Redis may build for one reply, or for one EXEC's replies together. */
  maxReplyBytes: number;
}

/** A transaction's running totals, kept by route.ts from MULTI to EXEC. */
export interface TxTotals {
  count: number;
  bytes: number;
  cost: number;
  /** Bytes the queued commands' replies may take, built by Redis at EXEC. */
  replyBytes: number;
  growth: Growth;
  /** What earlier queued commands may add to each key (elements, or bytes for strings): later estimates count it. */
  adds: Map<string, number>;
  /** Why the transaction will be discarded at EXEC, when a budget refused one of its commands. */
  reason?: Problem;
  /**
   * A command that may delete or rename keys (DEL, RENAME, …) is queued: a key that exists now may not when a
   * later queued write runs, so those writes' keys are not lowered by what exists now (a review queued
   * `RENAME a eN; SET a v` pairs and took a 200-key quota to 3,001 keys).
   */
  mayRemove?: boolean;
}

export function newTxTotals(): TxTotals {
  return { count: 0, bytes: 0, cost: 0, replyBytes: 0, growth: { keys: 0, bytes: 0 }, adds: new Map() };
}

/** What an admitted command costs and may create; added to its transaction's totals once queued. */
export interface Charge {
  cost: number;
  replyBytes: number;
  growth: Growth;
  bytes: number;
  adds: Array<[string, number]>;
}

export interface CostContext {
  conn: Sender;
  ns: Namespace;
  /** Default: the environment's (lib/config.ts LIMITS: PLAYGROUND_MAX_COMMAND_COST, …). */
  budgets?: Budgets;
  quotas?: QuotaKeeper;
  /** Set while the command is queued inside MULTI. */
  tx?: TxTotals;
  /** The client address the command comes from: its namespaces' memory together is capped too (limits.ts AddressMemory). */
  address?: string;
  /** Charges work to the sender's budget after the fact (a quota measurement's time; lib/sandbox/work-budget.ts). */
  charge?: (units: number) => void;
  /** The channels with subscribers this process knows of, for PUBSUB CHANNELS (the subscriber hub's). */
  channels?: (prefix: string) => { total: number; count: number; bytes: number; patterns: number };
}

let cached: { key: string; budgets: Budgets } | null = null;
/** The configured budgets, read again only when the environment changes (tests set their own). */
function currentBudgets(): Budgets {
  const env = process.env;
  const key = `${env.PLAYGROUND_MAX_COMMAND_COST}|${env.PLAYGROUND_MAX_QUEUED_COMMANDS}|${env.PLAYGROUND_MAX_QUEUED_BYTES}|${env.PLAYGROUND_MAX_BUILT_REPLY_BYTES}`;
  if (cached?.key !== key) cached = { key, budgets: costLimits() };
  return cached.budgets;
}

const keyId = (a: Uint8Array) => Buffer.from(a).toString("latin1");
const log2 = (n: number) => (n > 1 ? Math.log2(n) : 1);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const TX_COMMANDS = new Set(["multi", "exec", "discard", "watch", "unwatch"]);
/** Collections up to this many elements are measured exactly (MEMORY USAGE … SAMPLES 0, 1.6 units an element: ≤ 2 ms). */
const EXACT_UP_TO = 12_500;

/**
 * Estimates one authorized command (argv as the visitor typed it, key
 * positions from the key specs) and decides: refused above the budget or past
 * the namespace's quota, with the numbers; otherwise its charge. Commands that
 * need no estimate return at once, without touching Redis.
 */
export async function checkCosts(
  ctx: CostContext,
  cmd: CommandInfo,
  argv: readonly Uint8Array[],
  positions: readonly number[],
): Promise<{ refuse: Problem } | { charge: Charge }> {
  const upper = cmd.name.replace("|", " ").toUpperCase();
  const rule = RULES[cmd.name];
  const grows = cmd.flags.has("denyoom") || GROWS_WITHOUT_DENYOOM.has(cmd.name);
  const bytes = argv.reduce((n, a) => n + a.length, 0);
  const budgets = ctx.budgets ?? currentBudgets();
  // MULTI, EXEC, DISCARD, WATCH and UNWATCH are not queued: the transaction's totals do not apply to them.
  const tx = cmd.flags.has("no_multi") || TX_COMMANDS.has(cmd.name) ? undefined : ctx.tx;
  if (tx) {
    if (tx.count + 1 > budgets.maxQueued) {
      return { refuse: problem("tx:queued-count", { count: tx.count }) };
    }
    if (tx.bytes + bytes > budgets.maxQueuedBytes) {
      return { refuse: problem("tx:queued-bytes", { command: upper, bytes: tx.bytes + bytes, limit: budgets.maxQueuedBytes }) };
    }
  }
  // DEL, SPOP, EXPIRE, RENAME …: the next refusal measures again, and the keys' names no longer count as counted.
  if (!grows && cmd.flags.has("write")) {
    ctx.quotas?.freed(
      ctx.ns,
      positions.map((i) => argv[i]),
    );
    if (tx) tx.mayRemove = true;
  }
  const replies = REPLY_RULES[cmd.name] ?? (tx && positions.length > 0 && returnsData(cmd, argv) ? keysRead : undefined);
  if (!rule && !grows && !replies) {
    return { charge: { cost: 0, replyBytes: 0, growth: NO_GROWTH, bytes, adds: [] } };
  }
  // A line of the wrong arity never runs (Redis answers the arity error): nothing to estimate, nothing created.
  if (cmd.arity > 0 ? argv.length !== cmd.arity : argv.length < -cmd.arity) return { charge: { cost: 0, replyBytes: 0, growth: NO_GROWTH, bytes, adds: [] } };
  const x = new Args(ctx, cmd, argv, positions);
  // What Redis would build for the reply: a few commands repeat a value (MGET k k k …), and a transaction's replies add up.
  let replyBytes = 0;
  if (replies) {
    try {
      replyBytes = Math.ceil(await replies(x));
    } catch (e) {
      if (isSandboxError(e)) throw e;
      console.error(`[costs] could not estimate the reply of ${upper}:`, e);
    }
    if (replyBytes > budgets.maxReplyBytes) {
      return { refuse: problem("cost:reply", { command: upper, bytes: replyBytes, limit: budgets.maxReplyBytes }) };
    }
    if (tx && tx.replyBytes + replyBytes > budgets.maxReplyBytes) {
      return { refuse: problem("tx:reply", { command: upper, bytes: replyBytes, total: tx.replyBytes + replyBytes, limit: budgets.maxReplyBytes }) };
    }
  }
  if (!rule && !grows) return { charge: { cost: 0, replyBytes, growth: NO_GROWTH, bytes, adds: [] } };
  let est: Estimate;
  try {
    est = rule ? await rule(x) : {};
  } catch (e) {
    if (isSandboxError(e)) throw e; // Redis unavailable: the command could not run either
    console.error(`[costs] could not estimate ${upper}:`, e);
    return { refuse: problem("cost:unknown", { command: upper }) };
  }
  const cost = Math.ceil(est.cost ?? 0);
  if (cost > budgets.maxCost) {
    return {
      refuse: problem("cost:command", {
        command: upper,
        units: cost,
        ...(est.detail ? { detail: est.detail } : {}),
        limit: budgets.maxCost,
        hint: est.hint ?? "other",
      }),
    };
  }
  if (tx && tx.cost + cost > budgets.maxCost) {
    return { refuse: problem("tx:cost", { command: upper, units: cost, total: tx.cost + cost, limit: budgets.maxCost }) };
  }
  const growth = grows ? (est.growth ?? defaultGrowth(x)) : NO_GROWTH;
  let admitted = growth;
  if (ctx.quotas && (growth.keys > 0 || growth.bytes > 0)) {
    const what: QuotaWhat = tx && tx.count > 0 ? { command: upper, queuedBefore: tx.count } : { command: upper };
    const refine = async (): Promise<Growth> => {
      const [exist, encoding] = await Promise.all([x.existing(x.created()), est.converts ? x.encoding(est.converts.key) : Promise.resolve(null)]);
      const small = encoding === "intset" || encoding === "listpack" || encoding === "ziplist";
      const keys = tx?.mayRemove ? growth.keys : Math.max(0, growth.keys - exist);
      return (admitted = { keys, bytes: growth.bytes - (est.converts && !small ? est.converts.bytes : 0) });
    };
    const refusal = await ctx.quotas.admit(ctx.conn, ctx.ns, growth, {
      what,
      pending: tx?.growth,
      commit: !tx,
      refine,
      address: ctx.address,
      measured: (ms) => ctx.charge?.(ms * 10_000),
      names: x.created().map((i) => argv[i]),
      admitted: (g) => (admitted = g), // what a transaction's EXEC counts again
    });
    if (refusal) return { refuse: refusal };
  }
  const adds: Array<[string, number]> = (est.adds ?? x.created().map((i) => [i, 1] as [number, number])).map(([i, n]) => [keyId(argv[i]), n]);
  return { charge: { cost, replyBytes, growth: admitted, bytes, adds } };
}

/** Adds a queued command's charge to its transaction. */
export function addToTx(tx: TxTotals, charge: Charge): void {
  tx.count++;
  tx.bytes += charge.bytes;
  tx.cost += charge.cost;
  tx.replyBytes += charge.replyBytes;
  tx.growth = { keys: tx.growth.keys + charge.growth.keys, bytes: tx.growth.bytes + charge.growth.bytes };
  for (const [k, n] of charge.adds) tx.adds.set(k, (tx.adds.get(k) ?? 0) + n);
}

const BUDGET_REFUSALS = new Set<ProblemCode>([
  "cost:command",
  "cost:reply",
  "tx:queued-count",
  "tx:queued-bytes",
  "tx:reply",
  "tx:cost",
  "quota:full",
  "quota:address",
]);

/** True for the refusals above (cost, queue, quota): EXEC then says which. */
export function isBudgetRefusal(p: Problem | undefined): p is Problem {
  return p !== undefined && BUDGET_REFUSALS.has(p.code);
}

interface Estimate {
  cost?: number;
  /** The sizes behind the cost, as the refusal shows them ("2 sets, 120,000 elements"). */
  detail?: CostDetail;
  hint?: CostHint;
  /** What the command may create; absent: the default for its arguments. */
  growth?: Growth;
  /** Per written key (argv index): elements (or string bytes) it may gain. */
  adds?: Array<[number, number]>;
  /** Part of `growth`: a small encoding the write may convert (intset or listpack to a hash table or skiplist), of the key at `key`. */
  converts?: { key: number; bytes: number };
}

type Rule = (x: Args) => Estimate | Promise<Estimate>;

type Kind = "string" | "list" | "set" | "zset" | "hash" | "stream";
const LEN: Record<Kind, string> = { string: "STRLEN", list: "LLEN", set: "SCARD", zset: "ZCARD", hash: "HLEN", stream: "XLEN" };
const ALL_KINDS: Kind[] = ["string", "list", "set", "zset", "hash", "stream"];

/** One command's arguments and its size reads (all sent before any is awaited: one pipeline). */
class Args {
  private reads = new Map<string, Promise<Reply>>();

  constructor(
    private readonly ctx: CostContext,
    readonly cmd: CommandInfo,
    readonly argv: readonly Uint8Array[],
    readonly positions: readonly number[],
  ) {}

  get quotaBytes(): number {
    return this.ctx.quotas?.maxBytes ?? Infinity;
  }

  get maxCost(): number {
    return (this.ctx.budgets ?? currentBudgets()).maxCost;
  }

  get argc(): number {
    return this.argv.length;
  }

  word(i: number): string {
    return redisWord(this.argv[i]);
  }

  /** An integer as Redis's string2ll reads it (no sign +, no leading zeros, no spaces), or NaN. */
  int(i: number): number {
    const a = this.argv[i];
    if (!a || a.length === 0 || a.length > 20) return NaN;
    const t = Buffer.from(a).toString("latin1");
    if (!/^(0|-?[1-9]\d*)$/.test(t)) return NaN;
    const n = BigInt(t);
    if (n > 9223372036854775807n || n < -9223372036854775808n) return NaN;
    return Number(n);
  }

  /** The index of the first argument from `from` that Redis reads as `kw`, or -1. */
  find(kw: string, from = 1): number {
    for (let i = from; i < this.argc; i++) if (isKeyword(this.argv[i], kw)) return i;
    return -1;
  }

  private send(argv: Array<Uint8Array | string>): Promise<Reply> {
    const id = argv.map((a) => (typeof a === "string" ? a : keyId(a))).join("\u0000");
    let r = this.reads.get(id);
    if (!r) {
      r = this.ctx.conn.send(argv);
      this.reads.set(id, r);
    }
    return r;
  }

  private key(i: number): Uint8Array {
    return this.ctx.ns.add(this.argv[i]);
  }

  /** What earlier commands of the transaction may have added to the key at `i`. */
  private pending(i: number): number {
    return this.ctx.tx?.adds.get(keyId(this.argv[i])) ?? 0;
  }

  /** The size of the key at `i` as whichever of `kinds` it is (0 if missing or of another type), and which it is. */
  async typed(i: number, kinds: Kind[]): Promise<{ kind: Kind | null; n: number }> {
    const replies = await Promise.all(kinds.map((k) => this.send([LEN[k], this.key(i)])));
    const at = replies.findIndex((r) => r.t === "integer" && Number(r.v) > 0);
    const n = at >= 0 ? Number((replies[at] as { v: number | bigint }).v) : 0;
    return { kind: at >= 0 ? kinds[at] : null, n: n + this.pending(i) };
  }

  async size(i: number, ...kinds: Kind[]): Promise<number> {
    return (await this.typed(i, kinds)).n;
  }

  /** Inside MULTI every estimate reads sizes: earlier queued commands may have grown the key. */
  get inTx(): boolean {
    return !!this.ctx.tx;
  }

  /**
   * For an index range (start at `from`, stop after it) whose span alone keeps
   * the cost within the budget (both ends of one sign: LRANGE key 0 9), the
   * size is not needed: a length as long as the span stands in for it, and no
   * read is sent. Otherwise the key's size.
   */
  async sizeUnlessSpan(key: number, kind: Kind, weight: number, from = 2): Promise<number> {
    const [start, stop] = [this.int(from), this.int(from + 1)];
    const span = start >= 0 === stop >= 0 ? Math.max(0, stop - start + 1) : Infinity;
    if (span * weight <= this.maxCost && !this.inTx) return start >= 0 ? stop + 1 : -start;
    return this.size(key, kind);
  }

  /**
   * The memory of the key at `i`, 0 if missing. Exact (SAMPLES 0) wherever that
   * is cheap: strings, lists and streams (O(1) or O(their nodes)) and
   * collections of up to EXACT_UP_TO elements (≤ 2 ms; an estimated command
   * that touches more is refused by its cost anyway). Past that, Redis's sample
   * of five elements, `exact: false`: a sample let a hash whose first fields
   * were tiny and the rest 400 KB each count as 6 KB while it held 7 MB, so 40
   * COPYs of it in one MULTI passed the quota (hostile review).
   */
  async memory(i: number): Promise<{ bytes: number; exact: boolean }> {
    const { kind, n } = await this.typed(i, ALL_KINDS);
    if (!kind) return { bytes: 0, exact: true };
    if (kind === "string" || kind === "list" || kind === "stream" || n - this.pending(i) <= EXACT_UP_TO) return { bytes: await this.memExact(i), exact: true };
    const r = await this.send(["MEMORY", "USAGE", this.key(i)]);
    return { bytes: r.t === "integer" ? Number(r.v) : 0, exact: false };
  }

  /** `memory(i)`'s bytes. */
  async mem(i: number): Promise<number> {
    return (await this.memory(i)).bytes;
  }

  /** An integer read about the key at `i` (STRLEN key, HSTRLEN key field, …): 0 when Redis answers anything else. */
  async intRead(name: string, i: number, ...rest: Uint8Array[]): Promise<number> {
    const r = await this.send([name, this.key(i), ...rest]);
    return r.t === "integer" ? Number(r.v) : 0;
  }

  /** Bytes (or elements) earlier queued commands of the transaction may add to the key at `i`. */
  added(i: number): number {
    return this.pending(i);
  }

  /** MEMORY USAGE … SAMPLES 0 of the key at `i`: exact, O(its elements); 0 if missing. */
  async memExact(i: number): Promise<number> {
    const r = await this.send(["MEMORY", "USAGE", this.key(i), "SAMPLES", "0"]);
    return r.t === "integer" ? Number(r.v) : 0;
  }

  /** A count command on the key at `i` (ZCOUNT key min max, …), or null when Redis refuses its arguments. */
  async count(name: string, i: number, ...rest: Uint8Array[]): Promise<number | null> {
    const r = await this.send([name, this.key(i), ...rest]);
    return r.t === "integer" ? Number(r.v) : null;
  }

  /** Pending entries of a stream's consumer group (XPENDING's summary), 0 if none. */
  async pendingEntries(i: number, group: Uint8Array): Promise<number> {
    const r = await this.send(["XPENDING", this.key(i), group]);
    return r.t === "array" && r.v[0]?.t === "integer" ? Number(r.v[0].v) : 0;
  }

  /** Entries a stream's consumer group has not been given yet (XINFO GROUPS "lag"), or null when Redis cannot tell. */
  async lag(i: number, group: Uint8Array): Promise<number | null> {
    const r = await this.send(["XINFO", "GROUPS", this.key(i)]);
    if (r.t !== "array") return null;
    const name = keyId(group);
    for (const g of r.v) {
      if (g.t !== "array") continue;
      const field = (f: string) => g.v[g.v.findIndex((v) => v.t === "bulk" && v.v === f) + 1];
      const n = field("name");
      if (n?.t !== "bulk" || keyId(bulkBytes(n)) !== name) continue;
      const lag = field("lag");
      return lag?.t === "integer" ? Number(lag.v) : null;
    }
    return 0; // no such group: Redis answers NOGROUP
  }

  private createdKeys: number[] | null = null;

  /** Argument indexes of the keys this command may create (key specs that insert, overwrite or update), each key once. */
  created(): number[] {
    if (this.createdKeys) return this.createdKeys;
    let found: number[] = [];
    if (this.cmd.name === "sort" || this.cmd.name === "sort_ro") found = this.positions.slice(1);
    else {
      const writes = this.cmd.keySpecs.filter((s) => s.flags.some((f) => f === "INSERT" || f === "OW" || f === "UPDATE"));
      const read = writes.length ? keyPositions({ ...this.cmd, keySpecs: writes }, this.argv) : null;
      if (read?.ok) found = read.positions;
    }
    return (this.createdKeys = this.distinct(found));
  }

  /** OBJECT ENCODING of the key at `i`, or null when it does not exist. */
  async encoding(i: number): Promise<string | null> {
    const r = await this.ctx.conn.send(["OBJECT", "ENCODING", this.key(i)]);
    return r.t === "bulk" ? r.v : null;
  }

  /** How many of the keys at these indexes exist now. */
  async existing(indexes: number[]): Promise<number> {
    if (indexes.length === 0) return 0;
    const r = await this.ctx.conn.send(["EXISTS", ...indexes.map((i) => this.key(i))]);
    return r.t === "integer" ? Number(r.v) : 0;
  }

  /** Key positions other than the given ones (the sources of a *STORE). */
  others(...skip: number[]): number[] {
    return this.positions.filter((i) => !skip.includes(i));
  }

  /** Distinct key positions (a key named twice is read once but, for costs, counted each time). */
  distinct(indexes: readonly number[]): number[] {
    const seen = new Set<string>();
    return indexes.filter((i) => {
      const k = keyId(this.argv[i]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** Channels with subscribers: in all, and in this namespace with their names' bytes (none known: zeros). */
  channelStats(): { total: number; count: number; bytes: number; patterns: number } {
    return this.ctx.channels?.(this.ctx.ns.prefix) ?? { total: 0, count: 0, bytes: 0, patterns: 0 };
  }

  bytesOf(i: number): number {
    return this.argv[i]?.length ?? 0;
  }
}

// ---------------------------------------------------------------------------
// Growth: what a write may add (upper bounds, in MEMORY USAGE bytes).
// ---------------------------------------------------------------------------

/** A new key: its dictEntry, robj and name, rounded up. */
const KEY = 96;
/** jemalloc rounds an allocation up by at most a quarter. */
const ROUND = 1.25;
/** Per element, beyond its bytes: a hash table's entry and bucket (sets, hashes), a skiplist node too (sorted sets), a listpack entry's header (lists). */
const PER = { set: 96, hash: 96, zset: 160, list: 16, stream: 96 } as const;

/** Memory of a string of n bytes grown in place: Redis doubles the allocation below 1 MiB (sdsMakeRoomFor), adds 1 MiB above. */
function grownString(n: number): number {
  return Math.ceil((n < 1048576 ? 2 * n : n + 1048576) * ROUND) + KEY;
}

const argBytes = (x: Args, from: number) => {
  let n = 0;
  for (let i = from; i < x.argc; i++) n += x.bytesOf(i);
  return n;
};

/** Anything else flagged denyoom: every argument kept, with an element's overhead each, and each written key new. */
function defaultGrowth(x: Args): Growth {
  let bytes = 0;
  for (let i = 1; i < x.argc; i++) bytes += x.bytesOf(i) * ROUND + PER.zset;
  return { keys: x.created().length, bytes: Math.ceil(bytes) + KEY * x.created().length };
}

const newKeys = (x: Args) => x.created().length;

/**
 * A write to a small encoding may convert the whole key (Redis 7.0 defaults):
 * a set of up to 512 integers (intset) to a hash table, a hash of up to 128
 * fields or a sorted set of up to 128 members (listpack) to a hash table or a
 * skiplist: every element it already holds then takes a hash table's or a
 * skiplist's room. Counted until a read shows the key is past it.
 */
const CONVERSION = { set: 512 * PER.set, hash: 128 * PER.hash, zset: 128 * PER.zset } as const;

/** Collections: `elements` added of `bytes` in all. */
const added = (x: Args, kind: keyof typeof PER, elements: number, bytes: number, key = 1): Estimate => {
  const converts = kind === "set" || kind === "hash" || kind === "zset" ? { key, bytes: CONVERSION[kind] } : undefined;
  return {
    growth: { keys: newKeys(x), bytes: Math.ceil(bytes * ROUND + elements * PER[kind]) + KEY + (converts?.bytes ?? 0) },
    adds: [[key, elements]],
    converts,
  };
};

/**
 * A string grown to `target` bytes (SETRANGE, SETBIT, BITFIELD), or by
 * `target` bytes (APPEND). A new key is allocated at its size; an existing
 * one grows in place, with Redis's greedy preallocation.
 */
async function stringTo(x: Args, target: number, append = false): Promise<Estimate> {
  const now = await x.size(1, "string");
  const to = append ? now + target : target;
  if (to <= now) return { growth: NO_GROWTH, adds: [] };
  const bytes = now === 0 ? Math.ceil(to * ROUND) + KEY : grownString(to) - now;
  return { growth: { keys: now === 0 ? newKeys(x) : 0, bytes }, adds: [[1, to - now]] };
}

/** A *STORE's result: at most `elements`, made of members taken from keys whose memory is `sourceBytes`. */
const stored = (x: Args, dest: number, kind: keyof typeof PER, elements: number, sourceBytes: number): Pick<Estimate, "growth" | "adds"> => ({
  growth: { keys: newKeys(x), bytes: Math.ceil(sourceBytes + elements * PER[kind]) + KEY },
  adds: [[dest, elements]],
});

// ---------------------------------------------------------------------------
// The families.
// ---------------------------------------------------------------------------

/** Elements an index range covers in a collection of `len` (LRANGE's and ZRANGE's arithmetic). */
function indexRange(len: number, start: number, stop: number): number {
  if (Number.isNaN(start) || Number.isNaN(stop)) return 0; // Redis refuses the command
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return 0;
  if (stop >= len) stop = len - 1;
  return stop - start + 1;
}

const elements = (n: number, unit: CostUnit = "elements"): CostDetail => ({ parts: [[n, unit]] });

/** LCS: a table of len(a) × len(b) cells (4 bytes each). */
const lcs: Rule = async (x) => {
  const [a, b] = await Promise.all([x.size(1, "string"), x.size(2, "string")]);
  return { cost: (a * b) / 4, detail: { lcs: [a, b] }, hint: "lcs" };
};

/** SORT/SORT_RO, read with Redis's own option loop (sort-args.ts reads the same). */
const sort: Rule = async (x) => {
  let alpha = false;
  let dontsort = false;
  let limit: [number, number] | null = null;
  let store = -1;
  for (let i = 2; i < x.argc; i++) {
    const left = x.argc - i - 1;
    const w = x.word(i);
    if (w === "alpha") alpha = true;
    else if (w === "limit" && left >= 2) {
      limit = [x.int(i + 1), x.int(i + 2)];
      i += 2;
    } else if (w === "store" && left >= 1) store = ++i;
    else if (w === "by" && left >= 1) {
      if (!x.argv[i + 1].includes(0x2a)) dontsort = true;
      i++;
    }
  }
  const [{ kind, n }, mem] = await Promise.all([x.typed(1, ["list", "set", "zset"]), x.mem(1)]);
  // Redis sorts a set anyway when it stores the result (sort.c: "Force ALPHA sorting").
  if (dontsort && kind === "set" && store >= 0) [dontsort, alpha] = [false, true];
  let out = n;
  if (limit && !limit.some(Number.isNaN)) {
    const start = Math.max(0, limit[0]);
    out = limit[1] < 0 ? Math.max(0, n - start) : Math.max(0, Math.min(n, start + limit[1]) - start);
  }
  // Every element is read whole (strtod parses a number, ALPHA compares strings): SORT of 12 numbers of 512 KiB took 25 ms,
  // 4 ns a byte. Exact memory below 10,000 elements (a sample misses the one long element among short ones).
  const bytes = mem; // exact up to EXACT_UP_TO elements (Args.memory)
  const perElement = n > 0 ? bytes / n : 0;
  const compare = dontsort ? 0 : n * log2(n) * (alpha ? 0.3 * (1 + perElement / 64) : 0.2);
  const visited = dontsort && kind === "zset" ? out : n;
  const est: Estimate = {
    cost: visited * 2 + compare + bytes * 0.05,
    detail: { parts: [[n, "elements"]], ...(dontsort ? {} : { sorted: alpha ? "strings" : "numbers" }) },
    hint: "sort",
  };
  Object.assign(est, store >= 0 ? stored(x, store, "list", out, mem) : { growth: NO_GROWTH, adds: [] });
  return est;
};

/** SUNION/SINTER/SDIFF, their STORE forms and SINTERCARD. */
function setAlgebra(op: "union" | "inter" | "diff" | "card", dest: number | null): Rule {
  return async (x) => {
    const keys = dest === null ? x.positions.slice() : x.others(dest);
    const [cards, mems] = await Promise.all([
      Promise.all(keys.map((i) => x.size(i, "set"))),
      dest === null ? Promise.resolve([]) : Promise.all(x.distinct(keys).map((i) => x.mem(i))),
    ]);
    const total = sum(cards);
    const smallest = cards.length ? Math.min(...cards) : 0;
    const k = keys.length;
    const cost =
      op === "union" ? total * 6 : op === "diff" ? total * 3 + (cards[0] ?? 0) * 4 : op === "card" ? smallest * k * 1.5 : smallest * k * 2 + smallest * 4;
    const est: Estimate = {
      cost,
      detail: {
        parts: [
          [k, "sets"],
          [total, "elements"],
        ],
      },
      hint: "sets",
    };
    if (dest !== null) {
      const distinctCards = x.distinct(keys).map((i) => cards[keys.indexOf(i)]);
      const out = op === "union" ? sum(distinctCards) : op === "inter" ? smallest : (cards[0] ?? 0);
      // An intersection's members all come from its smallest set, a difference's from its first: no more than the biggest of them.
      const from = op === "union" ? sum(mems) : op === "inter" ? Math.max(0, ...mems) : (mems[0] ?? 0);
      Object.assign(est, stored(x, dest, "set", out, from));
    }
    return est;
  };
}

/** ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD (inputs may be sets). */
function zsetAlgebra(op: "union" | "inter" | "diff" | "card", dest: number | null): Rule {
  return async (x) => {
    const keys = dest === null ? x.positions.slice() : x.others(dest);
    const [cards, mems] = await Promise.all([
      Promise.all(keys.map((i) => x.size(i, "zset", "set"))),
      dest === null ? Promise.resolve([]) : Promise.all(x.distinct(keys).map((i) => x.mem(i))),
    ]);
    const total = sum(cards);
    const smallest = cards.length ? Math.min(...cards) : 0;
    const first = cards[0] ?? 0;
    const k = keys.length;
    const scores = x.find("withscores", 2) > 0 ? 2 : 0;
    const cost =
      op === "union"
        ? total * log2(total) + total * scores
        : op === "inter"
          ? smallest * (2 * k + log2(smallest) / 2) + smallest * scores
          : op === "diff"
            ? total * 2 + (first * log2(first)) / 4 + first * scores
            : smallest * k;
    const est: Estimate = {
      cost,
      detail: {
        parts: [
          [k, "keys"],
          [total, "elements"],
        ],
      },
      hint: "zsets",
    };
    if (dest !== null) {
      const distinctCards = x.distinct(keys).map((i) => cards[keys.indexOf(i)]);
      const out = op === "union" ? sum(distinctCards) : op === "inter" ? smallest : first;
      Object.assign(est, stored(x, dest, "zset", out, op === "union" ? sum(mems) : Math.max(0, ...mems)));
    }
    return est;
  };
}

/** ZRANGE and its older forms, ZRANGESTORE: the elements in the range (ZCOUNT/ZLEXCOUNT for score and lex ranges). */
function zrange(form: "zrange" | "byscore" | "bylex" | "rev" | "store", revArgs = false): Rule {
  return async (x) => {
    const src = form === "store" ? 2 : 1;
    const [lo, hi] = [src + 1, src + 2];
    let by: "index" | "score" | "lex" = form === "byscore" ? "score" : form === "bylex" ? "lex" : "index";
    let rev = revArgs;
    let limit: [number, number] | null = null;
    let withscores = false;
    for (let i = hi + 1; i < x.argc; i++) {
      const w = x.word(i);
      if (w === "byscore") by = "score";
      else if (w === "bylex") by = "lex";
      else if (w === "rev") rev = true;
      else if (w === "withscores") withscores = true;
      else if (w === "limit" && i + 2 < x.argc) {
        limit = [x.int(i + 1), x.int(i + 2)];
        i += 2;
      }
    }
    const [min, max] = rev ? [x.argv[hi], x.argv[lo]] : [x.argv[lo], x.argv[hi]];
    const [card, inRange, mem] = await Promise.all([
      by === "index" && form !== "store" ? x.sizeUnlessSpan(src, "zset", withscores ? 3 : 1, lo) : x.size(src, "zset"),
      by === "score" ? x.count("ZCOUNT", src, min, max) : by === "lex" ? x.count("ZLEXCOUNT", src, min, max) : Promise.resolve(null),
      form === "store" ? x.mem(src) : Promise.resolve(0),
    ]);
    let n = by === "index" ? indexRange(card, x.int(lo), x.int(hi)) : (inRange ?? card);
    let skipped = 0;
    if (limit && by !== "index" && !limit.some(Number.isNaN)) {
      skipped = Math.min(n, Math.max(0, limit[0]));
      n = limit[1] < 0 ? n - skipped : Math.min(n - skipped, limit[1]);
    }
    const est: Estimate = { cost: n * (withscores ? 3 : 1) + skipped, detail: elements(n), hint: "zrange" };
    if (form === "store") Object.assign(est, stored(x, 1, "zset", n, mem));
    return est;
  };
}

/** Commands that read or remove up to `count` elements (a COUNT argument, or the whole key). */
function upTo(kinds: Kind[], weight: number, countAt: (x: Args) => number | null, hint: CostHint = "count"): Rule {
  return async (x) => {
    const c = countAt(x);
    if (c !== null && (Number.isNaN(c) || c <= 0)) return {}; // Redis refuses it, or it reads nothing
    if (c !== null && c * weight <= x.maxCost && !x.inTx) return { cost: c * weight, detail: elements(c), hint }; // within the budget whatever the key holds: no read
    const len = await x.size(1, ...kinds);
    const n = c === null ? len : Math.min(len, c);
    return { cost: n * weight, detail: elements(n), hint };
  };
}

/** LMPOP/ZMPOP (and their blocking forms): COUNT elements from the first non-empty key. */
function mpop(kind: Kind, weight: number, numkeysAt: number): Rule {
  return async (x) => {
    const at = x.find("count", numkeysAt + 1 + Math.max(0, x.int(numkeysAt)));
    const c = at > 0 ? x.int(at + 1) : 1;
    if (Number.isNaN(c) || c <= 0) return {};
    const lens = await Promise.all(x.positions.map((i) => x.size(i, kind)));
    const n = Math.min(c, Math.max(0, ...lens));
    return { cost: n * weight, detail: elements(n), hint: "count" };
  };
}

/** SSCAN/HSCAN/ZSCAN: COUNT (default 10) buckets of a hash table, or the whole of a small encoding. */
function scanCursor(kind: Kind): Rule {
  return async (x) => {
    let c = 10;
    for (let i = 3; i + 1 < x.argc; i++) if (x.word(i) === "count") c = Math.max(c, x.int(i + 1) || 0);
    const pattern = patternArg(x.cmd, x.argv);
    const w = pattern ? globWeight(pattern) : 0;
    const len = await x.size(1, kind);
    const n = Math.min(len, c);
    if (w <= 0.01) return { cost: n * 4, detail: elements(n), hint: "count" };
    // MATCH with a `*` inside: each name examined is matched in time proportional to its length (glob.ts).
    // A small encoding is returned whole; a hash table gives COUNT buckets, a few more names under a rehash.
    const examined = len <= 128 ? len : Math.min(len, 2 * c);
    // Every name as long as allowed: an average from the key's memory let 7 tiny members hide 1,000 long ones (29 ms a ZSCAN).
    const perName = caps().maxName;
    return { cost: n * 4 + examined * perName * w, detail: { parts: [[examined, "elements"]], matched: true }, hint: "match" };
  };
}

/** A stream's entries cost by their size: 2 per entry, plus 1 per 4 bytes of it (fields and values come back as reply elements). */
async function streamEntries(
  x: Args,
  i: number,
  count: number | null,
  upTo: Promise<number | null> = Promise.resolve(null),
): Promise<{ n: number; cost: number }> {
  const [len, mem, most] = await Promise.all([x.size(i, "stream"), x.mem(i), upTo]);
  const n = Math.min(len, count ?? Infinity, most ?? Infinity);
  const perEntry = 2 + (len > 0 ? mem / len : 0) / 4;
  return { n, cost: n * perEntry };
}

const xrange: Rule = async (x) => {
  let count: number | null = null;
  for (let i = 4; i + 1 < x.argc; i++) if (x.word(i) === "count") count = Math.max(0, x.int(++i));
  if (count === 0 || Number.isNaN(count)) return {}; // COUNT 0 or less: an empty reply
  const { n, cost } = await streamEntries(x, 1, count);
  return { cost, detail: elements(n, "entries"), hint: "stream" };
};

/**
 * XREAD/XREADGROUP: per stream, COUNT entries (0 or none: all of them) after
 * its ID. `$` reads nothing now (it waits for new entries, when it blocks);
 * XREADGROUP's `>` reads what the group has not been given yet (XINFO
 * GROUPS's lag, when Redis knows it). XREADGROUP adds each delivered entry to
 * the group's pending list.
 */
function xread(group: boolean): Rule {
  return async (x) => {
    const streams = x.find("streams");
    let count: number | null = null;
    const at = x.find("count");
    if (at > 0 && at < streams) {
      const c = x.int(at + 1);
      count = Number.isNaN(c) || c <= 0 ? null : c;
    }
    const noack = group && x.find("noack") > 0 && x.find("noack") < streams;
    const groupName = group ? x.argv[x.find("group") + 1] : undefined;
    const per = await Promise.all(
      x.positions.map((i) => {
        const id = redisWord(x.argv[i + x.positions.length]);
        if (!group && id === "$") return { n: 0, cost: 0 };
        return streamEntries(x, i, count, group && id === ">" && groupName ? x.lag(i, groupName) : undefined);
      }),
    );
    const n = sum(per.map((p) => p.n));
    const est: Estimate = { cost: sum(per.map((p) => p.cost)), detail: elements(n, "entries"), hint: "stream" };
    if (group) est.growth = { keys: 0, bytes: (noack ? 0 : n * PER.stream) + x.positions.length * 256 };
    return est;
  };
}

/** GEOSEARCH, GEORADIUS and the rest: every point of the key is a candidate; sorted when ASC/DESC/COUNT asks for it. */
function geo(src: number, store: "none" | "dest1" | "keyword"): Rule {
  return async (x) => {
    const [n, mem] = await Promise.all([x.size(src, "zset"), store === "none" ? Promise.resolve(0) : x.mem(src)]);
    const sorted = ["asc", "desc", "count"].some((w) => x.find(w, src + 1) > 0);
    const est: Estimate = { cost: n * 4 + (sorted ? (n * log2(n)) / 2 : 0), detail: elements(n, "points"), hint: "geo" };
    const dest = store === "dest1" ? 1 : store === "keyword" ? (x.others(src)[0] ?? -1) : -1;
    Object.assign(est, dest > 0 ? stored(x, dest, "zset", n, mem) : { growth: NO_GROWTH, adds: [] });
    return est;
  };
}

/** BITCOUNT/BITPOS over [start, end] (BYTE or BIT units), or the whole string. */
function bitRange(startAt: number): Rule {
  return async (x) => {
    // A string is never bigger than the namespace's quota: below the budget even whole, it needs no read.
    if (x.quotaBytes * 0.003 <= x.maxCost) return {};
    const len = await x.size(1, "string");
    let n = len;
    if (x.argc > startAt + 1) {
      const bit = x.word(startAt + 2) === "bit";
      const total = bit ? len * 8 : len;
      n = indexRange(total, x.int(startAt), x.int(startAt + 1));
      if (bit) n = Math.ceil(n / 8);
    } else if (x.argc > startAt) {
      n = indexRange(len, x.int(startAt), -1);
    }
    return { cost: n * 0.003, detail: elements(n, "bytes"), hint: "bits" };
  };
}

const bitop: Rule = async (x) => {
  const sources = x.others(2);
  const lens = await Promise.all(sources.map((i) => x.size(i, "string")));
  const longest = Math.max(0, ...lens);
  return {
    cost: sum(lens) * 0.015,
    detail: {
      parts: [
        [sources.length, "strings"],
        [sum(lens), "bytes"],
      ],
    },
    hint: "bits",
    growth: { keys: newKeys(x), bytes: Math.ceil(longest * ROUND) + KEY },
    adds: [[2, longest]],
  };
};

/** HyperLogLogs: each key's 16,384 registers merged (PFCOUNT of several keys, PFMERGE). */
const HLL_BYTES = 12304 + KEY;
const hll =
  (dest: boolean): Rule =>
  (x) => {
    const k = x.positions.length;
    const est: Estimate = { cost: k * 450, detail: elements(k, "keys"), hint: "hll" };
    if (dest) Object.assign(est, { growth: { keys: newKeys(x), bytes: HLL_BYTES }, adds: [] });
    return est;
  };

/** COPY and DUMP: the whole value, element by element (strings: byte by byte). */
function wholeValue(copy: boolean): Rule {
  return async (x) => {
    const [{ kind, n }, mem] = await Promise.all([x.typed(1, ALL_KINDS), x.mem(1)]);
    const cost = copy
      ? kind === "string"
        ? n * (n < OVERSIZE ? 0.005 : 0.015)
        : kind === "list"
          ? n * 0.3
          : kind === "stream"
            ? mem * 0.06
            : n * 4
      : kind === "string" || kind === "list" || kind === "stream"
        ? mem * 0.03
        : n * 6;
    const est: Estimate = { cost, detail: elements(n, kind === "string" ? "bytes" : "elements"), hint: "copy" };
    if (copy) Object.assign(est, { growth: { keys: newKeys(x), bytes: mem + x.bytesOf(2) + KEY }, adds: [[2, n]] });
    return est;
  };
}

/** jemalloc's oversize threshold: a copy of 8 MiB or more is allocated afresh, page by page (COPY of an 8 MiB string: 88–123 ms, of 4 MiB: 0.3 ms). */
const OVERSIZE = 8 * 1048576;

/** LOLWUT, read as lolwutCommand reads it: VERSION's number cast to unsigned int; 5 and 6 draw, clamped as Redis clamps. */
const lolwut: Rule = (x) => {
  let args = 1;
  let version = 7;
  if (x.argc >= 3 && x.word(1) === "version") {
    const v = x.int(2);
    if (Number.isNaN(v)) return {};
    version = Number(BigInt.asUintN(32, BigInt(v)));
    args = 3;
  }
  const arg = (i: number, def: number, lo: number, hi: number) => {
    if (x.argc <= args + i) return def;
    const n = x.int(args + i);
    return Number.isNaN(n) ? NaN : Math.min(hi, Math.max(lo, n));
  };
  if (version === 5) {
    const [cols, perRow, perCol] = [arg(0, 66, 1, 1000), arg(1, 8, 1, 200), arg(2, 12, 1, 200)];
    if ([cols, perRow, perCol].some(Number.isNaN)) return {};
    const width = cols * 2;
    const padding = width > 4 ? 2 : 0;
    const height = Math.floor(((width - padding * 2) / perRow) * perCol + padding * 2);
    return { cost: width * height * 0.25, detail: elements(width * height, "pixels"), hint: "lolwut" };
  }
  if (version === 6) {
    const [cols, rows] = [arg(0, 80, 1, 1000), arg(1, 20, 1, 1000)];
    if ([cols, rows].some(Number.isNaN)) return {};
    return { cost: cols * rows * 4, detail: elements(cols * rows, "cells"), hint: "lolwut" };
  }
  return {};
};

/** MEMORY USAGE key SAMPLES n: n elements looked at (0: all of them). */
const memoryUsage: Rule = async (x) => {
  const at = x.find("samples", 3);
  if (at < 0) return {};
  const s = x.int(at + 1);
  if (Number.isNaN(s) || s < 0) return {};
  const n = await x.size(2, "list", "set", "zset", "hash", "stream");
  const looked = s === 0 ? n : Math.min(s, n);
  return { cost: looked * 1.6, detail: elements(looked), hint: "samples" };
};

/** XPENDING's extended form and XAUTOCLAIM: up to COUNT pending entries (of the group's pending list). */
const xpending: Rule = async (x) => {
  if (x.argc < 6) return {};
  const idle = x.word(3) === "idle";
  const c = x.int(idle ? 7 : 5);
  if (Number.isNaN(c) || c <= 0) return {};
  const pel = await x.pendingEntries(1, x.argv[2]);
  const n = Math.min(c, pel);
  return { cost: n * 4, detail: elements(n, "entries"), hint: "count" };
};

const xautoclaim: Rule = async (x) => {
  const at = x.find("count", 6);
  const c = at > 0 ? x.int(at + 1) : 100;
  if (Number.isNaN(c) || c <= 0) return {};
  const pel = await x.pendingEntries(1, x.argv[2]);
  return { cost: Math.min(10 * c, pel) + Math.min(c, pel) * 4, detail: elements(Math.min(c, pel), "entries"), hint: "count" };
};

const xinfoStream: Rule = async (x) => {
  if (x.word(3) !== "full") return {};
  const at = x.find("count", 4);
  const c = at > 0 ? x.int(at + 1) : 10;
  if (Number.isNaN(c)) return {};
  const { n, cost } = await streamEntries(x, 2, c === 0 ? null : Math.max(0, c));
  return { cost, detail: elements(n, "entries"), hint: "xinfo" };
};

/** A count argument at `i` (SPOP, LPOP, ZPOPMIN …): one element when it is absent. */
const countArg = (i: number) => (x: Args) => (x.argc > i ? x.int(i) : 1);
/** SRANDMEMBER/HRANDFIELD/ZRANDMEMBER: a negative count is capped by sizeLimit; a positive one reads up to the whole key. */
const randCount = (x: Args) => {
  const c = x.argc > 2 ? x.int(2) : 1;
  return Number.isNaN(c) ? c : Math.abs(c);
};

/**
 * PUBSUB CHANNELS/SHARDCHANNELS pattern: Redis matches every channel with a
 * subscriber on the server against the namespace's pattern; another
 * namespace's fails at the prefix (≈ 0.2 units), this one's costs its name
 * times the pattern's weight (glob.ts). Channels as this process's subscriber
 * hub knows them (scenario workers' and other instances' are not counted).
 */
const pubsubChannels: Rule = (x) => {
  const pattern = x.argv[2];
  const { total, count, bytes } = x.channelStats();
  const w = pattern ? globWeight(pattern) : 0.01;
  return { cost: total * 0.2 + count * 4 + bytes * w, detail: { channels: count, total }, hint: "match" };
};

/**
 * COMMAND, COMMAND INFO and COMMAND DOCS without names describe every command
 * of the server: 0.7 / 0.7 / 0.9 ms of Redis (SLOWLOG, Redis 7.0.15) and a
 * reply of about 230 / 230 / 300 KB, which a MULTI could repeat a hundred times.
 */
const WHOLE_TABLE: Record<string, { cost: number; bytes: number }> = {
  command: { cost: 7_000, bytes: 240_000 },
  "command|info": { cost: 7_000, bytes: 240_000 },
  "command|docs": { cost: 9_200, bytes: 310_000 },
};
const wholeTable: Rule = (x) => {
  const first = x.cmd.name === "command" ? 1 : 2;
  if (x.argc > first) return {}; // named commands: a few hundred bytes each
  return { cost: WHOLE_TABLE[x.cmd.name].cost, detail: { table: true }, hint: "command" };
};

/**
 * PUBLISH/SPUBLISH: Redis sends the whole message once per subscription it
 * reaches: the channel (this process's hub holds one) and each of the
 * namespace's live patterns that match (all are counted). A 512 KiB message
 * reaching 100 patterns overflowed the hub's 32 MB pub/sub output limit, and
 * Redis cut every visitor's streams (hostile review). One unit per 32 bytes
 * sent: the budget allows about 1.6 MB per message.
 */
const publish: Rule = (x) => {
  const deliveries = 1 + x.channelStats().patterns;
  const bytes = x.bytesOf(2) * deliveries;
  return {
    cost: bytes / 32,
    detail: { publish: x.bytesOf(2), subscriptions: deliveries },
    hint: "publish",
  };
};

const RULES: Record<string, Rule> = {
  publish,
  spublish: publish,
  command: wholeTable,
  "command|info": wholeTable,
  "command|docs": wholeTable,
  "pubsub|channels": pubsubChannels,
  "pubsub|shardchannels": pubsubChannels,
  lcs,
  sort,
  sort_ro: sort,
  sunion: setAlgebra("union", null),
  sinter: setAlgebra("inter", null),
  sdiff: setAlgebra("diff", null),
  sintercard: setAlgebra("card", null),
  sunionstore: setAlgebra("union", 1),
  sinterstore: setAlgebra("inter", 1),
  sdiffstore: setAlgebra("diff", 1),
  zunion: zsetAlgebra("union", null),
  zinter: zsetAlgebra("inter", null),
  zdiff: zsetAlgebra("diff", null),
  zintercard: zsetAlgebra("card", null),
  zunionstore: zsetAlgebra("union", 1),
  zinterstore: zsetAlgebra("inter", 1),
  zdiffstore: zsetAlgebra("diff", 1),
  lrange: async (x) => {
    const n = indexRange(await x.sizeUnlessSpan(1, "list", 1), x.int(2), x.int(3));
    return { cost: n, detail: elements(n), hint: "list" };
  },
  zrange: zrange("zrange"),
  zrevrange: zrange("rev", false),
  zrangebyscore: zrange("byscore"),
  zrevrangebyscore: zrange("byscore", true),
  zrangebylex: zrange("bylex"),
  zrevrangebylex: zrange("bylex", true),
  zrangestore: zrange("store"),
  smembers: upTo(["set"], 4, () => null, "smembers"),
  hgetall: upTo(["hash"], 4, () => null, "hash"),
  hkeys: upTo(["hash"], 4, () => null, "hash"),
  hvals: upTo(["hash"], 4, () => null, "hash"),
  srandmember: upTo(["set"], 4, randCount),
  hrandfield: upTo(["hash"], 4, randCount),
  zrandmember: upTo(["zset"], 4, randCount),
  spop: upTo(["set"], 4, countArg(2)),
  lpop: upTo(["list"], 1, countArg(2)),
  rpop: upTo(["list"], 1, countArg(2)),
  zpopmin: upTo(["zset"], 3, countArg(2)),
  zpopmax: upTo(["zset"], 3, countArg(2)),
  lmpop: mpop("list", 1, 1),
  blmpop: mpop("list", 1, 2),
  zmpop: mpop("zset", 3, 1),
  bzmpop: mpop("zset", 3, 2),
  sscan: scanCursor("set"),
  hscan: scanCursor("hash"),
  zscan: scanCursor("zset"),
  lpos: async (x) => {
    const at = x.find("maxlen", 3);
    const m = at > 0 ? x.int(at + 1) : 0;
    const len = await x.size(1, "list");
    const n = m > 0 ? Math.min(m, len) : len;
    return { cost: n * 0.5, detail: elements(n), hint: "scan" };
  },
  lrem: upTo(["list"], 0.5, () => null, "lrem"),
  zremrangebyrank: async (x) => {
    const n = indexRange(await x.sizeUnlessSpan(1, "zset", 3), x.int(2), x.int(3));
    return { cost: n * 3, detail: elements(n), hint: "remove" };
  },
  zremrangebyscore: async (x) => {
    const n = (await x.count("ZCOUNT", 1, x.argv[2], x.argv[3])) ?? 0;
    return { cost: n * 3, detail: elements(n), hint: "remove" };
  },
  zremrangebylex: async (x) => {
    const n = (await x.count("ZLEXCOUNT", 1, x.argv[2], x.argv[3])) ?? 0;
    return { cost: n * 3, detail: elements(n), hint: "remove" };
  },
  xrange,
  xrevrange: xrange,
  xread: xread(false),
  xreadgroup: xread(true),
  "xinfo|stream": xinfoStream,
  xpending,
  xautoclaim,
  geosearch: geo(1, "none"),
  geosearchstore: geo(2, "dest1"),
  georadius: geo(1, "keyword"),
  georadiusbymember: geo(1, "keyword"),
  georadius_ro: geo(1, "none"),
  georadiusbymember_ro: geo(1, "none"),
  bitcount: bitRange(2),
  bitpos: bitRange(3),
  bitop,
  pfcount: hll(false),
  pfmerge: hll(true),
  copy: wholeValue(true),
  dump: wholeValue(false),
  "memory|usage": memoryUsage,
  lolwut,
  // Writes whose growth needs a size (or a careful reading of the arguments); their cost is bounded by their arguments.
  append: (x) => stringTo(x, x.bytesOf(2), true),
  setrange: (x) => {
    const off = x.int(2);
    if (Number.isNaN(off) || off < 0 || x.bytesOf(3) === 0) return { growth: NO_GROWTH, adds: [] };
    return stringTo(x, off + x.bytesOf(3));
  },
  setbit: (x) => {
    const bit = x.int(2);
    if (Number.isNaN(bit) || bit < 0) return { growth: NO_GROWTH, adds: [] };
    return stringTo(x, Math.floor(bit / 8) + 1);
  },
  bitfield: (x) => {
    let target = 0;
    for (let i = 2; i < x.argc; i++) {
      const op = x.word(i);
      if (op !== "set" && op !== "incrby") continue;
      const bits = Number(x.word(i + 1).slice(1));
      const raw = x.argv[i + 2] ? Buffer.from(x.argv[i + 2]).toString("latin1") : "";
      const offset = raw.startsWith("#") ? Number(raw.slice(1)) * bits : Number(raw);
      if (Number.isFinite(offset) && Number.isFinite(bits) && offset >= 0) target = Math.max(target, Math.floor((offset + bits - 1) / 8) + 1);
    }
    return target > 0 ? stringTo(x, target) : { growth: NO_GROWTH, adds: [] };
  },
  smove: (x) => added(x, "set", 1, x.bytesOf(3), 2),
  rename: () => ({ growth: NO_GROWTH, adds: [] }),
  renamenx: () => ({ growth: NO_GROWTH, adds: [] }),
  lmove: (x) => ({ growth: { keys: newKeys(x), bytes: 0 }, adds: [[2, 1]] }),
  rpoplpush: (x) => ({ growth: { keys: newKeys(x), bytes: 0 }, adds: [[2, 1]] }),
  blmove: (x) => ({ growth: { keys: newKeys(x), bytes: 0 }, adds: [[2, 1]] }),
  brpoplpush: (x) => ({ growth: { keys: newKeys(x), bytes: 0 }, adds: [[2, 1]] }),
};

/**
 * Writes not flagged denyoom that grow a namespace all the same: XREADGROUP adds to the group's pending list; SMOVE may
 * convert its destination; XCLAIM and XAUTOCLAIM create the consumer they name (a new name each time grew a stream
 * past its quota in the hostile review).
 */
const GROWS_WITHOUT_DENYOOM = new Set(["xreadgroup", "smove", "xclaim", "xautoclaim"]);

/** Growth of the common writes, from their arguments alone (no size read). */
const STRING_PAIRS: Record<string, [first: number, step: number, valueOffset: number]> = {
  set: [1, Infinity, 1],
  setnx: [1, Infinity, 1],
  getset: [1, Infinity, 1],
  setex: [1, Infinity, 2],
  psetex: [1, Infinity, 2],
  mset: [1, 2, 1],
  msetnx: [1, 2, 1],
};
for (const [name, [first, step, valueOffset]] of Object.entries(STRING_PAIRS)) {
  RULES[name] = (x) => {
    let bytes = 0;
    for (let i = first; i < x.argc; i += step) bytes += (x.bytesOf(i) + x.bytesOf(i + valueOffset)) * ROUND + KEY;
    return { growth: { keys: newKeys(x), bytes: Math.ceil(bytes) }, adds: x.created().map((i) => [i, x.bytesOf(i + valueOffset)]) };
  };
}
for (const name of ["incr", "decr", "incrby", "decrby", "incrbyfloat"]) {
  RULES[name] = (x) => ({ growth: { keys: newKeys(x), bytes: Math.ceil(x.bytesOf(1) * ROUND) + KEY + 32 }, adds: [] });
}
for (const name of ["lpush", "rpush", "lpushx", "rpushx"]) RULES[name] = (x) => added(x, "list", x.argc - 2, argBytes(x, 2));
RULES.linsert = async (x) => ({ ...(await upTo(["list"], 0.5, () => null, "linsert")(x)), ...added(x, "list", 1, x.bytesOf(4)) });
RULES.lset = (x) => added(x, "list", 1, x.bytesOf(3));
RULES.sadd = (x) => added(x, "set", x.argc - 2, argBytes(x, 2));
for (const name of ["hset", "hmset"]) RULES[name] = (x) => added(x, "hash", Math.floor((x.argc - 2) / 2), argBytes(x, 2));
RULES.hsetnx = (x) => added(x, "hash", 1, argBytes(x, 2));
RULES.hincrby = (x) => added(x, "hash", 1, x.bytesOf(2) + 24);
RULES.hincrbyfloat = RULES.hincrby;
/** ZADD/GEOADD: options first (NX XX GT LT CH INCR), then score-member pairs or lon-lat-member triples. */
function scored(per: number): Rule {
  return (x) => {
    let i = 2;
    while (i < x.argc && ["nx", "xx", "gt", "lt", "ch", "incr"].includes(x.word(i))) i++;
    return added(x, "zset", Math.floor((x.argc - i) / per), argBytes(x, i));
  };
}
RULES.zadd = scored(2);
RULES.geoadd = scored(3);
RULES.zincrby = (x) => added(x, "zset", 1, x.bytesOf(3));
RULES.xadd = (x) => added(x, "stream", 1, argBytes(x, 2));
RULES.pfadd = (x) => ({ growth: { keys: newKeys(x), bytes: HLL_BYTES }, adds: [] });

// ---------------------------------------------------------------------------
// Replies: what Redis builds in memory before it sends it (PLAYGROUND_MAX_BUILT_REPLY_BYTES).
// A command reads at most its keys' data, which the quota bounds, except the
// few that repeat a value; a transaction's replies add up.
// ---------------------------------------------------------------------------

/** A bulk string's framing ($<len>\r\n … \r\n) and an array element's, rounded up. */
const FRAME = 16;

/** Inside MULTI, any command with keys: at most its keys' memory (each time it is named), with what queued writes add. */
const keysRead = async (x: Args): Promise<number> => {
  // A sampled collection may hide one element as long as an argument can be (HGET of it, queued a hundred times).
  const mems = await Promise.all(x.positions.map((i) => x.memory(i).then((m) => m.bytes + (m.exact ? 0 : 512 * 1024))));
  return sum(mems) + sum(x.positions.map((i) => x.added(i))) + FRAME * x.positions.length;
};

/** Writes whose reply carries data (the rest answer OK or a number). */
const DATA_WRITES = new Set([
  "getset",
  "getdel",
  "getex",
  "lpop",
  "rpop",
  "spop",
  "zpopmin",
  "zpopmax",
  "lmpop",
  "zmpop",
  "lmove",
  "rpoplpush",
  "xautoclaim",
  "xclaim",
  "xreadgroup",
  "sort",
]);
function returnsData(cmd: CommandInfo, argv: readonly Uint8Array[]): boolean {
  if (!cmd.flags.has("write")) return true;
  if (cmd.name === "set") return argv.slice(3).some((a) => isKeyword(a, "get"));
  return DATA_WRITES.has(cmd.name);
}

const tableReply = async (x: Args): Promise<number> => (x.argc > (x.cmd.name === "command" ? 1 : 2) ? (x.argc - 2) * 2_000 : WHOLE_TABLE[x.cmd.name].bytes);

const REPLY_RULES: Record<string, (x: Args) => Promise<number>> = {
  command: tableReply,
  "command|info": tableReply,
  "command|docs": tableReply,
  // Every key each time it is named: MGET k k k … builds k's value that many times.
  mget: async (x) => sum(await Promise.all(x.positions.map((i) => x.intRead("STRLEN", i).then((n) => n + x.added(i) + FRAME)))),
  // Every field each time it is named.
  hmget: async (x) => {
    const fields = x.argv.slice(2);
    return sum(await Promise.all(fields.map((f) => x.intRead("HSTRLEN", 1, f).then((n) => n + FRAME))));
  },
  // A negative count may repeat fields (and values): as many times the average field with its value.
  hrandfield: async (x) => {
    const c = x.argc > 2 ? x.int(2) : 1;
    if (Number.isNaN(c) || c >= 0) return keysRead(x);
    const [len, mem] = await Promise.all([x.size(1, "hash"), x.mem(1)]);
    return len > 0 ? -c * (mem / len + 2 * FRAME) : 0;
  },
};
