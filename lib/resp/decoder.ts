import { bulk, type Reply } from "./reply";
import type { ReplyBudget } from "./truncate";

/**
 * A streaming RESP2/RESP3 decoder that keeps every reply's wire type.
 *
 * ioredis folds status and bulk strings into one JS string; the console must
 * print `OK` for `+OK` and `"OK"` for `$2 OK`, exactly as redis-cli does, so the
 * sandbox path decodes the wire itself. Complete replies are handed to `onReply`.
 *
 * Streaming: every byte is looked at once. A reply being read is an explicit
 * stack of the aggregates it is inside, each with how many elements are still
 * to come; a bulk string split across chunks is filled in as its bytes arrive.
 * Only an unfinished line (a type byte and its header, a status) is carried
 * over to the next chunk.
 *
 * Bounded: with a cap (`capFor`, asked at the first byte of every reply) the
 * decoder materialises at most `items` elements and `bytes` bytes of strings
 * of that reply, in reply order — the same walk as lib/resp/truncate.ts — and
 * counts the rest in `more` (elements of an aggregate, bytes of a bulk string)
 * while still reading past it. A bulk string longer than what is left of the
 * budget is never buffered whole: its first bytes are kept (cut on a UTF-8
 * boundary), the rest is skipped and counted. RESP3 verbatim strings and blob
 * errors, which the display never cuts, are held to `bytes` each. Without a
 * cap, replies are whole (the app's own reads: COMMAND, its data).
 */
export interface DecoderOptions {
  /** The cap for the reply that starts now; null or undefined: the whole reply. */
  capFor?: () => ReplyBudget | null | undefined;
  /** Longest line (status, error, number) accepted, in bytes; longer is a protocol error. Default 1 MiB. */
  maxLineBytes?: number;
}

type AggregateType = "array" | "set" | "push" | "map";

interface Frame {
  t: AggregateType;
  /** Wire elements still to come (a map's pairs count twice). */
  left: number;
  /** The kept elements; null when the whole aggregate is being skipped. */
  items: Reply[] | null;
  /** Elements (map: pairs) skipped past the cap. */
  more: number;
  /** Wire elements seen so far (to find a map's pair starts). */
  seen: number;
  /** Whether the current map pair is kept. */
  pairKept: boolean;
}

const LF = 10;
const CR = 13;
const DEFAULT_MAX_LINE = 1024 * 1024;

export class RespDecoder {
  /** An unfinished line, carried over to the next chunk. */
  private rest: Buffer | null = null;
  private stack: Frame[] = [];
  /** What is left of the current reply's cap. */
  private itemsLeft = Infinity;
  private bytesLeft = Infinity;
  private blobCeiling = Infinity;
  /** A blob (bulk string, verbatim string, blob error) being read: bytes of it and its CRLF still to come, or -1. */
  private bodyLeft = -1;
  private bodyType = 0;
  private bodyLen = 0;
  private bodyCut = false;
  /** The blob's kept bytes so far (null: skipped whole). */
  private keep: Buffer | null = null;
  private keepFill = 0;
  private readonly maxLine: number;

  constructor(
    private readonly onReply: (r: Reply) => void,
    private readonly opts: DecoderOptions = {},
  ) {
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
  }

  /** True between the first and the last byte of a reply. */
  get inReply(): boolean {
    return this.stack.length > 0 || this.bodyLeft >= 0 || this.rest !== null;
  }

