import { bulkBytes, type Reply } from "@/lib/resp/reply";
import type { Sender } from "./acl-users";
import type { CommandInfo } from "./command-table";
import { keyPositions } from "./key-specs";
import { pageForPattern } from "./glob";
import type { Namespace } from "./namespace";

/**
 * The per-namespace index of key names, so that listing a namespace (KEYS,
 * SCAN, DBSIZE, RANDOMKEY, FLUSHDB, INFO keyspace, the quota's measure, the
 * key inspector, reset, the reaper) costs O(its own keys), never O(the whole
 * keyspace). docs/architecture.md "The key index" has the reasoning.
 *
 * In Redis, under the app's own ACL user (a visitor's key is always prefixed
 * with `pg:{id}:`, so no visitor can name these), each with the namespace's
 * hash tag, so on a Redis Cluster all of them live in the namespace's slot:
 * - `app:idx:<prefix>` (the prefix without its trailing colon): a SET of the
 *   unprefixed names of every key that may exist — a superset, kept so by
 *   adding a command's names *before* the command is sent (`mark`, called by
 *   plan() for every command that can create a key);
 * - `app:idx:fresh:<prefix>`: a ZSET of the names marked in the last
 *   `graceMs`, with the time, so a name whose write is still on its way (a
 *   blocking BLMOVE's destination, a command in flight) is never pruned;
 * - `app:idx:built:<prefix>`: set once the index is known to hold every key:
 *   a namespace without it (data from before the index, keys a test planted
 *   with the admin connection) is built once with the old SCAN MATCH walk —
 *   unless `app:idx:complete` is set: `migrateKeyIndex` walks the keyspace
 *   once per Redis (at the app's start) and indexes every namespace, so a new
 *   visitor never pays a walk (a hostile one could otherwise make Redis walk
 *   500,000 keys per new session).
 *
 * Pruned lazily: whoever lists the namespace asks Redis whether each name
 * still exists (through the namespace's own sender, as its ACL user), and
 * names that are gone and were not marked lately are removed.
 */

/** Names per SSCAN page, UNLINK and SADD batch. */
export const BATCH = 1000;
/** The largest COUNT an emulated SCAN passes on to SSCAN. */
export const MAX_SCAN_COUNT = 1000;

export interface IndexHost {
  /** The app's own connection (app:* keys only): where the index lives. */
  appConn: Sender;
  /** The deadlines that bound how late a marked write can land (lib/config.ts). */
  config?: { maxBlockSeconds: number; redisTimeoutMs: number };
}

/**
 * How a listing asks whether a name still exists, through the namespace's own
 * sender: one command per name, whose reply the caller may use as well (the
 * quota reads MEMORY USAGE, INFO reads PTTL, SCAN … TYPE reads TYPE).
 */
export interface Probe {
  argv(key: Uint8Array): (string | Uint8Array)[];
  missing(r: Reply): boolean;
}

export const EXISTS: Probe = { argv: (k) => ["EXISTS", k], missing: (r) => r.t === "integer" && Number(r.v) === 0 };
export const PTTL: Probe = { argv: (k) => ["PTTL", k], missing: (r) => r.t === "integer" && Number(r.v) === -2 };
export const TYPE: Probe = { argv: (k) => ["TYPE", k], missing: (r) => r.t === "status" && r.v === "none" };
/**
 * Exact (SAMPLES 0): a sample of five elements let a hash whose first five
 * fields were tiny and the rest 400 KB each measure 10 KB while it held 87 MB,
 * ten times the quota (the hostile review). Exact costs O(the key's elements),
 * at most the namespace's ≈ 130,000 smallest elements: ≈ 10–20 ms, at most
 * once every 250 ms per namespace near its quota (limits.ts REMEASURE_MS).
 */
export const MEMORY_USAGE: Probe = { argv: (k) => ["MEMORY", "USAGE", k, "SAMPLES", "0"], missing: (r) => r.t === "nil" };

