import type { Reply } from "@/lib/resp/reply";

/** One key spec, as the live server reports it in `COMMAND` (Redis ≥ 7). */
export interface KeySpec {
  flags: string[];
  beginSearch: { type: "index"; index: number } | { type: "keyword"; keyword: string; startfrom: number } | { type: "unknown" };
  findKeys:
    | { type: "range"; lastkey: number; keystep: number; limit: number }
    | { type: "keynum"; keynumidx: number; firstkey: number; keystep: number }
    | { type: "unknown" };
}

export interface CommandInfo {
  /** Lower-case, `container|sub` for subcommands. */
  name: string;
  arity: number;
  flags: Set<string>;
  categories: Set<string>;
  keySpecs: KeySpec[];
  subcommands: Map<string, CommandInfo>;
  /** Lower-case keyword tokens of its arguments, from `COMMAND DOCS` (STORE, BLOCK, WITHSCORES, …). */
  tokens: Set<string>;
}

export type CommandTable = Map<string, CommandInfo>;

const str = (r: Reply | undefined): string =>
  r && (r.t === "bulk" || r.t === "status" || r.t === "verbatim") ? r.v : r && r.t === "integer" ? String(r.v) : "";
const num = (r: Reply | undefined): number => Number(str(r));
const list = (r: Reply | undefined): Reply[] => (r && "v" in r && Array.isArray(r.v) ? r.v : []);

/** A RESP2 flat [k, v, k, v…] array (or a RESP3 map) as a lookup. */
function pairs(r: Reply | undefined): Map<string, Reply> {
  const m = new Map<string, Reply>();
  const v = list(r);
  for (let i = 0; i + 1 < v.length; i += 2) m.set(str(v[i]).toLowerCase(), v[i + 1]);
  return m;
}

function parseKeySpec(r: Reply): KeySpec {
  const m = pairs(r);
  const bs = pairs(m.get("begin_search"));
  const bsSpec = pairs(bs.get("spec"));
  const fk = pairs(m.get("find_keys"));
  const fkSpec = pairs(fk.get("spec"));
  const bsType = str(bs.get("type"));
  const fkType = str(fk.get("type"));
  return {
    flags: list(m.get("flags")).map((f) => str(f).toUpperCase()),
    beginSearch:
      bsType === "index"
        ? { type: "index", index: num(bsSpec.get("index")) }
        : bsType === "keyword"
          ? { type: "keyword", keyword: str(bsSpec.get("keyword")), startfrom: num(bsSpec.get("startfrom")) }
          : { type: "unknown" },
    findKeys:
      fkType === "range"
        ? { type: "range", lastkey: num(fkSpec.get("lastkey")), keystep: num(fkSpec.get("keystep")), limit: num(fkSpec.get("limit")) }
        : fkType === "keynum"
          ? { type: "keynum", keynumidx: num(fkSpec.get("keynumidx")), firstkey: num(fkSpec.get("firstkey")), keystep: num(fkSpec.get("keystep")) }
          : { type: "unknown" },
  };
}

function parseEntry(r: Reply): CommandInfo {
  const v = list(r);
  const subs = new Map<string, CommandInfo>();
  for (const s of list(v[9])) {
    const info = parseEntry(s);
    subs.set(info.name.split("|")[1] ?? info.name, info);
  }
  return {
    name: str(v[0]).toLowerCase(),
    arity: num(v[1]),
    flags: new Set(list(v[2]).map((f) => str(f).toLowerCase())),
    categories: new Set(list(v[6]).map((c) => str(c).toLowerCase().replace(/^@/, ""))),
    keySpecs: list(v[8]).map(parseKeySpec),
    subcommands: subs,
    tokens: new Set(),
  };
}

/** Builds the table from the reply of a bare `COMMAND`. */
export function parseCommandTable(reply: Reply): CommandTable {
  const table: CommandTable = new Map();
  for (const entry of list(reply)) {
    const info = parseEntry(entry);
    table.set(info.name, info);
  }
  return table;
}

/** Every `token` in a COMMAND DOCS argument tree, lower-cased. */
function tokensOf(args: Reply | undefined, into: Set<string>): Set<string> {
  for (const a of list(args)) {
    const m = pairs(a);
    const t = str(m.get("token"));
    if (t) into.add(t.toLowerCase());
    tokensOf(m.get("arguments"), into);
  }
  return into;
}

/** Adds each command's keyword tokens from the reply of `COMMAND DOCS`. */
export function attachDocTokens(table: CommandTable, docs: Reply): CommandTable {
  const v = list(docs);
  for (let i = 0; i + 1 < v.length; i += 2) {
    const doc = pairs(v[i + 1]);
    const top = table.get(str(v[i]).toLowerCase());
    if (!top) continue;
    tokensOf(doc.get("arguments"), top.tokens);
    const subs = list(doc.get("subcommands"));
    for (let j = 0; j + 1 < subs.length; j += 2) {
      const sub = top.subcommands.get(str(subs[j]).toLowerCase().split("|")[1] ?? "");
      if (sub) tokensOf(pairs(subs[j + 1]).get("arguments"), sub.tokens);
    }
  }
  return table;
}

/** Finds the entry for argv: `object encoding k` → `object|encoding`. */
export function lookupCommand(table: CommandTable, name: string, sub: string | undefined): CommandInfo | undefined {
  const top = table.get(name.toLowerCase());
  if (!top || top.subcommands.size === 0) return top;
  return sub === undefined ? top : top.subcommands.get(sub.toLowerCase());
}