  write(chunk: Buffer): void {
    let buf = chunk;
    let scanFrom = 0;
    if (this.rest) {
      scanFrom = this.rest.length; // already searched for LF
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (this.bodyLeft >= 0) {
        pos = this.readBody(buf, pos);
        continue;
      }
      const type = buf[pos];
      if (type === 36 || type === 42 || type === 37 || type === 126 || type === 62 || type === 61 || type === 33) {
        // A length header ($ * % ~ > = !): digits read in place, the hot path of a long reply.
        let i = pos + 1;
        const neg = i < n && buf[i] === 45;
        if (neg) i++;
        const digits = i;
        let len = 0;
        for (; i < n; i++) {
          const d = buf[i] - 48;
          if (d < 0 || d > 9) break;
          len = len * 10 + d;
        }
        if (i >= n || (i + 1 >= n && buf[i] === CR)) {
          if (n - pos > 32) throw new Error("RESP protocol error: a length header too long");
          this.rest = Buffer.from(buf.subarray(pos));
          return;
        }
        if (buf[i] !== CR || buf[i + 1] !== LF || i === digits || i - digits > 18) {
          throw new Error(`RESP protocol error: a bad length ${JSON.stringify(buf.toString("latin1", pos + 1, Math.min(i + 2, pos + 40)))}`);
        }
        pos = i + 2;
        if (this.stack.length === 0) this.startReply();
        const kept = this.keepNext();
        if (neg) {
          this.finish(kept ? { t: "nil" } : null); // $-1, *-1
          continue;
        }
        if (type === 36 || type === 61 || type === 33) {
          pos = this.startBody(type, len, kept, buf, pos);
          continue;
        }
        const t: AggregateType = type === 42 ? "array" : type === 126 ? "set" : type === 62 ? "push" : "map";
        const wire = t === "map" ? len * 2 : len;
        if (wire === 0) this.finish(kept ? { t, v: [] } : null);
        else this.stack.push({ t, left: wire, items: kept ? [] : null, more: 0, seen: 0, pairKept: false });
        continue;
      }
      const lf = buf.indexOf(LF, Math.max(pos + 1, scanFrom));
      scanFrom = 0;
      if (lf < 0) {
        if (n - pos > this.maxLine) throw new Error(`RESP protocol error: a line longer than ${this.maxLine} bytes`);
        this.rest = Buffer.from(buf.subarray(pos)); // a copy: never keep a whole socket chunk alive for a few bytes
        return;
      }
      if (buf[lf - 1] !== CR) throw new Error("RESP protocol error: a line ending in LF without CR");
      const a = pos + 1;
      const b = lf - 1;
      pos = lf + 1;
      if (this.stack.length === 0) this.startReply();
      const kept = this.keepNext();
      switch (type) {
        case 43: // + status
          this.finish(kept ? { t: "status", v: buf.toString("utf8", a, b) } : null);
          break;
        case 45: // - error
          this.finish(kept ? { t: "error", v: buf.toString("utf8", a, b) } : null);
          break;
        case 58: {
          // : integer
          if (!kept) {
            this.finish(null);
            break;
          }
          const line = buf.toString("latin1", a, b);
          const v = Number(line);
          this.finish({ t: "integer", v: Number.isSafeInteger(v) ? v : line });
          break;
        }
        case 40: // ( big number
          this.finish(kept ? { t: "integer", v: buf.toString("latin1", a, b) } : null);
          break;
        case 44: // , double
          this.finish(kept ? { t: "double", v: buf.toString("latin1", a, b) } : null);
          break;
        case 35: // # boolean
          this.finish(kept ? { t: "bool", v: b - a === 1 && buf[a] === 116 } : null);
          break;
        case 95: // _ null
          this.finish(kept ? { t: "nil" } : null);
          break;
        default:
          throw new Error(`RESP protocol error: unexpected type byte ${JSON.stringify(String.fromCharCode(type))}`);
      }
    }
  }

  reset(): void {
    this.rest = null;
    this.stack = [];
    this.bodyLeft = -1;
    this.keep = null;
    this.keepFill = 0;
    this.itemsLeft = this.bytesLeft = this.blobCeiling = Infinity;
  }

  private startReply(): void {
    const cap = this.opts.capFor?.();
    this.itemsLeft = cap ? cap.items : Infinity;
    this.bytesLeft = this.blobCeiling = cap ? cap.bytes : Infinity;
  }

  /**
   * Whether the element starting now is materialised: the budget is spent in
   * the order truncateReply walks a reply (an aggregate's slot before its
   * contents; a map pair costs 2), and once anything is skipped nothing after it
   * is kept.
   */
  private keepNext(): boolean {
    const f = this.stack[this.stack.length - 1];
    if (!f) return true; // a reply itself is always kept
    if (f.items === null) return false;
    if (f.t === "map") {
      if ((f.seen++ & 1) === 0) {
        f.pairKept = this.itemsLeft >= 2;
        if (f.pairKept) this.itemsLeft -= 2;
        else {
          this.itemsLeft = 0;
          f.more++;
        }
      }
      return f.pairKept;
    }
    if (this.itemsLeft >= 1) {
      this.itemsLeft--;
      return true;
    }
    this.itemsLeft = 0;
    f.more++;
    return false;
  }

