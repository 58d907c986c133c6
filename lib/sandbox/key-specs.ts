import type { CommandInfo } from "./command-table";

const dec = new TextDecoder();

/**
 * Key positions in argv for one command, read from the server's key specs the
 * way Redis itself reads them (getKeysUsingKeySpecs in db.c). Returns `null`
 * when a spec cannot be followed (type "unknown", an INCOMPLETE spec, or a bad
 * key count): such a command cannot be sandboxed safely.
 */
export function keyPositions(cmd: CommandInfo, argv: readonly Uint8Array[]): number[] | null {
  const argc = argv.length;
  const out = new Set<number>();
  for (const spec of cmd.keySpecs) {
    if (spec.flags.includes("INCOMPLETE")) return null;
    let first = 0;
    const bs = spec.beginSearch;
    if (bs.type === "index") {
      first = bs.index;
    } else if (bs.type === "keyword") {
      const start = bs.startfrom > 0 ? bs.startfrom : argc + bs.startfrom;
      const end = bs.startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (dec.decode(argv[i]).toLowerCase() === bs.keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword absent: this spec names no keys
    } else {
      return null;
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
      if (first + fk.keynumidx >= argc) return null;
      const text = dec.decode(argv[first + fk.keynumidx]);
      if (!/^-?\d+$/.test(text)) continue; // Redis rejects the count itself
      const numkeys = Number(text);
      if (numkeys < 0) continue;
      first += fk.firstkey;
      last = first + numkeys - 1;
      step = fk.keystep;
    } else {
      return null;
    }
    if (step <= 0) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue; // too few args: Redis reports the arity error
      out.add(i);
    }
  }
  return [...out].sort((a, b) => a - b);
}
