import type { Sender } from "./acl-users";
import { redisWord } from "./args";
import type { CommandInfo } from "./command-table";
import type { Namespace } from "./namespace";
import { MEMORY_USAGE, processKeyIndex, type KeyIndex } from "./key-index";
import { type Problem, problem, type QuotaWhat } from "@/lib/problems";

const dec = new TextDecoder();
const word = redisWord;

/**
 * Arguments that would make Redis allocate a huge amount in one command:
 * string offsets (SETRANGE k 536870000 x allocates 512 MB) and negative
 * random counts (SRANDMEMBER k -10^18 returns that many elements). Returns the
 * refusal, or null.
 */
export function sizeLimit(cmd: CommandInfo, argv: readonly Uint8Array[], maxStringBytes: number, maxReplyItems: number): Problem | null {
  const tooFar = (command: string, bytes: number) => problem("size:string", { command, bytes, limit: maxStringBytes });
  const int = (a: Uint8Array | undefined) => (a && /^\d+$/.test(dec.decode(a)) ? Number(dec.decode(a)) : NaN);
  switch (cmd.name) {
    case "setrange": {
      const offset = int(argv[2]);
      const end = offset + (argv[3]?.length ?? 0);
      return end > maxStringBytes ? tooFar("SETRANGE", end) : null;
    }
    case "setbit": {
      const bit = int(argv[2]);
      const bytes = Math.floor(bit / 8) + 1;
      return bytes > maxStringBytes ? tooFar("SETBIT", bytes) : null;
    }
    case "bitfield":
    case "bitfield_ro": {
      for (let i = 2; i < argv.length; i++) {
        const op = word(argv[i]);
        if (op !== "get" && op !== "set" && op !== "incrby") continue;
        const type = word(argv[i + 1]);
        const raw = argv[i + 2] ? dec.decode(argv[i + 2]) : "";
        const bits = Number(type.slice(1));
        const offset = raw.startsWith("#") ? Number(raw.slice(1)) * bits : Number(raw);
        if (Number.isFinite(offset) && Number.isFinite(bits)) {
          const bytes = Math.floor((offset + bits) / 8) + 1;
          if (bytes > maxStringBytes) return tooFar("BITFIELD", bytes);
        }
      }
      return null;
    }
    case "srandmember":
    case "hrandfield":
    case "zrandmember": {
      const text = argv[2] ? dec.decode(argv[2]) : "";
      if (/^-\d+$/.test(text) && -Number(text) > maxReplyItems) {
        return problem("size:negative-count", { command: cmd.name.toUpperCase(), count: Number(text), limit: maxReplyItems });
      }
      return null;
    }
    default:
      return null;
  }
}

export interface Usage {
  keys: number;
  bytes: number;
}

/**
 * Counts a namespace's keys and their memory (MEMORY USAGE, pipelined, as the
 * namespace's user): from its key index (key-index.ts), O(its own keys).
 * MEMORY USAGE's nil is a key that is gone: the index forgets it.
 */