/** A name that exists, unprefixed, with its probe's reply. */
export interface Found {
  name: Uint8Array;
  reply: Reply;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
const names = (r: Reply | undefined): Uint8Array[] => (r && r.t === "array" ? r.v.flatMap((x) => (x.t === "bulk" ? [bulkBytes(x)] : [])) : []);

export class KeyIndex {
  /** A name marked this recently is never pruned: longer than any write can take to land after its mark. */
  readonly graceMs: number;
  /** Builds in progress in this process, by prefix: concurrent listings share one walk. */
  private building = new Map<string, Promise<void>>();
  /** Names written by commands queued in an open MULTI, by console tab: marked again at EXEC. */
  private queued = new Map<string, { ns: Namespace; names: Map<string, Uint8Array> }>();

  constructor(
    readonly app: Sender,
    opts: { graceMs?: number } = {},
  ) {
    this.graceMs = opts.graceMs ?? 60_000;
  }

  static setKey(ns: Namespace): string {
    return `app:idx:${bare(ns)}`;
  }

  static freshKey(ns: Namespace): string {
    return `app:idx:fresh:${bare(ns)}`;
  }

  static builtKey(ns: Namespace): string {
    return `app:idx:built:${bare(ns)}`;
  }

  /**
   * Called by plan() after the rewrite, before the command is sent: the names
   * it may create join the index (one round trip on the app connection). A
   * MULTI/EXEC/DISCARD of a console tab (`client`) is followed as well: the
   * names of commands queued in a MULTI are marked again at EXEC, since the
   * transaction may stay open longer than the grace. Returns the app
   * connection's error (OOM under maxmemory), which refuses the command: a
   * key must never exist outside its index.
   */
  async beforeRun(ns: Namespace, cmd: CommandInfo, argv: readonly Uint8Array[], positions: readonly number[], client?: string): Promise<string | null> {
    const tab = client ? `${client}\u0000${ns.prefix}` : null;
    if (tab && cmd.name === "multi") {
      if (!this.queued.has(tab)) {
        // Bounded: an entry outlives its transaction only when the lease ended without EXEC or DISCARD.
        if (this.queued.size >= 2_000) this.queued.delete(this.queued.keys().next().value!);
        this.queued.set(tab, { ns, names: new Map() });
      }
      return null;
    }
    if (tab && (cmd.name === "exec" || cmd.name === "discard")) {
      const open = this.queued.get(tab);
      this.queued.delete(tab);
      return cmd.name === "exec" && open ? this.mark(ns, [...open.names.values()]) : null;
    }
    if (!cmd.flags.has("write")) return null;
    const created = creatingPositions(cmd, argv, positions).map((i) => argv[i]);
    if (created.length === 0) return null;
    const open = tab ? this.queued.get(tab) : undefined;
    if (open) for (const n of created) if (open.names.size < 10_000) open.names.set(latin1(n), n); // ten times the default key quota
    return this.mark(ns, created);
  }

  /** Adds names to the index (and to the fresh list), before the write that may create them is sent; returns Redis's error, if any. */
  async mark(ns: Namespace, keys: readonly Uint8Array[]): Promise<string | null> {
    if (keys.length === 0) return null;
    const now = Date.now();
    const fresh = KeyIndex.freshKey(ns);
    // One pipeline on one connection, in this order: the fresh mark lands
    // before the index entry (prune() relies on it).
    const replies = await Promise.all([
      this.app.send(["ZADD", fresh, ...keys.flatMap((k) => [String(now), k])]),
      this.app.send(["SADD", KeyIndex.setKey(ns), ...keys]),
      this.app.send(["ZREMRANGEBYSCORE", fresh, "-inf", `(${now - this.graceMs}`]),
      this.app.send(["PEXPIRE", fresh, String(this.graceMs * 2)]),
    ]);
    for (const r of replies) if (r.t === "error") return r.v;
    return null;
  }

