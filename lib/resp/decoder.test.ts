import { describe, expect, it } from "vitest";
import { RespDecoder } from "./decoder";
import { bulk, type Reply } from "./reply";
import { decodeBudget, truncateReply, type ReplyBudget } from "./truncate";

/**
 * The streaming decoder against whole-buffer decoding: every chunking of the
 * same bytes (one byte at a time, random splits) gives the same replies; with a
 * cap it gives exactly what truncateReply gives for the whole reply; and it
 * never buffers a big bulk string whole.
 */

/** The decoder this one replaced (whole-buffer, re-parsed from a reply's first byte), as the reference. */
function referenceDecode(buf: Buffer): Reply[] {
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf("\r\n", pos, "latin1");
    const s = buf.toString("utf8", pos, end);
    pos = end + 2;
    return s;
  };
  const parse = (): Reply => {
    const type = String.fromCharCode(buf[pos++]);
    const l = line();
    switch (type) {
      case "+":
        return { t: "status", v: l };
      case "-":
        return { t: "error", v: l };
      case ":": {
        const n = Number(l);
        return { t: "integer", v: Number.isSafeInteger(n) ? n : l };
      }
      case "(":
        return { t: "integer", v: l };
      case ",":
        return { t: "double", v: l };
      case "#":
        return { t: "bool", v: l === "t" };
      case "_":
        return { t: "nil" };
      case "$":
      case "=":
      case "!": {
        const len = Number(l);
        if (len < 0) return { t: "nil" };
        const bytes = buf.subarray(pos, pos + len);
        pos += len + 2;
        if (type === "!") return { t: "error", v: bytes.toString("utf8") };
        if (type === "=") return { t: "verbatim", format: bytes.toString("latin1", 0, 3), v: bytes.toString("utf8", 4) };
        return bulk(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice());
      }
      default: {
        const n = Number(l);
        if (n < 0) return { t: "nil" };
        const items: Reply[] = [];
        for (let i = 0; i < (type === "%" ? n * 2 : n); i++) items.push(parse());
        return { t: type === "*" ? "array" : type === "~" ? "set" : type === ">" ? "push" : "map", v: items };
      }
    }
  };
  const out: Reply[] = [];
  while (pos < buf.length) out.push(parse());
  return out;
}

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)] };
}

const wire = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
const blobOf = (prefix: string, b: Buffer) => wire(`${prefix}${b.length}\r\n`, b, "\r\n");