export async function measureNamespace(conn: Sender, ns: Namespace, index: KeyIndex | undefined = processKeyIndex(), names?: Set<string>): Promise<Usage> {
  if (!index) throw new Error("measuring a namespace needs its key index (no runtime in this process)");
  let keys = 0;
  let bytes = 0;
  await index.walk(conn, ns, MEMORY_USAGE, (found) => {
    keys += found.length;
    for (const f of found) {
      if (f.reply.t === "integer") bytes += Number(f.reply.v);
      names?.add(latin1(f.name));
    }
  });
  return { keys, bytes };
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** Names a namespace's entry remembers as counted, at most (beyond: not remembered, every write counted as a new key). */
const COUNTED_NAMES = 4096;
/** Bytes of remembered names in all of a process's entries, at most (10,000 namespaces of 4,096 long names would be gigabytes). */
const COUNTED_BYTES = 32 * 1024 * 1024;
/** What one remembered name holds of the heap: its characters and about 64 bytes of string and set entry (measured: 11 per character for 4-byte names). */
const nameCost = (name: string) => name.length + 64;

/** What a command may add to a namespace, an upper bound: keys it may create, and memory (as MEMORY USAGE counts it). */
export interface Growth {
  keys: number;
  bytes: number;
}

export const NO_GROWTH: Growth = Object.freeze({ keys: 0, bytes: 0 });

/**
 * A write that does not fit its namespace's estimate triggers a measurement,
 * at most one per this many ms (4 a second; the write waits for it), unless
 * a delete came first: near its quota a namespace is not rescanned at the
 * rate of its writes.
 */
const REMEASURE_MS = 250;

interface QuotaEntry {
  usage: Usage;
  at: number;
  /** `usage` is the measurement itself: no estimate added since. Measuring again now would tell nothing new… */
  exact: boolean;
  /** …unless a command that may delete (DEL, SPOP, an expiry set, …) ran since. */
  freed: boolean;
  /**
   * The key names `usage.keys` already counts: those the measurement found and those admitted since (absent: not
   * known). A write to one of them adds no key to the estimate, whether or not it was deleted meanwhile: the count
   * never falls below what exists. Without it, 1,000 INCRs of one counter within `staleMs` counted 1,000 keys,
   * filled the key quota, and every write after waited for a new measurement (the endpoint's SET fell to 4,200/s).
   */
  counted?: Set<string>;
  /** The bytes of `counted`'s names (COUNTED_BYTES bounds them all together). */
  countedBytes?: number;
}

/**
 * Keys and memory per namespace (README's Limits table). Every command that may
 * grow the namespace says beforehand, as an upper bound, what it may add
 * (lib/sandbox/costs.ts: a COPY the source's MEMORY USAGE, a *STORE what its
 * inputs could make, SETRANGE the string grown to its offset, APPEND the
 * string grown to its new length, …), and runs only if the namespace's usage
 * plus that still fits: no single command, and no transaction, can take a
 * namespace past its quota. Usage is measured (a scan of the namespace with
 * MEMORY USAGE) at most every `staleMs`; in between, each admitted command's
 * upper bound is added to it. A command that would not fit triggers one exact
 * measurement first (unless nothing changed since the last one: then it is
 * refused without rescanning), then a tighter bound from the command (which
 * of the keys it writes exist already; whether the key it adds to is still in
 * a small encoding that the write could convert).
 */
export class QuotaKeeper {
  private cache = new Map<string, QuotaEntry>();
  /** The bytes of every entry's remembered names. */
  private countedBytes = 0;

  constructor(
    private readonly opts: { maxKeys: number; maxBytes: number; staleMs: number },
    /** Memory per client address, across its namespaces (absent: no per-address cap). */
    readonly addresses?: AddressMemory,
  ) {}

  get maxKeys(): number {
    return this.opts.maxKeys;
  }

  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  /**
   * Admits `growth` in the namespace, or returns the refusal (with the
   * numbers). `pending`: what the transaction's earlier queued commands may
   * add (not yet run). `commit: false` decides without counting the growth
   * (a command queued in MULTI: counted at EXEC). `refine()` gives a tighter
   * bound, from reads the first one did without (which of the keys it writes
   * exist already, the encoding of the key it adds to); asked only when the
   * first bound does not fit.
   */
  async admit(
    conn: Sender,
    ns: Namespace,
    growth: Growth,
    opts: {
      what: QuotaWhat;
      pending?: Growth;
      commit?: boolean;
      refine?: () => Promise<Growth>;
      address?: string;
      measured?: (ms: number) => void;
      /** The names of the keys the command may create, each counted once in `growth.keys` (unprefixed). */
      names?: readonly Uint8Array[];
      /** Told the growth admitted, when it is less than `growth` (names already counted, or `refine`'s bound). */
      admitted?: (g: Growth) => void;
    },
  ): Promise<Problem | null> {
    const pending = opts.pending ?? NO_GROWTH;
    const fits = (u: Usage, g: Growth) => u.keys + pending.keys + g.keys <= this.opts.maxKeys && u.bytes + pending.bytes + g.bytes <= this.opts.maxBytes;
    let entry = this.cache.get(ns.prefix);
    // A measurement a refusal asks for reads every key's exact MEMORY USAGE: its time is charged to the sender's work
    // budget (a review looped `DEL nothing` and a refused write to make Redis measure a full namespace for free).
    const measure = async () => {
      const t0 = performance.now();
      const m = await this.measure(conn, ns);
      opts.measured?.(Math.min(50, performance.now() - t0));
      return m;
    };
    if (!entry || Date.now() - entry.at > this.opts.staleMs) entry = await this.measure(conn, ns);
    // Names the estimate counts already add no key (QuotaEntry.counted); the others, one each.
    const fresh = new Set<string>();
    let known = 0;
    // Not for a command queued in MULTI (commit: false): it runs at EXEC, after the names may have been deleted
    // and measured away; the command's own refine() decides there, as before.
    const names = opts.commit !== false && opts.names && growth.keys === opts.names.length ? opts.names.map(latin1) : null;
    if (names && entry.counted) for (const n of names) entry.counted.has(n) ? known++ : fresh.add(n);
    let g: Growth = known > 0 ? { keys: Math.max(0, growth.keys - known), bytes: growth.bytes } : growth;
    if (!fits(entry.usage, g)) {
      // First the command's own tighter bound (one small read: a write to a key that exists adds no key)…
      if (opts.refine) {
        const refined = await opts.refine();
        g = { keys: Math.min(g.keys, refined.keys), bytes: refined.bytes };
      }
      // …then the namespace measured again, if that can tell something new, and at most every REMEASURE_MS
      // unless something was deleted since (a measure reads every key's MEMORY USAGE): the write waits for it.
      if (!fits(entry.usage, g) && (entry.freed || !entry.exact)) {
        // At most every REMEASURE_MS, a delete since or not: `DEL nothing` marked a namespace freed for free.
        const wait = entry.at + REMEASURE_MS - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        entry = await measure();
      }
      if (!fits(entry.usage, g)) return this.refusal(entry.usage, { keys: pending.keys + g.keys, bytes: pending.bytes + g.bytes }, opts.what);
    }
    if (this.addresses && opts.address !== undefined && g.bytes > 0) {
      if (entry.exact) this.addresses.note(opts.address, ns, entry.usage.bytes);
      const after = entry.usage.bytes + pending.bytes + g.bytes;
      const refusal = await this.addresses.admit(opts.address, ns, after, opts.what, opts.commit !== false);
      if (refusal) return refusal;
    }
    if (g !== growth) opts.admitted?.(g);
    if (opts.commit !== false && (g.keys > 0 || g.bytes > 0)) {
      const now = this.cache.get(ns.prefix) ?? entry;
      now.usage = { keys: now.usage.keys + g.keys, bytes: now.usage.bytes + g.bytes };
      now.exact = false;
      // Each new name counted once: remembered, so that writing it again adds no key. Not when the count was lowered
      // otherwise (which names it left out is unknown) or the entry was replaced meanwhile: every remembered name
      // must be one `usage.keys` counts.
      if (now === entry && names && now.counted && g.keys === fresh.size) {
        let bytes = 0;
        for (const n of fresh) bytes += nameCost(n);
        if (now.counted.size + fresh.size > COUNTED_NAMES || this.countedBytes + bytes > COUNTED_BYTES) this.remember(now, undefined);
        else {
          for (const n of fresh) now.counted.add(n);
          now.countedBytes = (now.countedBytes ?? 0) + bytes;
          this.countedBytes += bytes;
        }
      }
    }
    return null;
  }

  /** Every key of the namespace was just deleted (FLUSHDB, reset): it uses nothing, here and for its addresses. */
  emptied(ns: Namespace): void {
    this.drop(ns.prefix);
    this.cache.set(ns.prefix, { usage: { keys: 0, bytes: 0 }, at: Date.now(), exact: true, freed: false, counted: new Set(), countedBytes: 0 });
    this.addresses?.emptied(ns);
  }

  /** A command that may delete or shrink keys ran: the next refusal measures again. */
  freed(ns: Namespace, names: readonly Uint8Array[] = []): void {
    const entry = this.cache.get(ns.prefix);
    if (!entry) return;
    entry.freed = true;
    // Its key names are no longer trusted as counted: a RENAME moves a key's one count to another name (a review
    // kept `SET a` / `RENAME a bN` going to 400 keys of a 200-key quota while `a` stayed remembered).
    if (!entry.counted) return;
    for (const n of names) {
      const key = latin1(n);
      if (!entry.counted.delete(key)) continue;
      entry.countedBytes = (entry.countedBytes ?? 0) - nameCost(key);
      this.countedBytes -= nameCost(key);
    }
  }

  /**
   * The former check (an argument-size estimate of a write): kept for callers
   * outside the sandbox's plan, which uses costs.ts. Every argument counted as
   * a key that may be new, every byte kept plus 96 bytes per argument.
   */
  async check(conn: Sender, cmd: CommandInfo | undefined, argv: readonly Uint8Array[], ns: Namespace): Promise<Problem | null> {
    if (!cmd?.flags.has("denyoom")) return null;
    const bytes = argv.slice(1).reduce((n, a) => n + a.length + 96, 0);
    return this.admit(conn, ns, { keys: argv.length - 1, bytes }, { what: { command: cmd.name.replace("|", " ").toUpperCase() } });
  }

  /** The namespace's current estimate (a measurement plus what was admitted since), for tests. */
  estimate(ns: Namespace): Usage | undefined {
    return this.cache.get(ns.prefix)?.usage;
  }

  forget(ns: Namespace): void {
    this.drop(ns.prefix);
  }

  /** Removes a namespace's entry, giving back its remembered names' bytes. */
  private drop(prefix: string): void {
    const old = this.cache.get(prefix);
    if (old) this.remember(old, undefined);
    this.cache.delete(prefix);
  }

  /** Sets an entry's remembered names (none past the process's budget), keeping the bytes' total. */
  private remember(entry: QuotaEntry, names: Set<string> | undefined): void {
    this.countedBytes -= entry.countedBytes ?? 0;
    entry.counted = undefined;
    entry.countedBytes = 0;
    if (!names) return;
    let bytes = 0;
    for (const n of names) bytes += nameCost(n);
    if (this.countedBytes + bytes > COUNTED_BYTES) return;
    entry.counted = names;
    entry.countedBytes = bytes;
    this.countedBytes += bytes;
  }

  private measuring = new Map<string, Promise<QuotaEntry>>();

  /** Measures the namespace (one measurement at a time per namespace: concurrent callers share it). */
  private measure(conn: Sender, ns: Namespace): Promise<QuotaEntry> {
    let m = this.measuring.get(ns.prefix);
    if (!m) {
      m = this.measureNow(conn, ns).finally(() => this.measuring.delete(ns.prefix));
      this.measuring.set(ns.prefix, m);
    }
    return m;
  }

  private async measureNow(conn: Sender, ns: Namespace): Promise<QuotaEntry> {
    const counted = new Set<string>();
    const usage = await measureNamespace(conn, ns, undefined, counted);
    const entry: QuotaEntry = { usage, at: Date.now(), exact: true, freed: false };
    this.drop(ns.prefix); // re-inserted last: the oldest entry is the one dropped
    this.remember(entry, counted.size <= COUNTED_NAMES ? counted : undefined);
    this.cache.set(ns.prefix, entry);
    if (this.cache.size > 10_000) this.drop(this.cache.keys().next().value!);
    return entry;
  }

  private refusal(u: Usage, add: Growth, what: QuotaWhat): Problem {
    return problem("quota:full", {
      keys: u.keys,
      bytes: u.bytes,
      what,
      addKeys: add.keys,
      addBytes: add.bytes,
      maxKeys: this.opts.maxKeys,
      maxBytes: this.opts.maxBytes,
    });
  }
}

/**
 * Memory per client address (README's Limits table), across every namespace written
 * from it: one address may open 60 sandboxes a minute, each with its own
 * quota, which together would fill the whole Redis (maxmemory, noeviction:
 * then every visitor's writes fail). Kept in the app's Redis, so it holds
 * across app instances: a hash per address, `app:ipmem:<address>`, of each
 * namespace's last known usage and when it was noted; notes older than the
 * namespace idle time (after which the reaper deletes the namespace) drop out.
 * Each process reads an address's hash at most every `staleMs` and adds what
 * it admits in between; a refusal reads it again first.
 */
export class AddressMemory {
  private cache = new Map<string, { at: number; perNs: Map<string, number> }>();

  constructor(
    private readonly app: Sender,
    readonly opts: { maxBytes: number; idleMs: number; staleMs: number },
  ) {}

  static key(address: string): string {
    return `app:ipmem:${address}`.slice(0, 200);
  }

  /** A namespace's usage, as measured: written to the address's hash (not awaited: a note). */
  note(address: string, ns: Namespace, bytes: number): void {
    this.local(address)?.perNs.set(ns.prefix, bytes);
    void this.write(address, ns, bytes).catch(() => {});
  }

  /** The namespace was emptied: every address this process has seen it under notes 0. */
  emptied(ns: Namespace): void {
    for (const [address, e] of this.cache) if (e.perNs.has(ns.prefix)) this.note(address, ns, 0);
  }

  /** Admits the namespace growing to `after` bytes, or returns the refusal (with the numbers). */
  async admit(address: string, ns: Namespace, after: number, what: QuotaWhat, commit: boolean): Promise<Problem | null> {
    let entry = this.local(address);
    if (!entry) entry = await this.read(address);
    const fits = (e: { perNs: Map<string, number> }) => total(e.perNs) - (e.perNs.get(ns.prefix) ?? 0) + after <= this.opts.maxBytes;
    if (!fits(entry)) {
      entry = await this.read(address);
      if (!fits(entry)) {
        const others = total(entry.perNs) - (entry.perNs.get(ns.prefix) ?? 0);
        return problem("quota:address", { others, what, after, limit: this.opts.maxBytes });
      }
    }
    if (commit) {
      entry.perNs.set(ns.prefix, after);
      await this.write(address, ns, after);
    }
    return null;
  }

  private local(address: string): { at: number; perNs: Map<string, number> } | undefined {
    const e = this.cache.get(address);
    return e && Date.now() - e.at <= this.opts.staleMs ? e : undefined;
  }

  private async write(address: string, ns: Namespace, bytes: number): Promise<void> {
    const key = AddressMemory.key(address);
    await Promise.all([
      this.app.send(["HSET", key, ns.prefix, `${Math.round(bytes)}:${Date.now()}`]),
      this.app.send(["PEXPIRE", key, String(this.opts.idleMs)]),
    ]);
  }

  private async read(address: string): Promise<{ at: number; perNs: Map<string, number> }> {
    const key = AddressMemory.key(address);
    const r = await this.app.send(["HGETALL", key]);
    const perNs = new Map<string, number>();
    const old: string[] = [];
    const cutoff = Date.now() - this.opts.idleMs;
    if (r.t === "array") {
      for (let i = 0; i + 1 < r.v.length; i += 2) {
        const f = r.v[i];
        const v = r.v[i + 1];
        if (f.t !== "bulk" || v.t !== "bulk") continue;
        const m = /^(\d+):(\d+)$/.exec(v.v);
        if (!m) continue;
        if (Number(m[2]) < cutoff) old.push(f.v);
        else perNs.set(f.v, Number(m[1]));
      }
    }
    if (old.length) void this.app.send(["HDEL", key, ...old]).catch(() => {});
    const entry = { at: Date.now(), perNs };
    this.cache.delete(address);
    this.cache.set(address, entry);
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}

const total = (m: Map<string, number>) => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};
