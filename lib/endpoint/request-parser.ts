import { parseCommandBytes } from "@/lib/cli/parse-command";

/**
 * Reads client requests off a RESP connection as Redis 7.0 does
 * (networking.c: processInlineBuffer, processMultibulkBuffer), so that the
 * endpoint for learners' own clients splits every byte stream into the same
 * commands Redis would: the same arguments, the same protocol errors, the same
 * quirks (a header line ends at the first CR and the byte after it is skipped
 * unread; a bulk's two trailing bytes are skipped unread; a NUL before the CR
 * hides the CR, because Redis looks for it with strchr). lib/endpoint/
 * request-parser.test.ts sends each case to a real redis-server too.
 *
 * Bounded: it never holds more than one header line (at most
 * `maxInlineBytes`, 64 KiB as in Redis), the arguments of the command being
 * read (at most `maxCommandBytes` in all, `maxArgBytes` each, `maxArgs` of
 * them) and what is left of the current chunk. A length over a cap is refused
 * from its header, before its bytes arrive. Before authentication Redis's own
 * tighter caps hold: at most 10 arguments, 16 KiB each.
 *
 * A protocol error is final: `push` returns it once, after the commands that
 * came before it, and the connection is to be closed after replying it, as
 * Redis does.
 */
export interface RequestLimits {
  maxArgs: number;
  maxArgBytes: number;
  maxCommandBytes: number;
  /** Longest header or inline line; Redis: PROTO_INLINE_MAX_SIZE, 64 KiB. */
  maxInlineBytes: number;
}

export interface ParsedRequests {
  commands: Buffer[][];
  /** The error Redis would reply (without the leading "-"), one character per byte (write it as latin1); the connection closes after it. */
  error?: string;
}

const CR = 13;
const LF = 10;
const NUL = 0;
const STAR = 42;
const DOLLAR = 36;
const INT_MAX = 2 ** 31 - 1;
const PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;
/** Redis's caps for a client that has not authenticated yet (networking.c). */
const UNAUTH_MAX_ARGS = 10;
const UNAUTH_MAX_BULK = 16384;

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

export class RequestParser {
  /** Bytes received and not consumed yet. */
  private buf: Buffer = Buffer.alloc(0);
  /** Arguments still to read in the current multibulk; 0 when between commands. */
  private left = 0;
  /** The current bulk's length, or -1 while its header is awaited. */
  private bulkLen = -1;
  private argv: Buffer[] = [];
  private argBytes = 0;
  private dead = false;
  /** Whether the client has authenticated: lifts Redis's unauthenticated caps. */
  authenticated = false;

  constructor(private readonly limits: RequestLimits) {}

  /** Bytes held: the unconsumed input and the arguments of the command being read. */
  get heldBytes(): number {
    return this.buf.length + this.argBytes;
  }

