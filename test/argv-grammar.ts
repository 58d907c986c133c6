import type { Reply } from "@/lib/resp/reply";

/**
 * A generator of command lines (argv as bytes) for every command and
 * subcommand of the live server, driven by the argument trees of
 * `COMMAND DOCS` (types key, string, integer, double, pattern, unix-time,
 * pure-token, oneof, block; flags optional, multiple, multiple_token; token).
 *
 * It knows which argument is the command name, the subcommand, a keyword
 * (a doc `token`), a key or a value, so it can mutate the positions where the
 * sandbox and Redis may read the same bytes differently — the ones Redis
 * compares with strcasecmp (ASCII only, up to the first NUL):
 *   - a NUL appended, inserted or alone (`STORE\0`, `ST\0ORE`, `\0`), or a NUL
 *     and a suffix (`GET\0x1f`: Redis hashes the whole name but compares only
 *     up to the NUL, so some suffixes resolve to the real command);
 *   - random ASCII case; Unicode look-alikes (Kelvin sign K, dotless ı, `ſ`
 *     which JavaScript upper-cases to S, `ﬆ` → ST, fullwidth letters, Cyrillic);
 *   - duplicated decisive keywords (Redis acts on the last STORE, BLOCK, …),
 *     reordered keyword groups, keywords injected into other commands;
 *   - keys named like keywords, keys with NUL bytes, another visitor's full
 *     namespace as a key, glob characters.
 * Reproducible: a seeded PRNG (FUZZ_SEED), the same lines for the same seed
 * and server.
 */

// ---------------------------------------------------------------- PRNG