  /**
   * Every key of the namespace that exists, page by page (SSCAN of the index,
   * MATCH `pattern` if given, Redis's own glob), each asked with `probe`
   * through `conn` (the namespace's sender); names that are gone are pruned.
   */
  async walk(conn: Sender, ns: Namespace, probe: Probe, onPage: (found: Found[]) => void | Promise<void>, pattern?: Uint8Array): Promise<void> {
    const seen = new Set<string>(); // SSCAN may return a name twice (a rehash)
    let cursor = "0";
    do {
      const page = await this.page(conn, ns, cursor, pattern, pageForPattern(pattern, BATCH));
      cursor = page.cursor;
      const fresh = page.names.filter((n) => {
        const k = latin1(n);
        return seen.has(k) ? false : (seen.add(k), true);
      });
      if (fresh.length) await onPage(await this.probe(conn, ns, fresh, probe));
    } while (cursor !== "0");
  }

  /** Every existing key's name (unprefixed), optionally those matching a glob. */
  async list(conn: Sender, ns: Namespace, pattern?: Uint8Array): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    await this.walk(conn, ns, EXISTS, (found) => void out.push(...found.map((f) => f.name)), pattern);
    return out;
  }

  /**
   * One emulated SCAN call: one SSCAN page of the index (its cursor is the
   * reply's; "0" when the namespace is exhausted), the names that exist (and
   * are of `type`, if given).
   */
  async scan(
    conn: Sender,
    ns: Namespace,
    cursor: string,
    opts: { pattern?: Uint8Array; count: number; type?: string },
  ): Promise<{ cursor: string; names: Uint8Array[] }> {
    const page = await this.page(conn, ns, cursor, opts.pattern, pageForPattern(opts.pattern, Math.min(opts.count, MAX_SCAN_COUNT)));
    const { type } = opts;
    const found = await this.probe(conn, ns, page.names, type === undefined ? EXISTS : TYPE);
    const kept = type === undefined ? found : found.filter((f) => f.reply.t === "status" && f.reply.v.toLowerCase() === type);
    return { cursor: page.cursor, names: kept.map((f) => f.name) };
  }

  /** A random existing key's name, or null when the namespace is empty. */
  async random(conn: Sender, ns: Namespace): Promise<Uint8Array | null> {
    await this.ensureBuilt(conn, ns);
    for (let attempt = 0; attempt < 3; attempt++) {
      const sample = names(await this.app.send(["SRANDMEMBER", KeyIndex.setKey(ns), "5"]));
      if (sample.length === 0) return null;
      const found = await this.probe(conn, ns, sample, EXISTS);
      if (found.length) return found[Math.floor(Math.random() * found.length)].name;
    }
    // Mostly names of deleted keys (pruned by now, unless marked lately): list them all.
    const all = await this.list(conn, ns);
    return all.length ? all[Math.floor(Math.random() * all.length)] : null;
  }