/** Every reply shape the sandbox can meet, RESP2 and RESP3. */
const CORPUS: Buffer[] = [
  wire("+OK\r\n"),
  wire("+QUEUED\r\n"),
  wire("-ERR unknown command 'FOO', with args beginning with: \r\n"),
  wire("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
  wire(":0\r\n"),
  wire(":-42\r\n"),
  wire(":9007199254740991\r\n"),
  wire(":9007199254740993\r\n"), // beyond 2^53: kept as text
  wire(":-9223372036854775808\r\n"),
  wire("(3492890328409238509324850943850943825024385\r\n"),
  wire(",3.14159\r\n"),
  wire(",inf\r\n"),
  wire("#t\r\n"),
  wire("#f\r\n"),
  wire("_\r\n"),
  wire("$-1\r\n"),
  wire("*-1\r\n"),
  wire("$0\r\n\r\n"),
  blobOf("$", Buffer.from("OK")), // a bulk "OK", not the status OK
  blobOf("$", Buffer.from("中文 and émoji 🎉")),
  blobOf("$", Buffer.from("line one\r\nline two\r\n")), // CRLF inside a bulk string
  blobOf("$", Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0d, 0x0a])), // binary: base64
  blobOf("$", Buffer.alloc(70_000, 0x61)), // longer than a socket chunk
  blobOf("=", Buffer.from("txt:Some verbatim\r\ntext")),
  blobOf("!", Buffer.from("SYNTAX invalid syntax")),
  wire("*0\r\n"),
  wire("%0\r\n"),
  wire("*3\r\n$3\r\nfoo\r\n:1\r\n*2\r\n+a\r\n$-1\r\n"),
  wire("*2\r\n*2\r\n$2\r\nk1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n*-1\r\n"),
  wire("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
  wire("~3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n"),
  wire(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
  // XRANGE-like: entries of [id, [field, value, …]]
  wire("*2\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv2\r\n"),
  // EXEC with an error inside
  wire("*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n:7\r\n"),
  // a long flat list
  wire(`*2000\r\n`, ...Array.from({ length: 2000 }, (_, i) => `$${String(i).length}\r\n${i}\r\n`)),
];

/** A random reply tree, serialized, of any type at any depth. */
function randomReply(r: ReturnType<typeof rng>, depth = 0, blobs = true): Buffer {
  let k = r.int(depth > 3 ? 9 : 14);
  if (k === 7 && !blobs) k = 8;
  switch (k) {
    case 0:
      return wire(`+${r.pick(["OK", "PONG", "QUEUED", "string", ""])}\r\n`);
    case 1:
      return wire(`-ERR ${r.pick(["x", "wrong", "中文"])}\r\n`);
    case 2:
      return wire(`:${r.pick([0, 1, -1, 2 ** 53 - 1, r.int(1e9)])}\r\n`);
    case 3:
      return wire(r.pick(["$-1\r\n", "*-1\r\n", "_\r\n", "#t\r\n", "#f\r\n", ",1.5\r\n", "(12345678901234567890\r\n"]));
    case 4:
    case 5:
    case 6: {
      const len = r.pick([0, 1, 2, 3, 7, 40, 300, 5000]);
      const kind = r.int(4);
      const b =
        kind === 0
          ? Buffer.from("x".repeat(len))
          : kind === 1
            ? Buffer.from("中文é".repeat(Math.ceil(len / 8) + 1)).subarray(0, len) // may end mid-character
            : kind === 2
              ? Buffer.from(Array.from({ length: len }, () => r.int(256)))
              : Buffer.from("\r\n".repeat(len));
      return blobOf("$", b);
    }
    case 7:
      return blobOf(r.pick(["=", "!"]), Buffer.from(r.pick(["txt:hello", "mkd:# hi\r\n", "ERR blob"])));
    case 8:
      return wire(":", String(r.int(100)), "\r\n");
    default: {
      const type = r.pick(["*", "*", "*", "~", "%", ">"]);
      const n = r.pick([0, 1, 2, 3, 5, 12, 40]);
      const parts: Buffer[] = [wire(`${type}${n}\r\n`)];
      for (let i = 0; i < (type === "%" ? 2 * n : n); i++) parts.push(randomReply(r, depth + 1, blobs));
      return Buffer.concat(parts);
    }
  }
}

/** Feeds `buf` to a decoder in the given chunk sizes. */
function decode(buf: Buffer, chunks: "whole" | "bytes" | ReturnType<typeof rng>, cap?: ReplyBudget | null): Reply[] {
  const out: Reply[] = [];
  const d = new RespDecoder((r) => out.push(r), { capFor: () => cap });
  if (chunks === "whole") d.write(buf);
  else if (chunks === "bytes") for (let i = 0; i < buf.length; i++) d.write(buf.subarray(i, i + 1));
  else {
    for (let i = 0; i < buf.length; ) {
      const n = 1 + chunks.int(chunks.next() < 0.5 ? 8 : 4000);
      d.write(buf.subarray(i, i + n));
      i += n;
    }
  }
  expect(d.inReply).toBe(false);
  return out;
}

describe("RespDecoder: streaming", () => {
  it("decodes every reply of the corpus as the whole-buffer decoder does", () => {
    for (const b of CORPUS) expect(decode(b, "whole")).toEqual(referenceDecode(b));
  });

  it("gives the same replies fed one byte at a time", () => {
    const all = Buffer.concat(CORPUS);
    expect(decode(all, "bytes")).toEqual(referenceDecode(all));
  });

  it("gives the same replies for random splits of the corpus and of random replies", () => {
    const all = Buffer.concat(CORPUS);
    const expected = referenceDecode(all);
    for (let seed = 1; seed <= 15; seed++) expect(decode(all, rng(seed))).toEqual(expected);
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const b = Buffer.concat(Array.from({ length: 1 + r.int(4) }, () => randomReply(r)));
      const whole = referenceDecode(b);
      expect(decode(b, "whole"), `seed ${seed}`).toEqual(whole);
      expect(decode(b, r), `seed ${seed}`).toEqual(whole);
      if (b.length < 3000) expect(decode(b, "bytes"), `seed ${seed}`).toEqual(whole);
    }
  });

  it("keeps status and bulk apart, binary as base64, big integers as text", () => {
    const [status, bulkOk, bin, big] = decode(wire("+OK\r\n", "$2\r\nOK\r\n", blobOf("$", Buffer.from([0xff, 0x01])), ":12345678901234567890\r\n"), "bytes");
    expect(status).toEqual({ t: "status", v: "OK" });
    expect(bulkOk).toEqual({ t: "bulk", v: "OK" });
    expect(bin).toEqual({ t: "bulk", v: Buffer.from([0xff, 0x01]).toString("base64"), b64: true });
    expect(big).toEqual({ t: "integer", v: "12345678901234567890" });
  });

  it("refuses what is not RESP", () => {
    expect(() => decode(wire("?what\r\n"), "whole")).toThrow(/protocol error/);
    expect(() => decode(wire("$x\r\n"), "whole")).toThrow(/protocol error/);
    const d = new RespDecoder(() => {}, { maxLineBytes: 100 });
    expect(() => d.write(Buffer.from(`+${"a".repeat(200)}`))).toThrow(/longer than 100 bytes/);
  });
});