export function seedFromEnv(s: string | undefined = process.env.FUZZ_SEED, fallback = 20261125): number {
  if (s === undefined || s === "") return fallback;
  if (s === "random") return Math.floor(Math.random() * 2 ** 32);
  if (/^\d+$/.test(s)) return Number(BigInt(s) % 2n ** 32n);
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((n, [w]) => n + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) if ((r -= w) < 0) return v;
    return choices[choices.length - 1][1];
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
  /** A derived generator, so one part of a run does not shift the others. */
  fork(salt: number): Rng {
    return new Rng((Math.floor(this.next() * 2 ** 32) ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }
}

// ---------------------------------------------------------------- bytes

const te = new TextEncoder();
export const b = (s: string): Uint8Array => te.encode(s);
export const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
};
export const NUL = new Uint8Array([0]);
export const bytesEqual = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((c, i) => c === y[i]);
export const startsWithBytes = (x: Uint8Array, prefix: Uint8Array) => x.length >= prefix.length && prefix.every((c, i) => x[i] === c);
/** A stable string form of bytes, for sets and multisets. */
export const keyOf = (x: Uint8Array) => Buffer.from(x).toString("latin1");

/** One argument for a report: printable ASCII as is, everything else \xHH, in double quotes. */
export function showArg(a: Uint8Array): string {
  let s = "";
  for (const c of a) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return `"${s}"`;
}
export const showArgv = (argv: readonly Uint8Array[], max = 400): string => {
  const s = argv.map(showArg).join(" ");
  return s.length > max ? `${s.slice(0, max)}… (${argv.length} args)` : s;
};

/** A console line (redis-cli quoting) that parses back to exactly these bytes. */
export function toCliLine(argv: readonly Uint8Array[]): string {
  return argv.map(showArg).join(" ");
}

// ---------------------------------------------------------------- docs

export interface ArgSpec {
  name: string;
  type: string;
  token?: string;
  optional: boolean;
  multiple: boolean;
  multipleToken: boolean;
  args: ArgSpec[];
}

export interface CommandSpec {
  /** Lower case, `container|sub` for subcommands. */
  name: string;
  /** The words that name it: ["GET"] or ["OBJECT", "ENCODING"]. */
  words: string[];
  arity: number;
  flags: Set<string>;
  categories: Set<string>;
  args: ArgSpec[];
  /** A container (has subcommands): generated only bare, as a mistake would be. */
  container: boolean;
  /** Every keyword token in its argument tree, upper case. */
  tokens: Set<string>;
  /** The docs' group: string, list, hash, set, sorted-set, stream, geo, hyperloglog, bitmap, generic, … */
  group: string;
}

export interface Grammar {
  commands: CommandSpec[];
  byName: Map<string, CommandSpec>;
  /** Commands Redis runs without checking the user's command rules (AUTH, HELLO, RESET, QUIT). */
  noAuth: Set<string>;
  /** Every top-level name, lower case. */
  topNames: Set<string>;
}

const str = (r: Reply | undefined): string =>
  r && (r.t === "bulk" || r.t === "status" || r.t === "verbatim") ? r.v : r && r.t === "integer" ? String(r.v) : "";
const list = (r: Reply | undefined): Reply[] => (r && "v" in r && Array.isArray(r.v) ? (r.v as Reply[]) : []);
function pairs(r: Reply | undefined): Map<string, Reply> {
  const m = new Map<string, Reply>();
  const v = list(r);
  for (let i = 0; i + 1 < v.length; i += 2) m.set(str(v[i]).toLowerCase(), v[i + 1]);
  return m;
}

function parseArg(r: Reply): ArgSpec {
  const m = pairs(r);
  const flags = new Set(list(m.get("flags")).map((f) => str(f).toLowerCase()));
  const token = str(m.get("token"));
  return {
    name: str(m.get("name")),
    type: str(m.get("type")),
    token: token || undefined,
    optional: flags.has("optional"),
    multiple: flags.has("multiple"),
    multipleToken: flags.has("multiple_token"),
    args: list(m.get("arguments")).map(parseArg),
  };
}

function tokensOf(args: ArgSpec[], into = new Set<string>()): Set<string> {
  for (const a of args) {
    if (a.token) into.add(a.token.toUpperCase());
    tokensOf(a.args, into);
  }
  return into;
}

interface Sender {
  send(argv: readonly (Uint8Array | string)[]): Promise<Reply>;
}

/** Reads `COMMAND` (arity, flags, categories) and `COMMAND DOCS` (argument trees) from the live server. */
export async function loadGrammar(conn: Sender): Promise<Grammar> {
  const [info, docs] = await Promise.all([conn.send(["COMMAND"]), conn.send(["COMMAND", "DOCS"])]);
  if (info.t !== "array" || docs.t !== "array") throw new Error(`COMMAND / COMMAND DOCS failed: ${JSON.stringify(info).slice(0, 200)}`);
  const meta = new Map<string, { arity: number; flags: Set<string>; categories: Set<string> }>();
  const readInfo = (e: Reply) => {
    const v = list(e);
    const name = str(v[0]).toLowerCase();
    meta.set(name, {
      arity: Number(str(v[1])),
      flags: new Set(list(v[2]).map((f) => str(f).toLowerCase())),
      categories: new Set(list(v[6]).map((c) => str(c).toLowerCase().replace(/^@/, ""))),
    });
    for (const s of list(v[9])) readInfo(s);
  };
  for (const e of list(info)) readInfo(e);

  const commands: CommandSpec[] = [];
  const d = list(docs);
  for (let i = 0; i + 1 < d.length; i += 2) {
    const name = str(d[i]).toLowerCase();
    const doc = pairs(d[i + 1]);
    const m = meta.get(name);
    if (!m) continue;
    const subs = list(doc.get("subcommands"));
    const args = list(doc.get("arguments")).map(parseArg);
    const group = str(doc.get("group"));
    commands.push({ name, words: [name.toUpperCase()], ...m, args, container: subs.length > 0, tokens: tokensOf(args), group });
    for (let j = 0; j + 1 < subs.length; j += 2) {
      const sname = str(subs[j]).toLowerCase();
      const sm = meta.get(sname);
      if (!sm) continue;
      const sdoc = pairs(subs[j + 1]);
      const sargs = list(sdoc.get("arguments")).map(parseArg);
      commands.push({
        name: sname,
        words: sname.toUpperCase().split("|"),
        ...sm,
        args: sargs,
        container: false,
        tokens: tokensOf(sargs),
        group: str(sdoc.get("group")) || group,
      });
    }
  }
  // Commands COMMAND lists without docs (none in 7.0, but be safe): name and arity only.
  const have = new Set(commands.map((c) => c.name));
  for (const [name, m] of meta) {
    if (have.has(name)) continue;
    commands.push({ name, words: name.toUpperCase().split("|"), ...m, args: [], container: false, tokens: new Set(), group: "" });
  }
  commands.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const noAuth = new Set([...meta].filter(([, m]) => m.flags.has("no_auth")).map(([n]) => n));
  return {
    commands,
    byName: new Map(commands.map((c) => [c.name, c])),
    noAuth,
    topNames: new Set([...meta.keys()].filter((n) => !n.includes("|"))),
  };
}

// ---------------------------------------------------------------- values

export type Role = "name" | "sub" | "token" | "key" | "value";

export interface Variant {
  /** The command it was generated from (`get`, `client|list`). */
  cmd: string;
  argv: Uint8Array[];
  roles: Role[];
  /** Keyword groups: argv[start] is the token, argv[start+1..end) its values. */
  groups: Array<{ token: string; start: number; end: number }>;
  /** What was done to it, for reports: ["nul-append:token@5", …]. */
  mutations: string[];
}

/** Where keys come from: the generator's own names plus the targets the caller plants. */
export interface KeyPool {
  /** Keys in the visitor's own namespace (typed data the caller created, or new names). */
  own: string[];
  /** The victim's full namespace prefix (`pg:{…}:`), used as part of keys. */
  victimPrefix: string;
  /** Names of the victim's keys (without prefix). */
  victimKeys: string[];
  /** Keys outside every namespace (the app's, the server's), used verbatim. */
  outside: string[];
}

/** Keys named like the keywords that decide something. */
export const KEYWORD_KEYS = [
  "STORE",
  "store",
  "STOREDIST",
  "streams",
  "STREAMS",
  "BLOCK",
  "block",
  "DB",
  "db",
  "GET",
  "SET",
  "INCRBY",
  "BY",
  "LIMIT",
  "COUNT",
  "KEYS",
  "$",
  ">",
  "*",
  "0",
];
export const NUL_KEYS = ["k\0x", "\0", "STORE\0", "\0STORE", "k1\0"];
export const GLOB_KEYS = ["*", "pg:*", "app:*", "?", "[a-z]*", "\\*", "pg:{*", "*}*"];

/** Integers that are safe even when a check is bypassed (no 512 MB offsets, no huge negative counts). */
const INTEGERS = [
  "0",
  "1",
  "2",
  "3",
  "5",
  "10",
  "-1",
  "-2",
  "100",
  "1000",
  "-1001",
  "9223372036854775807",
  "-9223372036854775808",
  "18446744073709551616",
  "x",
  "1.5",
  "",
  "007",
  "+5",
  "0x10",
];
const OFFSETS = ["0", "1", "7", "100", "1000", "8388600", "8388609", "9000000", "16777216", "#1", "#3", "#100000", "#300000", "-1", "x"];
const TIMEOUTS_S = ["0", "0.01", "0.05", "0.1", "1", "1.5", "0x0p0", "inf", "-1", "x"];
const TIMEOUTS_MS = ["0", "1", "10", "50", "100", "1500", "-1", "x"];
const DOUBLES = ["0", "1", "1.5", "-2.5", "13.361389", "38.115556", "inf", "-inf", "+inf", "1e3", "nan", "0x10", "x"];
const UNIX_TIMES = ["0", "1", "2000000000", "4102444800", "-1", "x"];
const PATTERNS = ["*", "pg:*", "app:*", "k*", "[a-z]*", "?", "\\*", "nosort", "*->f", "#"];
const IDS = ["0", "$", ">", "1-1", "0-0", "*", "-", "+", "1-*", "2-1"];
const RANGES = ["-inf", "+inf", "(1", "[a", "-", "+", "0", "-1", "1", "10"];
const ENCODINGS = ["u8", "i8", "u16", "i64", "u63", "i32", "x", "u64"];
const WORDS = ["a", "b", "m1", "v", "x", "1", "field", "member", "hello world", "", "中文", "\0", "STORE", "streams", "BLOCK"];

export interface GenOptions {
  keys: KeyPool;
  /** Probability of leaving out an optional argument. */
  pOmit?: number;
}

class Builder {
  argv: Uint8Array[] = [];
  roles: Role[] = [];
  groups: Variant["groups"] = [];
  push(a: Uint8Array | string, role: Role) {
    this.argv.push(typeof a === "string" ? b(a) : a);
    this.roles.push(role);
  }
}

export function pickKey(rng: Rng, keys: KeyPool): string {
  const kind = rng.weighted([
    [50, "own"],
    [12, "victim"],
    [8, "outside"],
    [8, "keyword"],
    [5, "nul"],
    [5, "glob"],
    [2, "victim-prefix"],
    [2, "nested"],
  ] as const);
  switch (kind) {
    case "own":
      return rng.pick(keys.own);
    case "victim":
      return keys.victimPrefix + rng.pick(keys.victimKeys);
    case "outside":
      return rng.pick(keys.outside);
    case "keyword":
      return rng.pick(KEYWORD_KEYS);
    case "nul":
      return rng.pick(NUL_KEYS);
    case "glob":
      return rng.pick(GLOB_KEYS);
    case "victim-prefix":
      return keys.victimPrefix;
    case "nested":
      return keys.victimPrefix + keys.victimPrefix + rng.pick(keys.victimKeys);
  }
}

function valueFor(rng: Rng, spec: ArgSpec): string {
  const n = spec.name.toLowerCase();
  switch (spec.type) {
    case "integer":
      if (/timeout|milliseconds/.test(n)) return rng.pick(TIMEOUTS_MS);
      if (/offset/.test(n)) return rng.pick(OFFSETS);
      return rng.pick(INTEGERS);
    case "double":
      if (/timeout/.test(n)) return rng.pick(TIMEOUTS_S);
      return rng.pick(DOUBLES);
    case "unix-time":
      return rng.pick(UNIX_TIMES);
    case "pattern":
      return rng.pick(PATTERNS);
    default:
      if (/timeout/.test(n)) return rng.pick(TIMEOUTS_S);
      if (n === "id" || /^(start|end|min-id|last-id|threshold)$/.test(n) || /^id/.test(n)) return rng.pick(IDS);
      if (/^(min|max|start|stop)$/.test(n)) return rng.pick(RANGES);
      if (n === "encoding") return rng.pick(ENCODINGS);
      if (/offset/.test(n)) return rng.pick(OFFSETS);
      if (/count|numkeys|num|len|rank/.test(n)) return rng.pick(INTEGERS);
      return rng.pick(WORDS);
  }
}

/** Emits one argument spec (and its repetitions) into the builder. */
function emit(rng: Rng, spec: ArgSpec, bd: Builder, opts: GenOptions, reps?: number, forced = false): void {
  if (spec.optional && !forced && rng.chance(opts.pOmit ?? 0.5)) return;
  const n =
    reps ??
    (spec.multiple
      ? rng.weighted([
          [6, 1],
          [3, 2],
          [1, 3],
        ] as const)
      : 1);
  for (let r = 0; r < n; r++) {
    const start = bd.argv.length;
    if (spec.token && (r === 0 || spec.multipleToken || spec.type === "pure-token")) bd.push(spec.token, "token");
    switch (spec.type) {
      case "pure-token":
        break;
      case "oneof": {
        if (spec.args.length) emit(rng, rng.pick(spec.args), bd, opts, undefined, true);
        break;
      }
      case "block":
        emitSequence(rng, spec.args, bd, opts);
        break;
      case "key":
        bd.push(pickKey(rng, opts.keys), "key");
        break;
      default:
        bd.push(valueFor(rng, spec), "value");
    }
    if (spec.token && bd.roles[start] === "token") bd.groups.push({ token: spec.token.toUpperCase(), start, end: bd.argv.length });
  }
}

/**
 * Siblings in order. Several `multiple` siblings of one block repeat the same
 * number of times (XREAD STREAMS k1 k2 id1 id2), and a `numkeys` before a
 * repeated key says how many keys follow (mostly right, sometimes not).
 */
function emitSequence(rng: Rng, specs: ArgSpec[], bd: Builder, opts: GenOptions): void {
  const multi = specs.filter((s) => s.multiple && !s.multipleToken && !s.token);
  const reps = multi.length
    ? rng.weighted([
        [6, 1],
        [3, 2],
        [1, 3],
      ] as const)
    : undefined;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (s.type === "integer" && /^num/.test(s.name) && specs.slice(i + 1).some((t) => t.multiple)) {
      const n = reps ?? 1;
      const v = rng.weighted([
        [12, String(n)],
        [1, String(n + 1)],
        [1, "0"],
        [1, "-1"],
        [1, "9223372036854775807"],
        [1, String(n - 1)],
      ] as const);
      if (s.token) bd.push(s.token, "token");
      bd.push(v, "value");
      continue;
    }
    emit(rng, s, bd, opts, s.multiple && !s.multipleToken && !s.token ? reps : undefined);
  }
}