  /** Deletes every key of the namespace (UNLINK, as its own user, in batches); returns how many there were. */
  async deleteAll(conn: Sender, ns: Namespace): Promise<number> {
    let n = 0;
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const page = await this.page(conn, ns, cursor, undefined, BATCH);
      cursor = page.cursor;
      const batch = page.names.filter((k) => {
        const key = latin1(k);
        return seen.has(key) ? false : (seen.add(key), true);
      });
      if (batch.length === 0) continue;
      const r = await conn.send(["UNLINK", ...batch.map((k) => ns.add(k))]);
      if (r.t !== "integer") throw new Error(`UNLINK failed: ${JSON.stringify(r).slice(0, 200)}`);
      n += Number(r.v);
      // Every name is gone now: a write that re-creates one was marked lately, and prune() keeps those.
      await this.prune(ns, batch);
    } while (cursor !== "0");
    return n;
  }

  /** Forgets a namespace for good (reaped session, ended room): its index, fresh list and marker. */
  async drop(ns: Namespace): Promise<void> {
    const r = await this.app.send(["DEL", KeyIndex.setKey(ns), KeyIndex.freshKey(ns), KeyIndex.builtKey(ns)]);
    if (r.t === "error") throw new Error(`DEL of the key index failed: ${r.v}`);
  }

  /** Whether the namespace's index holds every key: its own marker, or the whole keyspace migrated. */
  private async isBuilt(ns: Namespace): Promise<boolean> {
    const one = (r: Reply) => r.t === "integer" && Number(r.v) === 1;
    const [mine, all] = await Promise.all([this.app.send(["EXISTS", KeyIndex.builtKey(ns)]), this.app.send(["EXISTS", COMPLETE])]);
    return one(mine) || one(all);
  }

  /** Builds the index once if the namespace has no marker: the one walk of the whole keyspace left. */
  async ensureBuilt(conn: Sender, ns: Namespace): Promise<void> {
    if (!(await this.isBuilt(ns))) await this.build(conn, ns);
  }

  /**
   * One SSCAN page of the index. From cursor 0 the marker is read in the same
   * pipeline, and a namespace without one is built first.
   */
  private async page(
    conn: Sender,
    ns: Namespace,
    cursor: string,
    pattern: Uint8Array | undefined,
    count: number,
  ): Promise<{ cursor: string; names: Uint8Array[] }> {
    const argv: (string | Uint8Array)[] = ["SSCAN", KeyIndex.setKey(ns), cursor];
    if (pattern && !(pattern.length === 1 && pattern[0] === 0x2a)) argv.push("MATCH", pattern);
    argv.push("COUNT", String(count));
    let r: Reply;
    if (cursor === "0") {
      const [built, first] = await Promise.all([this.isBuilt(ns), this.app.send(argv)]);
      if (built) r = first;
      else {
        await this.build(conn, ns);
        r = await this.app.send(argv);
      }
    } else r = await this.app.send(argv);
    if (r.t !== "array" || r.v.length !== 2 || r.v[0].t !== "bulk") throw new Error(`unexpected SSCAN reply: ${JSON.stringify(r).slice(0, 200)}`);
    return { cursor: r.v[0].v, names: names(r.v[1]) };
  }

  /** Asks about each name through the namespace's sender (pipelined); prunes the missing ones. */
  private async probe(conn: Sender, ns: Namespace, list: readonly Uint8Array[], probe: Probe): Promise<Found[]> {
    if (list.length === 0) return [];
    const replies = await Promise.all(list.map((n) => conn.send(probe.argv(ns.add(n)))));
    const found: Found[] = [];
    const missing: Uint8Array[] = [];
    replies.forEach((r, i) => (probe.missing(r) ? missing.push(list[i]) : found.push({ name: list[i], reply: r })));
    if (missing.length) await this.prune(ns, missing);
    return found;
  }

  /**
   * Removes names whose keys were found missing, but never one marked in the
   * last `graceMs`: its write may still be on its way. Race-free against a
   * concurrent mark() (ZADD fresh, then SADD, on one connection): after the
   * SREM the fresh list is read again and any name marked meanwhile goes
   * back. If its SADD ran before our SREM, its ZADD ran before it, hence
   * before our second read, which sees it.
   */
  async prune(ns: Namespace, missing: readonly Uint8Array[]): Promise<void> {
    if (missing.length === 0) return;
    const fresh = KeyIndex.freshKey(ns);
    const cutoff = Date.now() - this.graceMs;
    const isFresh = (r: Reply | undefined) => !!r && r.t === "bulk" && Number(r.v) >= cutoff;
    const first = await this.app.send(["ZMSCORE", fresh, ...missing]);
    if (first.t !== "array") return;
    const old = missing.filter((_, i) => !isFresh(first.v[i]));
    if (old.length === 0) return;
    const [, again] = await Promise.all([this.app.send(["SREM", KeyIndex.setKey(ns), ...old]), this.app.send(["ZMSCORE", fresh, ...old])]);
    const back = again.t === "array" ? old.filter((_, i) => isFresh(again.v[i])) : old;
    if (back.length) await this.app.send(["SADD", KeyIndex.setKey(ns), ...back]);
  }

  /** The one-time build: the old walk of the whole keyspace (SCAN MATCH, as the namespace's user), then the marker. */
  private build(conn: Sender, ns: Namespace): Promise<void> {
    let p = this.building.get(ns.prefix);
    if (!p) {
      p = (async () => {
        const found: Uint8Array[] = [];
        await scanKeyspace(conn, ns.pattern(), (keys) => {
          for (const k of keys) if (k.t === "bulk") found.push(bulkBytes(k).subarray(ns.bytes.length));
        });
        for (let i = 0; i < found.length; i += BATCH) {
          const r = await this.app.send(["SADD", KeyIndex.setKey(ns), ...found.slice(i, i + BATCH)]);
          if (r.t === "error") throw new Error(`SADD to the key index failed: ${r.v}`);
        }
        const r = await this.app.send(["SET", KeyIndex.builtKey(ns), "1"]);
        if (r.t === "error") throw new Error(`SET of the key index's marker failed: ${r.v}`);
      })().finally(() => this.building.delete(ns.prefix));
      this.building.set(ns.prefix, p);
    }
    return p;
  }
}

