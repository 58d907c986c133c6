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