/** One well-formed (as far as the docs say) line for a command. */
export function generate(rng: Rng, cmd: CommandSpec, opts: GenOptions): Variant {
  const bd = new Builder();
  bd.push(cmd.words[0], "name");
  if (cmd.words.length > 1) bd.push(cmd.words[1], "sub");
  emitSequence(rng, cmd.args, bd, opts);
  // Now and then the wrong number of arguments: arity paths.
  if (rng.chance(0.05) && bd.argv.length > 1) {
    bd.argv.pop();
    bd.roles.pop();
    bd.groups = bd.groups.filter((g) => g.end <= bd.argv.length);
  } else if (rng.chance(0.05)) {
    bd.push(rng.chance(0.5) ? pickKey(rng, opts.keys) : rng.pick(WORDS), rng.chance(0.5) ? "key" : "value");
  }
  return { cmd: cmd.name, argv: bd.argv, roles: bd.roles, groups: bd.groups, mutations: [] };
}

// ---------------------------------------------------------------- mutations

/** Unicode look-alikes: none is folded to ASCII by Redis; some are by JavaScript's case mapping. */
export const LOOKALIKES: Record<string, string[]> = {
  k: ["\u212a"], // KELVIN SIGN: "\u212a".toLowerCase() === "k"
  K: ["\u212a"],
  s: ["\u017f"], // LATIN SMALL LETTER LONG S: toUpperCase() === "S"
  S: ["\u017f"],
  i: ["\u0131", "\u0130"], // dotless ı (toUpperCase "I"), İ (toLowerCase "i̇")
  I: ["\u0131", "\u0130"],
  a: ["\u0430", "\uff41"], // Cyrillic а, fullwidth ａ
  e: ["\u0435", "\uff45"],
  o: ["\u043e", "\u03bf", "\uff4f"],
  c: ["\u0441"],
  p: ["\u0440"],
  x: ["\u0445"],
  E: ["\u0415", "\u0395", "\uff25"],
  T: ["\u0422", "\u03a4", "\uff34"],
  O: ["\u041e", "\u039f", "\uff2f"],
  B: ["\u0392", "\uff22"],
};
/** Ligatures whose upper case is ASCII: "\ufb06".toUpperCase() === "ST". */
const LIGATURES: Array<[RegExp, string]> = [
  [/st/i, "\ufb06"],
  [/ff/i, "\ufb00"],
  [/fi/i, "\ufb01"],
  [/fl/i, "\ufb02"],
  [/ss/i, "\u00df"],
];