  /** A blob's header is read; its `len` bytes and CRLF follow. Returns the new position. */
  private startBody(type: number, len: number, kept: boolean, buf: Buffer, pos: number): number {
    let keepLen = 0;
    let cut = false;
    if (kept && type !== 36) {
      // Verbatim strings and blob errors (RESP3) are not cut for display
      // (truncateReply shows them whole), only held to the cap's size each.
      cut = len > this.blobCeiling;
      keepLen = cut ? this.blobCeiling + 1 : len;
    } else if (kept) {
      if (len <= this.bytesLeft) {
        keepLen = len;
        this.bytesLeft -= len;
      } else {
        // One byte past the budget too, to find the UTF-8 boundary as truncateReply does.
        keepLen = this.bytesLeft + 1;
        this.bytesLeft = 0;
        cut = true;
      }
    }
    if (buf.length - pos >= len + 2) {
      // The whole blob is in this chunk: no copy into a buffer of our own.
      this.finish(kept ? blob(type, buf.subarray(pos, pos + keepLen), len, cut) : null);
      return pos + len + 2;
    }
    this.bodyLeft = len + 2;
    this.bodyType = type;
    this.bodyLen = len;
    this.bodyCut = cut;
    this.keep = kept ? Buffer.allocUnsafe(keepLen) : null;
    this.keepFill = 0;
    return this.readBody(buf, pos);
  }

  private readBody(buf: Buffer, pos: number): number {
    const take = Math.min(buf.length - pos, this.bodyLeft);
    if (this.keep && this.keepFill < this.keep.length) {
      const c = Math.min(this.keep.length - this.keepFill, take);
      buf.copy(this.keep, this.keepFill, pos, pos + c);
      this.keepFill += c;
    }
    this.bodyLeft -= take;
    if (this.bodyLeft === 0) {
      this.bodyLeft = -1;
      const k = this.keep;
      this.keep = null;
      this.finish(k ? blob(this.bodyType, k, this.bodyLen, this.bodyCut) : null);
    }
    return pos + take;
  }

  /** An element is complete (null: skipped); completes the aggregates it ends. */
  private finish(value: Reply | null): void {
    let v = value;
    for (;;) {
      const f = this.stack[this.stack.length - 1];
      if (!f) {
        this.onReply(v!);
        return;
      }
      if (f.items !== null && v !== null) f.items.push(v);
      if (--f.left > 0) return;
      this.stack.pop();
      v = f.items === null ? null : f.more ? { t: f.t, v: f.items, more: f.more } : { t: f.t, v: f.items };
    }
  }
}

/**
 * A blob reply from its kept bytes. `cut`: `bytes` holds one byte past the
 * budget, and the string is cut at a UTF-8 boundary at or before it, the way
 * truncateReply cuts (bulk strings say how many bytes are left out in `more`).
 */
function blob(type: number, bytes: Buffer, len: number, cut: boolean): Reply {
  let end = bytes.length;
  if (cut) {
    end = bytes.length - 1;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  }
  const kept = end === bytes.length ? bytes : bytes.subarray(0, end);
  if (type === 36) {
    if (!cut) return kept.length <= 64 && isAscii(kept) ? { t: "bulk", v: kept.toString("latin1") } : bulk(kept);
    return { ...(bulk(kept) as Extract<Reply, { t: "bulk" }>), more: len - end };
  }
  if (type === 33) return { t: "error", v: kept.toString("utf8") };
  // = verbatim: "txt:" then the text
  const format = kept.toString("latin1", 0, Math.min(3, kept.length));
  const text = kept.length > 4 ? kept.toString("utf8", 4) : "";
  return cut ? { t: "verbatim", format, v: text, more: len - end } : { t: "verbatim", format, v: text };
}

/** Short ASCII strings (most keys, members, numbers) skip the UTF-8 validation; the result is what bulk() gives. */
function isAscii(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) return false;
  return true;
}

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(argv: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    parts.push(Buffer.from(`$${a.length}\r\n`), Buffer.from(a.buffer, a.byteOffset, a.length), CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = Buffer.from("\r\n");
