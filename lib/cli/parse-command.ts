import { type Problem, problem } from "@/lib/problems";

/**
 * Splits a command line exactly as redis-cli does (sdssplitargs in sds.c):
 * double quotes with \n \r \t \b \a \" \\ and \xHH escapes, single quotes with \',
 * a closing quote must be followed by a space or the end of the line.
 * Works on UTF-8 bytes, because \xHH may produce any byte.
 *
 * A line sdssplitargs rejects (an unbalanced quote, a closing quote followed
 * by another character) is one redis-cli does not send: it prints only
 * INVALID_ARGUMENTS (cliReadReply never runs: no "(error) "). The error here
 * says which quote and where, as an explanation under it (lib/exec.ts).
 */
export const INVALID_ARGUMENTS = "Invalid argument(s)";

/** What redis-cli prints for a line it cannot split, as a reply: an error without "(error) " (lib/cli/format-reply.ts). */
export const invalidArguments = (): { t: "error"; v: string; cli: true } => ({ t: "error", v: INVALID_ARGUMENTS, cli: true });

export type ParseResult =
  /** `argc` counts every argument; past `maxArgs`, `argv` holds only the first `maxArgs`. */
  { ok: true; argv: Uint8Array[]; argc: number } | { ok: false; error: Problem };

const SPACE = new Set([0x20, 0x0a, 0x0d, 0x09, 0x0b, 0x0c]); // C isspace()

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

/**
 * `maxArgs`: arguments past it are counted but not kept, so a line of half a
 * million tiny arguments costs one scan, not half a million arrays.
 */
export function parseCommandLine(line: string, maxArgs = Infinity): ParseResult {
  return parseCommandBytes(new TextEncoder().encode(line), maxArgs);
}

/** The same on bytes: an inline command as Redis reads it off the wire (processInlineBuffer runs sdssplitargs too). */
export function parseCommandBytes(p: Uint8Array, maxArgs = Infinity): ParseResult {
  const argv: Uint8Array[] = [];
  let argc = 0;
  let i = 0;
  const at = (k: number) => (k < p.length ? p[k] : 0);
  for (;;) {
    while (i < p.length && SPACE.has(p[i])) i++;
    if (i >= p.length) return { ok: true, argv, argc };
    const keep = argc < maxArgs;
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    const tokenStart = i;
    while (!done) {
      const c = at(i);
      if (inq) {
        if (c === 0x5c && at(i + 1) === 0x78 && hexValue(at(i + 2)) >= 0 && hexValue(at(i + 3)) >= 0) {
          if (keep) cur.push(hexValue(at(i + 2)) * 16 + hexValue(at(i + 3)));
          i += 3;
        } else if (c === 0x5c && i + 1 < p.length) {
          i++;
          if (keep) cur.push(ESCAPES[p[i]] ?? p[i]);
        } else if (c === 0x22) {
          if (i + 1 < p.length && !SPACE.has(p[i + 1])) return closingQuoteError('"', tokenStart, p);
          done = true;
        } else if (i >= p.length) {
          return unbalancedError('"', tokenStart, p);
        } else {
          if (keep) cur.push(c);
        }
      } else if (insq) {
        if (c === 0x5c && at(i + 1) === 0x27) {
          i++;
          if (keep) cur.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < p.length && !SPACE.has(p[i + 1])) return closingQuoteError("'", tokenStart, p);
          done = true;
        } else if (i >= p.length) {
          return unbalancedError("'", tokenStart, p);
        } else {
          if (keep) cur.push(c);
        }
      } else if (i >= p.length || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        done = true;
      } else if (c === 0x22) {
        inq = true;
      } else if (c === 0x27) {
        insq = true;
      } else {
        if (keep) cur.push(c);
      }
      if (i < p.length) i++;
    }
    argc++;
    if (keep) argv.push(Uint8Array.from(cur));
  }
}

function charOffset(p: Uint8Array, byteOffset: number): number {
  return new TextDecoder().decode(p.subarray(0, byteOffset)).length + 1;
}

function unbalancedError(q: string, byteOffset: number, p: Uint8Array): ParseResult {
  const kind = q === '"' ? "double" : "single";
  return {
    ok: false,
    error: problem("line:unbalanced-quote", { quote: kind, column: charOffset(p, byteOffset) }),
  };
}

function closingQuoteError(q: string, byteOffset: number, p: Uint8Array): ParseResult {
  return {
    ok: false,
    error: problem("line:quote-then-char", { quote: q === '"' ? "double" : "single", column: charOffset(p, byteOffset) }),
  };
}

/** The first word of a line, upper-cased, for hints and completion (no parse errors). */
export function firstWord(line: string): string {
  return (line.trimStart().split(/\s+/, 1)[0] ?? "").toUpperCase();
}