const asciiCase = (rng: Rng, s: string) => [...s].map((c) => (rng.chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join("");

export type Mutation =
  | "nul-append"
  | "nul-suffix"
  | "nul-insert"
  | "nul-alone"
  | "nul-prefix"
  | "case"
  | "lookalike"
  | "ligature"
  | "fullwidth"
  | "space"
  | "dup-keyword"
  | "dup-keyword-nul"
  | "reorder"
  | "inject-keyword";

/** Mutates one word (a name, subcommand or keyword) at the byte level. */
export function mutateWord(rng: Rng, word: Uint8Array, kind: Mutation): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(word);
  } catch {
    // Not UTF-8 (an earlier mutation): only byte-level changes from here on.
    if (kind === "lookalike" || kind === "ligature" || kind === "fullwidth" || kind === "case" || kind === "space") kind = "nul-append";
    text = "";
  }
  switch (kind) {
    case "nul-append":
      return cat(word, NUL);
    case "nul-suffix":
      return cat(word, NUL, b(rng.pick(["x", "abc", String(rng.int(0, 99999)), "\0", " ", "GET"])));
    case "nul-insert": {
      const at = rng.int(1, Math.max(1, word.length - 1));
      return cat(word.subarray(0, at), NUL, word.subarray(at));
    }
    case "nul-alone":
      return NUL;
    case "nul-prefix":
      return cat(NUL, word);
    case "case":
      return b(asciiCase(rng, text));
    case "lookalike": {
      const at = [...text].map((c, i) => (LOOKALIKES[c] ? i : -1)).filter((i) => i >= 0);
      if (!at.length) return b(`\u212a${text}`);
      const i = rng.pick(at);
      return b(text.slice(0, i) + rng.pick(LOOKALIKES[text[i]]) + text.slice(i + 1));
    }
    case "ligature": {
      const hit = LIGATURES.find(([re]) => re.test(text));
      return hit ? b(text.replace(hit[0], hit[1])) : b(`${text}\ufb06`);
    }
    case "fullwidth": {
      const i = rng.int(0, Math.max(0, text.length - 1));
      const c = text.charCodeAt(i);
      return c >= 0x21 && c <= 0x7e ? b(text.slice(0, i) + String.fromCharCode(c - 0x21 + 0xff01) + text.slice(i + 1)) : word;
    }
    case "space":
      return b(rng.pick([`${text} `, ` ${text}`, `${text}\t`, `${text}\r\n`]));
    default:
      return word;
  }
}

