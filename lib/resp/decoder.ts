import { bulk, type Reply } from "./reply";

/**
 * A streaming RESP2/RESP3 decoder that keeps every reply's wire type.
 *
 * ioredis folds status and bulk strings into one JS string; the console must
 * print `OK` for `+OK` and `"OK"` for `$2 OK`, exactly as redis-cli does, so the
 * sandbox path decodes the wire itself. Complete replies are handed to `onReply`.
 */
export class RespDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly onReply: (r: Reply) => void) {}

  write(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    for (;;) {
      const start = this.pos;
      const r = this.parse();
      if (r === undefined) {
        this.pos = start; // incomplete: wait for more bytes
        return;
      }
      this.onReply(r);
    }
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
  }

  private line(): string | undefined {
    const end = this.buf.indexOf("\r\n", this.pos, "latin1");
    if (end < 0) return undefined;
    const s = this.buf.toString("utf8", this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private parse(): Reply | undefined {
    if (this.pos >= this.buf.length) return undefined;
    const type = String.fromCharCode(this.buf[this.pos++]);
    const line = this.line();
    if (line === undefined) return undefined;
    switch (type) {
      case "+":
        return { t: "status", v: line };
      case "-":
        return { t: "error", v: line };
      case ":": {
        const n = Number(line);
        return { t: "integer", v: Number.isSafeInteger(n) ? n : line };
      }
      case "(":
        return { t: "integer", v: line };
      case ",":
        return { t: "double", v: line };
      case "#":
        return { t: "bool", v: line === "t" };
      case "_":
        return { t: "nil" };
      case "$":
      case "=":
      case "!": {
        const len = Number(line);
        if (len < 0) return { t: "nil" };
        if (this.buf.length < this.pos + len + 2) return undefined;
        const bytes = this.buf.subarray(this.pos, this.pos + len);
        this.pos += len + 2;
        if (type === "!") return { t: "error", v: bytes.toString("utf8") };
        if (type === "=") return { t: "verbatim", format: bytes.toString("latin1", 0, 3), v: bytes.toString("utf8", 4) };
        return bulk(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice());
      }
      case "*":
      case "~":
      case ">":
      case "%": {
        const n = Number(line);
        if (n < 0) return { t: "nil" };
        const count = type === "%" ? n * 2 : n;
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.parse();
          if (item === undefined) return undefined;
          items.push(item);
        }
        const t = type === "*" ? "array" : type === "~" ? "set" : type === ">" ? "push" : "map";
        return { t, v: items };
      }
      default:
        throw new Error(`RESP protocol error: unexpected type byte ${JSON.stringify(type)}`);
    }
  }
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
