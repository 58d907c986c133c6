import { isKeyword, redisWord } from "./args";
import { type Problem, problem } from "@/lib/problems";

/**
 * XREAD/XREADGROUP's options, read by the same loop as Redis 7.0's
 * xreadCommand (t_stream.c): left to right, BLOCK and COUNT take one value,
 * GROUP (XREADGROUP only) two, NOACK none, and STREAMS ends the options.
 * Keywords compare as Redis compares them (args.ts). A repeated BLOCK, COUNT,
 * GROUP or STREAMS is refused: Redis would honour the last BLOCK.
 */
export type XreadOptions = { block?: number; streams?: number } | { refuse: Problem };

export function readXread(argv: readonly Uint8Array[], group: boolean): XreadOptions {
  const upper = group ? "XREADGROUP" : "XREAD";
  const seen = new Set<string>();
  let block: number | undefined;
  const once = (kw: string): Problem | null => {
    if (seen.has(kw)) return problem("args:repeated-option", { keyword: kw.toUpperCase(), command: upper });
    seen.add(kw);
    return null;
  };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const w = redisWord(argv[i]);
    if (w === "block" && more) {
      const dup = once(w);
      if (dup) return { refuse: dup };
      block = ++i;
    } else if (w === "count" && more) {
      const dup = once(w);
      if (dup) return { refuse: dup };
      i++;
    } else if (w === "streams" && more) {
      return { block, streams: i + 1 };
    } else if (w === "group" && more >= 2) {
      const dup = once(w);
      if (dup) return { refuse: dup };
      i += 2;
    } else if (w === "noack") {
    } else {
      // Redis answers a syntax error here, before blocking. A BLOCK that this
      // loop did not reach must not slip onto the shared connection anyway.
      if (argv.slice(i).some((a) => isKeyword(a, "block"))) {
        return { refuse: problem("args:unreadable-options", { command: upper }) };
      }
      return { block };
    }
  }
  return { block };
}