/** Keywords that decide a key position, a database, a blocking timeout or a size somewhere in Redis 7.0. */
export const DECISIVE_TOKENS = new Set([
  "STORE",
  "STOREDIST",
  "BLOCK",
  "STREAMS",
  "DB",
  "GET",
  "SET",
  "INCRBY",
  "OVERFLOW",
  "BY",
  "LIMIT",
  "COUNT",
  "KEYS",
  "GROUP",
  "RANK",
  "MAXLEN",
  "WEIGHTS",
  "MATCH",
  "TYPE",
  "FROMMEMBER",
  "MINMATCHLEN",
  "NUMKEYS",
]);

/** Keyword pairs injected anywhere: the decisive ones, with a value. */
export function injectedKeyword(rng: Rng, keys: KeyPool): Array<{ a: string; role: Role }> {
  const key = () => ({ a: pickKey(rng, keys), role: "key" as const });
  const tok = (t: string) => ({ a: t, role: "token" as const });
  const val = (v: string) => ({ a: v, role: "value" as const });
  return rng.pick([
    () => [tok("STORE"), key()],
    () => [tok("STOREDIST"), key()],
    () => [tok("BLOCK"), val(rng.pick(TIMEOUTS_MS))],
    () => [tok("STREAMS"), key(), val(rng.pick(IDS))],
    () => [tok("DB"), val(rng.pick(["1", "3", "0", "15"]))],
    () => [tok("GET"), val(rng.pick(ENCODINGS)), val(rng.pick(OFFSETS))],
    () => [tok("SET"), val(rng.pick(ENCODINGS)), val(rng.pick(OFFSETS)), val("1")],
    () => [tok("INCRBY"), val(rng.pick(ENCODINGS)), val(rng.pick(OFFSETS)), val("1")],
    () => [tok("BY"), val(rng.pick(PATTERNS))],
    () => [tok("LIMIT"), val("0"), val("1")],
    () => [tok("COUNT"), val(rng.pick(INTEGERS))],
    () => [tok("KEYS"), key()],
    () => [tok("MATCH"), val(rng.pick(GLOB_KEYS))],
    () => [tok("TYPE"), val(rng.pick(["string", "list", "x"]))],
    () => [tok("REPLACE")],
  ])();
}