/** Set once every namespace's index holds every key: a namespace without its own marker is then built too. */
export const COMPLETE = "app:idx:complete";
const MIGRATING = "app:idx:migrating";
const NAMESPACE_RE = /^(pg:\{[A-Za-z0-9_-]{16}\}|room:\{[A-Z0-9]{6}\}):/;

/**
 * Indexes every namespace's keys once per Redis, so no listing ever needs the
 * walk again (called at the app's start; one instance at a time; a no-op once
 * `app:idx:complete` is set). On an empty Redis it costs one SCAN call (per
 * master, on a cluster: `scanners`). The
 * app's user may SCAN every key name (key patterns do not filter SCAN), and
 * writes only the index keys under `app:`. Only names of the exact namespace
 * formats are indexed.
 */
export async function migrateKeyIndex(app: Sender, scanners: Sender[] = [app]): Promise<number> {
  const done = await app.send(["EXISTS", COMPLETE]);
  if (done.t === "integer" && Number(done.v) === 1) return 0;
  const lock = await app.send(["SET", MIGRATING, String(process.pid), "NX", "PX", "600000"]);
  if (lock.t !== "status") return 0; // another instance is at it; listings build per namespace meanwhile
  try {
    let n = 0;
    const byNs = new Map<string, Uint8Array[]>();
    const flush = async () => {
      await Promise.all(
        [...byNs].map(async ([bareNs, names]) => {
          for (let i = 0; i < names.length; i += BATCH) await app.send(["SADD", `app:idx:${bareNs}`, ...names.slice(i, i + BATCH)]);
        }),
      );
      byNs.clear();
    };
    // Each node's keyspace (a cluster's masters each hold their own slots; a single Redis is one).
    for (const scanner of scanners) {
      let cursor = "0";
      do {
        const r = await scanner.send(["SCAN", cursor, "COUNT", "1000"]);
        if (r.t !== "array" || r.v.length !== 2 || r.v[1].t !== "array") throw new Error(`unexpected SCAN reply: ${JSON.stringify(r).slice(0, 200)}`);
        cursor = r.v[0].t === "bulk" ? r.v[0].v : "0";
        for (const k of r.v[1].v) {
          if (k.t !== "bulk") continue;
          const key = bulkBytes(k);
          const m = NAMESPACE_RE.exec(Buffer.from(key.subarray(0, 40)).toString("latin1"));
          if (!m) continue;
          const list = byNs.get(m[1]) ?? [];
          list.push(key.subarray(m[1].length + 1));
          byNs.set(m[1], list);
          n++;
        }
        if (byNs.size > 1000) await flush();
      } while (cursor !== "0");
    }
    await flush();
    await app.send(["SET", COMPLETE, String(Date.now())]);
    return n;
  } finally {
    await app.send(["DEL", MIGRATING]).catch(() => {});
  }
}

