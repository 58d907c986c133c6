import { bulkBytes, type Reply } from "@/lib/resp/reply";

/**
 * A typed reply back to RESP bytes, for the endpoint that learners' own
 * clients connect to (issue 14): RESP2 or RESP3, as the connection's HELLO
 * chose. In RESP2, Redis sends RESP3-only types as their RESP2 forms
 * (networking.c): a double as a bulk string, a boolean as 1 or 0, a map as a
 * flat array, a set as an array, a verbatim string as a bulk string without
 * its format, a null as a null bulk string.
 *
 * Known gap: the decoder (lib/resp/decoder.ts) reads `*-1` (a null array, as
 * BLPOP's timeout in RESP2) and `$-1` into the same `nil`, which goes back as
 * `$-1`; clients read both as their null.
 */
export function encodeReply(reply: Reply, proto: 2 | 3): Buffer {
  const parts: Buffer[] = [];
  write(reply, proto, parts);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

const CRLF = Buffer.from("\r\n");

function line(prefix: string, text: string, parts: Buffer[]) {
  // A status or error line cannot hold CR or LF: Redis turns them into spaces too (addReplyErrorLength).
  parts.push(Buffer.from(`${prefix}${text.replace(/[\r\n]/g, " ")}\r\n`));
}

function blob(prefix: string, bytes: Uint8Array, parts: Buffer[]) {
  parts.push(Buffer.from(`${prefix}${bytes.length}\r\n`), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), CRLF);
}

function write(r: Reply, proto: 2 | 3, parts: Buffer[]) {
  switch (r.t) {
    case "status":
      return line("+", r.v, parts);
    case "error":
      return line("-", r.v, parts);
    case "integer":
      return line(":", String(r.v), parts);
    case "double":
      return proto === 3 ? line(",", r.v, parts) : blob("$", Buffer.from(r.v), parts);
    case "bulk":
      return blob("$", bulkBytes(r), parts);
    case "verbatim":
      return proto === 3 ? blob("=", Buffer.from(`${r.format}:${r.v}`), parts) : blob("$", Buffer.from(r.v), parts);
    case "nil":
      return void parts.push(Buffer.from(proto === 3 ? "_\r\n" : "$-1\r\n"));
    case "bool":
      return proto === 3 ? line("#", r.v ? "t" : "f", parts) : line(":", r.v ? "1" : "0", parts);
    case "array":
    case "set":
    case "push":
    case "map": {
      const prefix = proto === 2 ? "*" : { array: "*", set: "~", push: ">", map: "%" }[r.t];
      parts.push(Buffer.from(`${prefix}${r.t === "map" && proto === 3 ? r.v.length / 2 : r.v.length}\r\n`));
      for (const item of r.v) write(item, proto, parts);
      return;
    }
  }
}