const WORD_MUTATIONS: ReadonlyArray<readonly [number, Mutation]> = [
  [10, "nul-append"],
  [8, "nul-suffix"],
  [6, "nul-insert"],
  [3, "nul-alone"],
  [3, "nul-prefix"],
  [8, "case"],
  [6, "lookalike"],
  [3, "ligature"],
  [3, "fullwidth"],
  [2, "space"],
];
const STRUCT_MUTATIONS: ReadonlyArray<readonly [number, Mutation]> = [
  [10, "dup-keyword"],
  [5, "dup-keyword-nul"],
  [4, "reorder"],
  [8, "inject-keyword"],
];

function clone(v: Variant): Variant {
  return { cmd: v.cmd, argv: v.argv.slice(), roles: v.roles.slice(), groups: v.groups.map((g) => ({ ...g })), mutations: v.mutations.slice() };
}

/** Applies one mutation of the given kind (or a random one) to a copy of the variant. */
export function mutate(rng: Rng, v0: Variant, keys: KeyPool, kind?: Mutation, target?: (token: string) => boolean): Variant {
  const v = clone(v0);
  const words = v.roles.map((r, i) => (r === "name" || r === "sub" || r === "token" ? i : -1)).filter((i) => i >= 0);
  const structural = kind ? STRUCT_MUTATIONS.some(([, k]) => k === kind) : rng.chance(0.35);
  const k: Mutation = kind ?? (structural ? rng.weighted(STRUCT_MUTATIONS) : rng.weighted(WORD_MUTATIONS));
  const upperOf = (i: number) => Buffer.from(v.argv[i]).toString("latin1").toUpperCase();
  if (!structural) {
    // Name, subcommand or keyword: keywords most often (that is where the escapes were).
    let tokens = words.filter((i) => v.roles[i] === "token");
    if (target) tokens = tokens.filter((i) => target(upperOf(i)));
    const i = tokens.length && (target || rng.chance(0.6)) ? rng.pick(tokens) : rng.pick(words);
    v.argv[i] = mutateWord(rng, v.argv[i], k);
    v.mutations.push(`${k}:${v.roles[i]}@${i}`);
    return v;
  }
  const insert = (at: number, items: Array<{ a: Uint8Array | string; role: Role }>) => {
    v.argv.splice(at, 0, ...items.map((x) => (typeof x.a === "string" ? b(x.a) : x.a)));
    v.roles.splice(at, 0, ...items.map((x) => x.role));
    for (const g of v.groups) {
      if (g.start >= at) g.start += items.length;
      if (g.end > at) g.end += items.length;
    }
  };
  const firstArg = v.roles[1] === "sub" ? 2 : 1;
  const groups = target && v.groups.some((g) => target(g.token)) ? v.groups.filter((g) => target(g.token)) : v.groups;
  if ((k === "dup-keyword" || k === "dup-keyword-nul") && groups.length) {
    // The same keyword again, later (Redis often honours the last), its values drawn anew.
    const g = rng.pick(groups);
    const items: Array<{ a: Uint8Array | string; role: Role }> = [];
    for (let i = g.start; i < g.end; i++) {
      const role = v.roles[i];
      let a: Uint8Array | string = v.argv[i];
      if (role === "key") a = pickKey(rng, keys);
      if (i === g.start && k === "dup-keyword-nul") a = mutateWord(rng, v.argv[i], rng.pick(["nul-append", "nul-suffix", "case"] as const));
      items.push({ a, role });
    }
    // At the end, right after the first occurrence (BLOCK 1 BLOCK 0 STREAMS …), or anywhere after the name.
    const at = rng.weighted([
      [4, v.argv.length],
      [3, g.end],
      [3, rng.int(firstArg, v.argv.length)],
    ] as const);
    insert(at, items);
    v.groups.push({ token: g.token, start: at, end: at + items.length });
    v.mutations.push(`${k}:${g.token}@${at}`);
    return v;
  }
  if (k === "reorder" && v.groups.length >= 2) {
    const [g1, g2] = rng
      .shuffle(v.groups.slice())
      .slice(0, 2)
      .sort((x, y) => x.start - y.start);
    if (g1.end <= g2.start) {
      const seg = (g: typeof g1) => ({ argv: v.argv.slice(g.start, g.end), roles: v.roles.slice(g.start, g.end) });
      const s1 = seg(g1);
      const s2 = seg(g2);
      const mid = { argv: v.argv.slice(g1.end, g2.start), roles: v.roles.slice(g1.end, g2.start) };
      v.argv.splice(g1.start, g2.end - g1.start, ...s2.argv, ...mid.argv, ...s1.argv);
      v.roles.splice(g1.start, g2.end - g1.start, ...s2.roles, ...mid.roles, ...s1.roles);
      v.groups = []; // positions changed; a reordered line is not mutated further by group
      v.mutations.push(`reorder:${g1.token}<->${g2.token}`);
      return v;
    }
  }
  // inject-keyword (and the fallback when a structural mutation does not apply)
  const items = injectedKeyword(rng, keys);
  if (rng.chance(0.4))
    items[0] = {
      a: Buffer.from(mutateWord(rng, b(items[0].a as string), rng.pick(["nul-append", "nul-suffix", "case", "lookalike"] as const))).toString("latin1"),
      role: "token",
    };
  const at = rng.chance(0.5) ? v.argv.length : rng.int(Math.min(firstArg, v.argv.length), v.argv.length);
  const asBytes = items.map((x) => ({ a: typeof x.a === "string" && x.role === "token" ? Buffer.from(x.a, "latin1") : x.a, role: x.role }));
  insert(at, asBytes);
  v.groups.push({
    token: Buffer.from(asBytes[0].a as Uint8Array | string)
      .toString()
      .toUpperCase(),
    start: at,
    end: at + items.length,
  });
  v.mutations.push(`inject:${showArg(typeof asBytes[0].a === "string" ? b(asBytes[0].a) : asBytes[0].a)}@${at}`);
  return v;
}