/** The prefix without its trailing colon: `pg:{abc}`, `room:{ABCDEF}`. */
function bare(ns: Namespace): string {
  return ns.prefix.endsWith(":") ? ns.prefix.slice(0, -1) : ns.prefix;
}

/**
 * The key positions of a write that may create a key: those of its key specs
 * flagged OW, INSERT or UPDATE (DEL's RM, LPOP's `RW ACCESS DELETE`, the
 * sources of SINTERSTORE's `RO` never create one). Read with the same key-spec
 * reader as the rewrite. SORT (whose STORE spec is "unknown") and a command
 * without specs: every key position.
 */
export function creatingPositions(cmd: CommandInfo, argv: readonly Uint8Array[], positions: readonly number[]): number[] {
  if (cmd.keySpecs.length === 0 || cmd.name === "sort" || cmd.name === "sort_ro") return [...positions];
  const creates = cmd.keySpecs.filter((s) => s.flags.some((f) => /^(ow|insert|update)$/i.test(f)));
  if (creates.length === 0) return [];
  if (creates.length === cmd.keySpecs.length) return [...positions];
  const mine = keyPositions({ ...cmd, keySpecs: creates }, argv);
  return mine.ok ? mine.positions.filter((i) => positions.includes(i)) : [...positions];
}

/** Walks every key matching a glob with SCAN: O(the whole keyspace). Only the one-time build, and senders without an index, use it. */
export async function scanKeyspace(conn: Sender, pattern: Uint8Array, onKeys: (keys: Reply[]) => void): Promise<void> {
  let cursor = "0";
  do {
    const r = await conn.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"]);
    if (r.t !== "array" || r.v.length !== 2 || r.v[1].t !== "array") throw new Error("unexpected SCAN reply");
    cursor = r.v[0].t === "bulk" ? r.v[0].v : "0";
    onKeys(r.v[1].v);
  } while (cursor !== "0");
}

type Cache = { byApp: WeakMap<object, KeyIndex> };
const CACHE = Symbol.for("redis-playground.key-index");
const RUNTIME = Symbol.for("redis-playground.runtime"); // lib/runtime.ts keeps the process runtime there

/**
 * The key index of a runtime (or anything with its app connection), one per
 * app connection, shared by every copy of this module in the process (the
 * custom server's and Next's bundle, like the runtime itself): the MULTI
 * bookkeeping must be one.
 */
export function keyIndex(host: IndexHost): KeyIndex {
  const g = globalThis as typeof globalThis & { [CACHE]?: Cache };
  const cache = (g[CACHE] ??= { byApp: new WeakMap() });
  let index = cache.byApp.get(host.appConn);
  if (!index) {
    // Past the longest a marked write can take to land: a blocking command's capped timeout plus the deadline, twice over, and at least a minute.
    const c = host.config;
    const graceMs = c ? Math.max(60_000, 2 * (c.maxBlockSeconds * 1000 + c.redisTimeoutMs)) : 60_000;
    index = new KeyIndex(host.appConn, { graceMs });
    cache.byApp.set(host.appConn, index);
  }
  return index;
}

/**
 * The key index of the process's runtime, for callers that are given only a
 * namespace's sender (the quota's measure, the key inspector); undefined
 * before any runtime exists (tests of the rewriter alone).
 */
export function processKeyIndex(): KeyIndex | undefined {
  const rt = (globalThis as typeof globalThis & { [RUNTIME]?: IndexHost })[RUNTIME];
  return rt ? keyIndex(rt) : undefined;
}
