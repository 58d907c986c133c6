/**
 * The one reading of an argument, the way Redis 7 reads it. Everything the
 * sandbox decides about a command name, a subcommand or a keyword goes through
 * here, so the sandbox and the server can never read the same bytes two ways.
 *
 * Facts this relies on (Redis 7.0.15, checked against a scratch server; see
 * docs/architecture.md "The sandbox reads arguments as Redis does"):
 * - Command and subcommand lookup is case-insensitive on ASCII only (tolower in
 *   the C locale) and compares up to the first NUL byte: the dictionary hashes
 *   the whole name but compares with strcasecmp, so `GET\0xyz` resolves to GET
 *   whenever the hashes happen to collide (about 1 suffix in 256).
 * - Keywords (STORE, BLOCK, DB, STREAMS, BITFIELD's SET, …) are compared with
 *   strcasecmp too: `STORE\0junk` is STORE to Redis.
 * - Several commands act on the last occurrence of a repeated keyword
 *   (GEORADIUS … STORE a STORE b writes b; SORT … STORE a STORE b writes b;
 *   XREAD … BLOCK 1 BLOCK 0 blocks forever).
 * Unicode look-alikes (the Kelvin sign, `ſ`, fullwidth letters) are not
 * folded by Redis, so they are not folded here either (JavaScript's
 * toLowerCase would fold some of them into ASCII).
 */

const NUL = 0;

/** Redis's reading of a word: ASCII letters lower-cased, cut at the first NUL; other bytes kept (as latin1). */
export function redisWord(a: Uint8Array | undefined): string {
  if (!a) return "";
  let s = "";
  for (let i = 0; i < a.length; i++) {
    const c = a[i];
    if (c === NUL) break;
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return s;
}

/** ASCII upper-casing of every byte, as sdstoupper does (for Redis's "Try OBJECT HELP"). */
function asciiUpper(a: Uint8Array): Uint8Array {
  return a.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
}

export function hasNul(a: Uint8Array | undefined): boolean {
  return !!a && a.includes(NUL);
}

/** True when Redis would read `a` as the keyword `kw` (given in lower case). */
export function isKeyword(a: Uint8Array | undefined, kw: string): boolean {
  return redisWord(a) === kw;
}

/** An argument as a learner reads it in a message (NUL and control bytes escaped). */
export function shown(a: Uint8Array): string {
  const text = new TextDecoder().decode(a);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are exactly what this escapes for display
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const utf8 = new TextDecoder();

/** `%.Ns` of a C string: up to the first NUL, at most n bytes. */
function cString(a: Uint8Array, n: number): Uint8Array {
  const nul = a.indexOf(NUL);
  const end = Math.min(nul < 0 ? a.length : nul, n);
  return a.subarray(0, end);
}

/** Redis replaces CR and LF in an error with spaces (rejectCommandFormat), so the protocol stays valid. */
function errorText(parts: Uint8Array[]): string {
  return utf8.decode(Buffer.concat(parts)).replace(/[\r\n]/g, " ");
}

const bytes = (s: string) => new TextEncoder().encode(s);

/**
 * The error Redis 7.0 gives for a command it does not know, byte for byte
 * (server.c processCommand: name cut at 128 bytes, arguments quoted while the
 * list is under 128 bytes, each cut at what is left; every string stops at a NUL).
 */
export function unknownCommandError(argv: readonly Uint8Array[]): string {
  const args: Uint8Array[] = [];
  let len = 0;
  for (let i = 1; i < argv.length && len < 128; i++) {
    const part = Buffer.concat([bytes("'"), cString(argv[i], 128 - len), bytes("' ")]);
    args.push(part);
    len += part.length;
  }
  return errorText([bytes("ERR unknown command '"), cString(argv[0], 128), bytes("', with args beginning with: "), ...args]);
}

/** The error Redis 7.0 gives for an unknown subcommand of a container (OBJECT, XINFO, …). */
export function unknownSubcommandError(argv: readonly Uint8Array[]): string {
  return errorText([bytes("ERR unknown subcommand '"), cString(argv[1], 128), bytes("'. Try "), cString(asciiUpper(argv[0]), Infinity), bytes(" HELP.")]);
}

/** Redis's arity error, with the command's full name (`object|encoding`). */
export function arityError(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

/**
 * Keywords whose repetition Redis may read differently from the sandbox: each
 * group may occur once on a line (counted over every argument after the name,
 * keys too, so a key may not be named like one). Keywords that begin a key
 * spec (the live server's `keyword` begin_search) are added to this list by
 * the sandbox itself; XREAD/XREADGROUP and SORT are read by parsers of their
 * own (xread-args.ts, sort-args.ts) that mirror Redis's loops.
 */
export const DECISIVE_KEYWORDS: Record<string, string[][]> = {
  georadius: [["store", "storedist"]],
  georadiusbymember: [["store", "storedist"]],
  copy: [["db"]],
  lpos: [["rank"], ["count"], ["maxlen"]],
  geosearch: [["count"]],
  geosearchstore: [["count"], ["storedist"]],
  lmpop: [["count"]],
  zmpop: [["count"]],
  blmpop: [["count"]],
  bzmpop: [["count"]],
  xautoclaim: [["count"]],
  xrange: [["count"]],
  xrevrange: [["count"]],
  lcs: [["minmatchlen"]],
};