/**
 * Lines for a whole server: for every command and subcommand `perCommand`
 * clean lines and `mutated` mutated ones (1–3 mutations each), shuffled.
 * Containers are also generated bare and with unknown subcommands.
 */
export function variants(rng: Rng, g: Grammar, opts: GenOptions & { perCommand: number; mutated: number; only?: (c: CommandSpec) => boolean }): Variant[] {
  const out: Variant[] = [];
  for (const c of g.commands) {
    if (opts.only && !opts.only(c)) continue;
    const r = rng.fork(hash(c.name));
    if (c.container) {
      out.push({ cmd: c.name, argv: [b(c.words[0])], roles: ["name"], groups: [], mutations: ["bare-container"] });
      out.push({
        cmd: c.name,
        argv: [b(c.words[0]), b(r.pick(["nosuch", "LIST\0", "help\0x", "HELP ", "ſet"]))],
        roles: ["name", "sub"],
        groups: [],
        mutations: ["unknown-sub"],
      });
      continue;
    }
    for (let i = 0; i < opts.perCommand; i++) out.push(generate(r, c, opts));
    for (let i = 0; i < opts.mutated; i++) {
      let v = generate(r, c, opts);
      const n = r.weighted([
        [6, 1],
        [3, 2],
        [1, 3],
      ] as const);
      for (let j = 0; j < n; j++) v = mutate(r, v, opts.keys);
      out.push(v);
    }
  }
  return rng.shuffle(out);
}

