import type { CommandDoc } from "@/lib/command-docs";

/**
 * Tab completion and the inline argument hint, from the live server's
 * COMMAND DOCS. Runs in the browser.
 */
export function completions(line: string, docs: readonly CommandDoc[]): string[] {
  const m = /^(\s*)(\S*)(\s+(\S*))?$/.exec(line);
  if (!m) return [];
  const [, lead, first, rest, second] = m;
  if (rest === undefined) {
    const prefix = first.toUpperCase();
    const names = new Set(docs.map((d) => d.name.split(" ")[0]).filter((n) => n.startsWith(prefix)));
    return [...names].sort().map((n) => `${lead}${n} `);
  }
  const prefix = `${first.toUpperCase()} ${(second ?? "").toUpperCase()}`;
  return docs
    .filter((d) => d.name.includes(" ") && d.name.startsWith(prefix))
    .map((d) => `${lead}${d.name} `)
    .sort();
}

/** Splits "key [NX|XX] [EX seconds|PX ms]" at top-level spaces. */
export function splitSynopsis(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of args) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === " " && depth === 0) {
      if (cur) out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** The part of a command's synopsis still to type, redis-cli style. */
export function hint(line: string, docs: readonly CommandDoc[]): string {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "";
  const upper = words.map((w) => w.toUpperCase());
  const doc = docs.find((d) => d.name === upper.slice(0, 2).join(" ")) ?? docs.find((d) => d.name === upper[0]);
  if (!doc) return "";
  const nameWords = doc.name.split(" ").length;
  if (words.length === nameWords && !/\s$/.test(line) && upper[0] !== doc.name.split(" ")[0]) return "";
  const typed = Math.max(0, words.length - nameWords - (/\s$/.test(line) ? 0 : 1));
  const rest = splitSynopsis(doc.args);
  // Required arguments are consumed one by one; once into the optional ones, keep showing them.
  let i = 0;
  for (let n = 0; n < typed && i < rest.length && !rest[i].startsWith("["); n++) i++;
  const remaining = rest.slice(i).join(" ");
  if (!remaining) return "";
  return (/\s$/.test(line) ? "" : " ") + remaining;
}

/**
 * For a command Redis did not know ("SETT"), the known names closest to it:
 * the nearest ones at most two edits away (a typo, a swapped pair), at most three.
 */
export function didYouMean(word: string, docs: readonly CommandDoc[]): string[] {
  const w = word.toUpperCase();
  if (w.length < 2 || w.length > 30) return [];
  const names = [...new Set(docs.map((d) => d.name.split(" ")[0]))];
  const near = names.map((n) => ({ n, d: distance(w, n) })).filter((x) => x.d <= (w.length <= 3 ? 1 : 2));
  const best = Math.min(...near.map((x) => x.d));
  return near
    .filter((x) => x.d === best)
    .map((x) => x.n)
    .sort()
    .slice(0, 3);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
