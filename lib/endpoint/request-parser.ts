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
  /**
   * Bytes received and not consumed yet: `store[head, tail)`. A buffer that
   * grows by doubling and is compacted in place, so a request arriving a few
   * bytes at a time costs time linear in its size (concatenating the held
   * bytes with each chunk was quadratic: a 512 KB argument in 100-byte
   * pieces copied 1.3 GB).
   */
  private store: Buffer = Buffer.alloc(0);
  private head = 0;
  private tail = 0;
  /** How far the search for the current header's terminator got (from `head`): the bytes before it hold no terminator and no NUL. */
  private scanned = 0;
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
    return this.tail - this.head + this.argBytes;
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const held = this.tail - this.head;
    if (this.tail + chunk.length > this.store.length) {
      if (held + chunk.length <= this.store.length >> 1) {
        this.store.copyWithin(0, this.head, this.tail);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(this.store.length * 2, held + chunk.length, 4096));
        this.store.copy(grown, 0, this.head, this.tail);
        this.store = grown;
      }
      this.head = 0;
      this.tail = held;
    }
    chunk.copy(this.store, this.tail);
    this.tail += chunk.length;
  }

  /**
   * Reads what `chunk` completes: the commands, in order, and a protocol
   * error after them, if any. `max`: stop after that many commands, the rest
   * stays held for the next call (`push(EMPTY, …)`): before authentication
   * the endpoint reads one command at a time, as Redis does, so that a
   * pipeline's AUTH lifts the caps for the commands behind it.
   */
  push(chunk: Buffer, max = Number.POSITIVE_INFINITY): ParsedRequests {
    const out: ParsedRequests = { commands: [] };
    if (this.dead) return out;
    this.append(chunk);
    const buf = this.store;
    const end = this.tail;
    let pos = this.head;
    const fail = (error: string): ParsedRequests => {
      this.dead = true;
      this.store = Buffer.alloc(0);
      this.head = this.tail = this.scanned = 0;
      this.argv = [];
      this.argBytes = 0;
      out.error = error;
      return out;
    };
    /** The terminator of the header at `pos`, as C's strchr finds it (-1: not yet, or never: a NUL came first). */
    const find = (byte: number): number => {
      const from = pos + this.scanned;
      for (let i = from; i < end; i++) {
        const c = buf[i];
        if (c === byte) return i;
        if (c === NUL) {
          this.scanned = Number.POSITIVE_INFINITY; // hidden for good: only the size cap can end this header
          return -1;
        }
      }
      if (Number.isFinite(this.scanned)) this.scanned = end - pos;
      return -1;
    };
    const consumed = (to: number) => {
      pos = to;
      this.scanned = 0;
    };
    while (pos < end && out.commands.length < max) {
      if (this.left === 0) {
        if (buf[pos] !== STAR) {
          // Inline: up to the first LF (strchr: a NUL before it hides it).
          const nl = find(LF);
          if (nl < 0) {
            if (end - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big inline request");
            break;
          }
          const stop = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
          const line = buf.subarray(pos, stop);
          consumed(nl + 1);
          const parsed = parseCommandBytes(line, this.limits.maxArgs + 1);
          if (!parsed.ok) return fail("ERR Protocol error: unbalanced quotes in request");
          if (parsed.argc === 0) continue;
          const argv = parsed.argv.map((a) => Buffer.from(a));
          const problem = this.capProblem(parsed.argc, argv);
          if (problem) return fail(problem);
          out.commands.push(argv);
          continue;
        }
        const cr = find(CR);
        if (cr < 0) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big mbulk count string");
          break;
        }
        if (cr + 1 >= end) break; // the byte after CR (Redis skips it unread)
        const n = string2ll(buf, pos + 1, cr);
        if (n === null || n > INT_MAX) return fail("ERR Protocol error: invalid multibulk length");
        if (n > UNAUTH_MAX_ARGS && !this.authenticated) return fail("ERR Protocol error: unauthenticated multibulk length");
        consumed(cr + 2);
        if (n <= 0) continue;
        if (n > this.limits.maxArgs) return fail(`ERR Protocol error: ${n} arguments, over this playground's limit of ${this.limits.maxArgs}`);
        this.left = n;
        this.bulkLen = -1;
        continue;
      }
      if (this.bulkLen < 0) {
        const cr = find(CR);
        if (cr < 0) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) return fail("ERR Protocol error: too big bulk count string");
          break;
        }
        if (cr + 1 >= end) break;
        if (buf[pos] !== DOLLAR) {
          // addReplyErrorFormat turns CR and LF into spaces.
          const c = buf[pos] === CR || buf[pos] === LF ? " " : String.fromCharCode(buf[pos]);
          return fail(`ERR Protocol error: expected '$', got '${c}'`);
        }
        const n = string2ll(buf, pos + 1, cr);
        if (n === null || n < 0 || n > PROTO_MAX_BULK_LEN) return fail("ERR Protocol error: invalid bulk length");
        if (n > UNAUTH_MAX_BULK && !this.authenticated) return fail("ERR Protocol error: unauthenticated bulk length");
        if (n > this.limits.maxArgBytes) {
          return fail(`ERR Protocol error: an argument of ${n} bytes, over this playground's limit of ${this.limits.maxArgBytes}`);
        }
        if (this.argBytes + n > this.limits.maxCommandBytes) {
          return fail(`ERR Protocol error: a command of more than ${this.limits.maxCommandBytes} bytes, over this playground's limit`);
        }
        consumed(cr + 2);
        this.bulkLen = n;
        continue;
      }
      if (end - pos < this.bulkLen + 2) break;
      // A copy: the store is reused, and a small argument must not keep a big buffer alive.
      this.argv.push(Buffer.from(buf.subarray(pos, pos + this.bulkLen)));
      this.argBytes += this.bulkLen;
      consumed(pos + this.bulkLen + 2);
      this.bulkLen = -1;
      if (--this.left === 0) {
        out.commands.push(this.argv);
        this.argv = [];
        this.argBytes = 0;
      }
    }
    this.head = pos;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
      // Give back a large store once it is empty (one big request should not pin its memory).
      if (this.store.length > 64 * 1024) this.store = Buffer.alloc(0);
    }
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
