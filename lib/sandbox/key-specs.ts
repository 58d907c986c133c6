import type { CommandInfo } from "./command-table";
import { isKeyword } from "./args";
import { type Problem, problem } from "@/lib/problems";

const dec = new TextDecoder();

/**
 * Key positions in argv for one command, read from the server's key specs the
 * way Redis itself reads them (getKeysUsingKeySpecs in db.c, keywords compared
 * as args.ts compares them). Refuses, with
 * the reason a learner sees, when a spec cannot be followed (type "unknown",
 * an INCOMPLETE spec, a keyword given twice): such a line cannot be sandboxed.
 */
export type KeyPositions = { ok: true; positions: number[] } | { ok: false; reason: Problem };

const refuse = (reason: Problem): KeyPositions => ({ ok: false, reason });

export function keyPositions(cmd: CommandInfo, argv: readonly Uint8Array[]): KeyPositions {
  const upper = cmd.name.replace("|", " ").toUpperCase();
  const cannot = refuse(problem("keys:unreadable", { command: upper }));
  const argc = argv.length;
  const out = new Set<number>();
  for (const spec of cmd.keySpecs) {
    if (spec.flags.includes("INCOMPLETE")) return cannot;
    let first = 0;
    const bs = spec.beginSearch;
    if (bs.type === "index") {
      first = bs.index;
    } else if (bs.type === "keyword") {
      const start = bs.startfrom > 0 ? bs.startfrom : argc + bs.startfrom;
      const end = bs.startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (isKeyword(argv[i], bs.keyword.toLowerCase())) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword absent: this spec names no keys
      // The keyword given twice (GEORADIUS … STORE a STORE b): the command may
      // honour another occurrence than the spec names, whose key would then
      // go unprefixed. Such a line cannot be checked.
      for (let i = 1; i < argc; i++) {
        if (i !== first - 1 && isKeyword(argv[i], bs.keyword.toLowerCase())) {
          const kw = bs.keyword.toUpperCase();
          return refuse(problem("keys:repeated-keyword", { keyword: kw, command: upper, what: "key" }));
        }
      }
    } else {
      return cannot;
    }
    let last: number;
    let step: number;
    const fk = spec.findKeys;
    if (fk.type === "range") {
      if (fk.lastkey >= 0) last = first + fk.lastkey;
      else if (!fk.limit) last = argc + fk.lastkey;
      else last = first + (Math.floor((argc - first) / fk.limit) + fk.lastkey);
      step = fk.keystep;
    } else if (fk.type === "keynum") {
      if (first + fk.keynumidx >= argc) continue; // no count given: Redis reports the arity error
      const text = dec.decode(argv[first + fk.keynumidx]);
      if (!/^-?\d+$/.test(text)) continue; // Redis rejects the count itself
      const numkeys = Number(text);
      if (numkeys < 0) continue;
      first += fk.firstkey;
      last = first + numkeys - 1;
      step = fk.keystep;
    } else {
      return cannot;
    }
    if (step <= 0) return cannot;
    // Past the end of the line there are no keys: Redis reports the arity error.
    // (Breaking, not continuing: a key count of 10^18 must not spin the loop.)
    for (let i = first; i <= last && i < argc; i += step) out.add(i);
  }
  return { ok: true, positions: [...out].sort((a, b) => a - b) };
}