describe("RespDecoder: capped", () => {
  it("gives exactly what truncateReply gives for the whole reply, for any budget and chunking", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const b = randomReply(r, 0, false); // RESP3 verbatim strings and blob errors: below
      const [whole] = referenceDecode(b);
      const cap = { items: r.pick([0, 1, 2, 3, 5, 10, 50, 1000]), bytes: r.pick([0, 1, 2, 5, 50, 400, 6000, 1e6]) };
      const expected = truncateReply(whole, cap).reply;
      expect(decode(b, "whole", cap)[0], `seed ${seed} cap ${JSON.stringify(cap)}`).toEqual(expected);
      expect(decode(b, r, cap)[0], `seed ${seed} cap ${JSON.stringify(cap)}`).toEqual(expected);
    }
  });

  it("cut by the decoder and then for display shows what the display alone would, with the same … N more", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const b = randomReply(r, 0, false);
      const [whole] = referenceDecode(b);
      const display = { items: r.pick([1, 2, 3, 5, 10, 40]), bytes: r.pick([1, 5, 50, 400, 6000]) };
      const wider = { items: display.items + r.int(20), bytes: display.bytes + r.int(3000) };
      const [cut] = decode(b, r, wider);
      expect(truncateReply(cut, display), `seed ${seed}`).toEqual(truncateReply(whole, display));
    }
  });

  it("reads past a million elements keeping only the cap, and counts the rest", () => {
    const n = 1_000_000;
    const parts: Buffer[] = [Buffer.from(`*${n}\r\n`)];
    for (let i = 0; i < n; i += 10_000) parts.push(Buffer.from(Array.from({ length: 10_000 }, (_, j) => `$${String(i + j).length}\r\n${i + j}\r\n`).join("")));
    const buf = Buffer.concat(parts);
    const out: Reply[] = [];
    const d = new RespDecoder((r) => out.push(r), { capFor: () => ({ items: 1000, bytes: 1 << 20 }) });
    for (let i = 0; i < buf.length; i += 65_536) d.write(buf.subarray(i, i + 65_536));
    expect(out).toHaveLength(1);
    const r = out[0] as Extract<Reply, { t: "array" }>;
    expect(r.v).toHaveLength(1000);
    expect(r.v[999]).toEqual({ t: "bulk", v: "999" });
    expect(r.more).toBe(n - 1000);
  });

  it("never buffers a bulk string bigger than the cap: keeps its first bytes and records its length", () => {
    const len = 64 * 1024 * 1024; // 64 MiB, streamed from one reused 64 KiB chunk
    const out: Reply[] = [];
    const d = new RespDecoder((r) => out.push(r), { capFor: () => ({ items: 10, bytes: 1000 }) });
    const chunk = Buffer.alloc(65_536, 0x78);
    d.write(Buffer.from(`$${len}\r\n`));
    let buffered = 0;
    for (let sent = 0; sent < len; sent += chunk.length) {
      d.write(chunk.subarray(0, Math.min(chunk.length, len - sent)));
      const inner = d as unknown as { keep: Buffer | null; rest: Buffer | null };
      buffered = Math.max(buffered, inner.keep?.length ?? 0, inner.rest?.length ?? 0);
    }
    d.write(Buffer.from("\r\n+next\r\n"));
    expect(buffered).toBeLessThanOrEqual(1001);
    expect(out).toEqual([
      { t: "bulk", v: "x".repeat(1000), more: len - 1000 },
      { t: "status", v: "next" },
    ]);
  });

  it("holds RESP3 verbatim strings and blob errors to the cap's size each, without spending the budget on them", () => {
    const b = wire(
      `*3\r\n`,
      blobOf("=", Buffer.from(`txt:${"v".repeat(96)}`)),
      blobOf("!", Buffer.from("E".repeat(100))),
      blobOf("$", Buffer.from("b".repeat(30))),
    );
    expect(decode(b, "bytes", { items: 10, bytes: 50 })).toEqual([
      {
        t: "array",
        v: [
          { t: "verbatim", format: "txt", v: "v".repeat(46), more: 50 },
          { t: "error", v: "E".repeat(50) },
          { t: "bulk", v: "b".repeat(30) },
        ],
      },
    ]);
  });

  it("starts every reply with its own cap", () => {
    const caps: Array<ReplyBudget | null> = [{ items: 1, bytes: 10 }, null];
    const out: Reply[] = [];
    const d = new RespDecoder((r) => out.push(r), { capFor: () => caps.shift() });
    d.write(wire("*3\r\n:1\r\n:2\r\n:3\r\n", "*3\r\n:1\r\n:2\r\n:3\r\n"));
    expect(out).toEqual([
      { t: "array", v: [{ t: "integer", v: 1 }], more: 2 },
      { t: "array", v: [1, 2, 3].map((v) => ({ t: "integer", v })) },
    ]);
  });

  it("decodeBudget is at least the display budget and fits the app's own batched reads", () => {
    const b = decodeBudget({ items: 10, bytes: 100 });
    expect(b.items).toBeGreaterThanOrEqual(1002); // SCAN … COUNT 1000: the cursor and ~1000 keys
    expect(decodeBudget({ items: 1000, bytes: 1 << 20 }, { items: 5000 }).items).toBe(5000);
  });
});