export function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
  return h;
}

/**
 * The prefix of a word up to its first NUL, ASCII lower-cased: what Redis's
 * strcasecmp compares. Used to keep commands that bypass ACL (no_auth) off
 * any raw connection.
 */
export function redisReading(a: Uint8Array): string {
  let s = "";
  for (const c of a) {
    if (c === 0) break;
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return s;
}

/** NUL-suffixed candidates for a name: `GET\0` + n, in a fixed order. */
export function nulCandidates(word: string, n: number, salt = ""): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => cat(b(word), NUL, b(`${salt}${i.toString(36)}`)));
}

/**
 * Lines aimed at the decisive keywords: for every command whose arguments
 * include one (STORE, BLOCK, DB, STREAMS, BITFIELD's GET/SET/INCRBY, …), `n`
 * lines that include its optional keywords and mutate one of the decisive
 * ones: NUL appended or with a suffix, inserted, mixed case, a look-alike,
 * or the keyword given twice (the second time with a NUL or in another case).
 */
export function decisiveVariants(rng: Rng, g: Grammar, opts: GenOptions & { n: number; only?: (c: CommandSpec) => boolean }): Variant[] {
  const kinds: Mutation[] = ["nul-append", "nul-suffix", "nul-insert", "case", "lookalike", "dup-keyword", "dup-keyword-nul", "dup-keyword", "nul-append"];
  const out: Variant[] = [];
  for (const c of g.commands) {
    if (c.container || (opts.only && !opts.only(c))) continue;
    const decisive = [...c.tokens].filter((t) => DECISIVE_TOKENS.has(t));
    if (!decisive.length) continue;
    const r = rng.fork(hash(`decisive:${c.name}`));
    const isDecisive = (t: string) => decisive.includes(t.replace(/\0.*$/s, "").toUpperCase());
    for (let i = 0; i < opts.n; i++) {
      let v: Variant | undefined;
      // Until the line carries one of the decisive keywords (optional ones are often left out).
      for (let tries = 0; tries < 12 && !v?.groups.some((x) => isDecisive(x.token)); tries++) v = generate(r, c, { ...opts, pOmit: 0.25 });
      if (!v?.groups.some((x) => isDecisive(x.token))) continue;
      out.push(mutate(r, v, opts.keys, kinds[i % kinds.length], isDecisive));
    }
  }
  return out;
}

/** The key type a command of a docs group works on (for aiming a line at a victim's key of the right type). */
export const GROUP_TYPE: Record<string, string> = {
  string: "str",
  bitmap: "str",
  list: "list",
  hash: "hash",
  set: "set",
  "sorted-set": "zset",
  stream: "stream",
  geo: "geo",
  hyperloglog: "hll",
  generic: "str",
};

/** The same line with every key argument replaced by `keyFor(i)`. */
export function retarget(v: Variant, keyFor: (i: number) => string): Variant {
  const out: Variant = { ...v, argv: v.argv.slice(), mutations: [...v.mutations, "keys→victim"] };
  v.roles.forEach((r, i) => {
    if (r === "key") out.argv[i] = b(keyFor(i));
  });
  return out;
}