  push(chunk: Buffer): ParsedRequests {
    const out: ParsedRequests = { commands: [] };
    if (this.dead) return out;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    const fail = (error: string): ParsedRequests => {
      this.dead = true;
      this.buf = Buffer.alloc(0);
      this.argv = [];
      this.argBytes = 0;
      out.error = error;
      return out;
    };
    while (pos < this.buf.length) {
      if (this.left === 0) {
        if (this.buf[pos] !== STAR) {
          // Inline: up to the first LF (strchr: a NUL before it hides it).
          const nl = strchr(this.buf, pos, LF);
          if (nl < 0) {
            if (this.buf.length - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big inline request");
            break;
          }
          const end = nl > pos && this.buf[nl - 1] === CR ? nl - 1 : nl;
          const line = this.buf.subarray(pos, end);
          pos = nl + 1;
          const parsed = parseCommandBytes(line, this.limits.maxArgs + 1);
          if (!parsed.ok) return fail("ERR Protocol error: unbalanced quotes in request");
          if (parsed.argc === 0) continue;
          const argv = parsed.argv.map((a) => Buffer.from(a));
          const problem = this.capProblem(parsed.argc, argv);
          if (problem) return fail(problem);
          out.commands.push(argv);
          continue;
        }
        const cr = strchr(this.buf, pos, CR);
        if (cr < 0) {
          if (this.buf.length - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big mbulk count string");
          break;
        }
        if (cr + 1 >= this.buf.length) break; // the byte after CR (Redis skips it unread)
        const n = string2ll(this.buf, pos + 1, cr);
        if (n === null || n > INT_MAX) return fail("ERR Protocol error: invalid multibulk length");
        if (n > UNAUTH_MAX_ARGS && !this.authenticated) return fail("ERR Protocol error: unauthenticated multibulk length");
        pos = cr + 2;
        if (n <= 0) continue;
        if (n > this.limits.maxArgs) return fail(`ERR Protocol error: ${n} arguments, over this playground's limit of ${this.limits.maxArgs}`);
        this.left = n;
        this.bulkLen = -1;
        continue;
      }
      if (this.bulkLen < 0) {
        const cr = strchr(this.buf, pos, CR);
        if (cr < 0) {
          if (this.buf.length - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big bulk count string");
          break;
        }
        if (cr + 1 >= this.buf.length) break;
        if (this.buf[pos] !== DOLLAR) {
          // addReplyErrorFormat turns CR and LF into spaces.
          const c = this.buf[pos] === CR || this.buf[pos] === LF ? " " : String.fromCharCode(this.buf[pos]);
          return fail(`ERR Protocol error: expected '$', got '${c}'`);
        }
        const n = string2ll(this.buf, pos + 1, cr);
        if (n === null || n < 0 || n > PROTO_MAX_BULK_LEN) return fail("ERR Protocol error: invalid bulk length");
        if (n > UNAUTH_MAX_BULK && !this.authenticated) return fail("ERR Protocol error: unauthenticated bulk length");
        if (n > this.limits.maxArgBytes) {
          return fail(`ERR Protocol error: an argument of ${n} bytes, over this playground's limit of ${this.limits.maxArgBytes}`);
        }
        if (this.argBytes + n > this.limits.maxCommandBytes) {
          return fail(`ERR Protocol error: a command of more than ${this.limits.maxCommandBytes} bytes, over this playground's limit`);
        }
        pos = cr + 2;
        this.bulkLen = n;
        continue;
      }
      if (this.buf.length - pos < this.bulkLen + 2) break;
      // A copy: the chunk's buffer is not kept alive by one small argument.
      this.argv.push(Buffer.from(this.buf.subarray(pos, pos + this.bulkLen)));
      this.argBytes += this.bulkLen;
      pos += this.bulkLen + 2;
      this.bulkLen = -1;
      if (--this.left === 0) {
        out.commands.push(this.argv);
        this.argv = [];
        this.argBytes = 0;
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(pos));
    return out;
  }

  /** The caps that an inline command, split already, must meet. */
  private capProblem(argc: number, argv: Buffer[]): string | null {
    if (argc > this.limits.maxArgs) return `ERR Protocol error: ${argc} arguments, over this playground's limit of ${this.limits.maxArgs}`;
    let total = 0;
    for (const a of argv) {
      if (a.length > this.limits.maxArgBytes) {
        return `ERR Protocol error: an argument of ${a.length} bytes, over this playground's limit of ${this.limits.maxArgBytes}`;
      }
      total += a.length;
    }
    if (total > this.limits.maxCommandBytes)
      return `ERR Protocol error: a command of more than ${this.limits.maxCommandBytes} bytes, over this playground's limit`;
    return null;
  }
}

/** Index of `byte` from `from`, as C's strchr on a NUL-terminated buffer: -1 if a NUL or the end comes first. */
function strchr(buf: Buffer, from: number, byte: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === byte) return i;
    if (c === NUL) return -1;
  }
  return -1;
}

/** Redis's string2ll (util.c): strict decimal, no sign but "-", no leading zeros, no spaces; null if not a 64-bit integer. */
export function string2ll(buf: Uint8Array, start: number, end: number): number | null {
  let i = start;
  if (end - start === 0) return null;
  if (end - start === 1 && buf[i] === 0x30) return 0;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] < 0x31 || buf[i] > 0x39) return null;
  let v = 0n;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10n + BigInt(c - 0x30);
    if (v > 9223372036854775808n) return null;
  }
  if (!negative && v > 9223372036854775807n) return null;
  return Number(negative ? -v : v);
}
