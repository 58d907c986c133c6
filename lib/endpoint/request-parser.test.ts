import net from "node:net";
import { describe, expect, it } from "vitest";
import { useOracleServer } from "@/test/oracle-server";
import { PROTO_INLINE_MAX_SIZE, RequestParser, string2ll } from "./request-parser";

const oracle = useOracleServer();

/**
 * The oracle is Redis: each byte string goes to a real redis-server (one of
 * this file's own, test/oracle-server.ts) while a MONITOR connection records
 * the commands Redis read from it, argument by argument. The parser must read
 * the same commands and end with the same protocol error, or none.
 */
const LIMITS = { maxArgs: 1024, maxArgBytes: 512 * 1024, maxCommandBytes: 1024 * 1024, maxInlineBytes: PROTO_INLINE_MAX_SIZE };

/** Redis's sdscatrepr, as MONITOR prints each argument. */
function repr(a: Buffer): string {
  let s = '"';
  for (const c of a) {
    if (c === 0x5c || c === 0x22) s += `\\${String.fromCharCode(c)}`;
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x07) s += "\\a";
    else if (c === 0x08) s += "\\b";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `${s}"`;
}

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(oracle.port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Writes `bytes` and collects what comes back until the server closes or is quiet for `quietMs`. */
async function exchange(s: net.Socket, bytes: Buffer, quietMs = 150): Promise<{ data: Buffer; closed: boolean }> {
  const parts: Buffer[] = [];
  let closed = false;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(timer);
      s.off("data", onData);
      resolve({ data: Buffer.concat(parts), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    const onData = (d: Buffer) => {
      parts.push(d);
      arm();
    };
    s.on("data", onData);
    s.once("close", () => {
      closed = true;
      finish();
    });
    if (bytes.length) s.write(bytes);
    arm();
  });
}

async function authed(): Promise<net.Socket> {
  const s = await connect();
  await new Promise<void>((resolve, reject) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got === "+OK\r\n") {
        s.off("data", onData);
        resolve();
      } else if (got.length >= 5) reject(new Error(`AUTH answered ${got}`));
    };
    s.on("data", onData);
    s.write(`AUTH admin ${oracle.password}\r\n`);
  });
  return s;
}

/** One MONITOR connection for the file: every command the scratch server runs, as MONITOR prints it. */
let monitor: { lines: string[]; socket: net.Socket } | null = null;
let markers = 0;

async function monitorLines(): Promise<{ lines: string[]; socket: net.Socket }> {
  if (monitor) return monitor;
  const socket = await authed();
  const m = { lines: [] as string[], socket };
  let rest = "";
  socket.on("data", (d: Buffer) => {
    const parts = (rest + d.toString("latin1")).split("\r\n");
    rest = parts.pop() ?? "";
    m.lines.push(...parts);
  });
  socket.write("MONITOR\r\n");
  monitor = m;
  return m;
}

/** What Redis read from `bytes`: the commands MONITOR saw (as repr lines) and the protocol error it replied, if any. */
async function redisReads(bytes: Buffer, auth: boolean): Promise<{ commands: string[]; error: string | null }> {
  const m = await monitorLines();
  const from = m.lines.length;
  const client = auth ? await authed() : await connect();
  // Only this client's lines (the marker and the monitor itself are other clients).
  const tag = `127.0.0.1:${client.localPort}]`;
  const { data } = await exchange(client, bytes, 60);
  client.destroy();
  // A marker from another connection: once MONITOR shows it, it has shown everything before it.
  const marker = `marker-${++markers}`;
  const other = await authed();
  other.write(`ECHO ${marker}\r\n`);
  for (let i = 0; i < 200 && !m.lines.slice(from).some((l) => l.endsWith(`"ECHO" "${marker}"`)); i++) await new Promise((r) => setTimeout(r, 5));
  other.destroy();
  const commands = m.lines
    .slice(from)
    .filter((l) => l.startsWith("+") && l.includes(`${tag} `))
    .map((l) => l.slice(l.indexOf("] ") + 2))
    .filter((l) => !/^"auth"/i.test(l));
  const err = data
    .toString("latin1")
    .split("\r\n")
    .find((l) => l.startsWith("-ERR Protocol error"));
  return { commands, error: err ? err.slice(1) : null };
}

/** The same, read by the parser in chunks of `chunk` bytes; only commands Redis would run and MONITOR show (PING and ECHO with their arity, HELLO). */
function parserReads(bytes: Buffer, auth: boolean, chunk = bytes.length || 1): { commands: string[]; error: string | null } {
  const p = new RequestParser(LIMITS);
  p.authenticated = auth;
  const commands: string[] = [];
  let error: string | null = null;
  for (let i = 0; i < bytes.length && error === null; i += chunk) {
    const r = p.push(bytes.subarray(i, i + chunk));
    for (const argv of r.commands) {
      const name = argv[0].toString("latin1").toLowerCase();
      const runs = (name === "ping" && argv.length <= 2) || (name === "echo" && argv.length === 2) || name === "hello";
      if (runs && auth) commands.push(argv.map(repr).join(" "));
    }
    if (r.error) error = r.error;
  }
  return { commands, error };
}

const b = (s: string) => Buffer.from(s, "latin1");

const CASES: [string, Buffer][] = [
  ["inline", b("PING\r\n")],
  ["inline with LF only and extra spaces", b("  ECHO   hello  \n")],
  ["inline quoted with escapes", b('ECHO "a\\x00b\\n\\"c"\r\n')],
  ["inline single quotes", b("ECHO 'it\\'s'\r\n")],
  ["inline unbalanced", b('ECHO "abc\r\nPING\r\n')],
  ["inline closing quote then char", b('ECHO "a"b\r\n')],
  ["inline empty lines", b("\r\n\n\r\nPING\r\n")],
  ["inline NUL before LF", b("PI\0NG\r\nPING\r\n")],
  ["inline CR in the middle", b("ECHO a\rb\r\n")],
  ["multibulk", b("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n")],
  ["multibulk with NUL in arg", b("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n")],
  ["NUL in the command name", b("*1\r\n$5\r\nPI\0NG\r\n*1\r\n$4\r\nPING\r\n")],
  ["bulk trailer not CRLF is skipped", b("*2\r\n$4\r\nECHOxx$2\r\nokZZ*1\r\n$4\r\nping\r\n")],
  ["header CR then any byte", b("*1\rX$4\rYPING\r\n")],
  ["negative multibulk", b("*-10\r\nPING\r\n")],
  ["zero multibulk", b("*0\r\nPING\r\n")],
  ["multibulk leading zero", b("*01\r\n$4\r\nPING\r\n")],
  ["multibulk plus sign", b("*+1\r\n$4\r\nPING\r\n")],
  ["multibulk too big for Redis", b("*3000000000\r\n")],
  ["multibulk not a number", b("*x\r\n")],
  ["multibulk empty count", b("*\r\n")],
  ["multibulk NUL in count", b("*1\0\r\n$4\r\nPING\r\n")],
  ["bulk wrong prefix", b("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n")],
  ["bulk prefix CR", b("*1\r\n\r\n")],
  ["bulk negative", b("*1\r\n$-1\r\n")],
  ["bulk not a number", b("*1\r\n$x\r\n")],
  ["bulk leading zero", b("*1\r\n$04\r\nPING\r\n")],
  ["bulk over 512 MB", b("*1\r\n$536870913\r\n")],
  ["bulk 64-bit overflow", b("*1\r\n$99999999999999999999\r\n")],
  ["pipeline then error", b("PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\nPING\r\n")],
  ["incomplete bulk", b("*2\r\n$4\r\nECHO\r\n$10\r\nabc")],
  ["star inside inline", b("ECHO *3\r\n")],
  ["high bytes", b("ECHO \xff\xfe\r\n*2\r\n$4\r\nECHO\r\n$2\r\n\xc3\xa9\r\n")],
];

describe("the RESP request parser reads what Redis reads (Redis as the oracle, with MONITOR)", () => {
  for (const [name, bytes] of CASES) {
    it(`${name}: the same commands and the same protocol error, whole and a byte at a time`, async () => {
      const redis = await redisReads(bytes, true);
      expect(parserReads(bytes, true), "whole").toEqual(redis);
      expect(parserReads(bytes, true, 1), "a byte at a time").toEqual(redis);
    });
  }

  it("before authentication: Redis's caps of 10 arguments and 16 KiB, with its words", async () => {
    for (const bytes of [b("*11\r\n"), b(`*1\r\n$16385\r\n`), b("*10\r\n$16384\r\n")]) {
      const redis = await redisReads(bytes, false);
      expect(parserReads(bytes, false).error, bytes.toString()).toBe(redis.error);
    }
  });

  it("header lines longer than 64 KiB without their end: the same error as Redis", async () => {
    for (const bytes of [
      Buffer.concat([b("*"), Buffer.alloc(PROTO_INLINE_MAX_SIZE + 10, 0x31)]),
      Buffer.concat([b("*1\r\n$"), Buffer.alloc(PROTO_INLINE_MAX_SIZE + 10, 0x31)]),
      Buffer.alloc(PROTO_INLINE_MAX_SIZE + 10, 0x61),
    ]) {
      const redis = await redisReads(bytes, true);
      expect(redis.error).not.toBeNull();
      expect(parserReads(bytes, true).error).toBe(redis.error);
      expect(parserReads(bytes, true, 4096).error).toBe(redis.error);
    }
  });

  it("a fuzz of 300 byte strings from protocol fragments, NUL and case included (seed 20261206)", async () => {
    let seed = 20261206;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const parts = [
      "*",
      "$",
      "1",
      "2",
      "4",
      "0",
      "-",
      "\r",
      "\n",
      "\r\n",
      "\0",
      " ",
      '"',
      "'",
      "\\x00",
      "PING",
      "ping",
      "ECHO",
      "eChO",
      "hello",
      "*1\r\n",
      "$4\r\nPING\r\n",
      "\xff",
    ];
    const mismatches: string[] = [];
    for (let k = 0; k < 300; k++) {
      const bytes = b(Array.from({ length: 3 + rand(12) }, () => parts[rand(parts.length)]).join(""));
      const redis = await redisReads(bytes, true);
      const mine = parserReads(bytes, true);
      if (JSON.stringify(mine) !== JSON.stringify(redis))
        mismatches.push(`${JSON.stringify(bytes.toString("latin1"))}: redis ${JSON.stringify(redis)} parser ${JSON.stringify(mine)}`);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});

describe("the RESP request parser's own caps", () => {
  it("refuses a count, an argument or a command over the caps from its header, holding none of it", () => {
    const p = new RequestParser({ ...LIMITS, maxArgs: 4, maxArgBytes: 100, maxCommandBytes: 150 });
    p.authenticated = true;
    expect(p.push(b("*5\r\n")).error).toMatch(/5 arguments, over this playground's limit of 4/);
    const q = new RequestParser({ ...LIMITS, maxArgs: 4, maxArgBytes: 100, maxCommandBytes: 150 });
    q.authenticated = true;
    expect(q.push(b("*2\r\n$101\r\n")).error).toMatch(/argument of 101 bytes/);
    const r = new RequestParser({ ...LIMITS, maxArgs: 4, maxArgBytes: 100, maxCommandBytes: 150 });
    r.authenticated = true;
    const first = r.push(Buffer.concat([b("*3\r\n$100\r\n"), Buffer.alloc(100, 0x61), b("\r\n$60\r\n")]));
    expect(first.error).toMatch(/more than 150 bytes/);
    expect(r.heldBytes).toBe(0);
    const s = new RequestParser({ ...LIMITS, maxArgs: 2 });
    s.authenticated = true;
    expect(s.push(b("ECHO a b\r\n")).error).toMatch(/3 arguments/);
  });

  it("holds at most one header line and the command being read, however the bytes arrive", () => {
    const p = new RequestParser(LIMITS);
    p.authenticated = true;
    let max = 0;
    const one = b("*2\r\n$4\r\nECHO\r\n$1000\r\n");
    for (let i = 0; i < 200; i++) {
      const r = p.push(Buffer.concat([one, Buffer.alloc(1000, 0x62), b("\r\n")]));
      expect(r.commands).toHaveLength(1);
      max = Math.max(max, p.heldBytes);
    }
    expect(max).toBe(0);
    p.push(b("*2\r\n$4\r\nECHO\r\n$1000\r\n"));
    p.push(Buffer.alloc(500, 0x62));
    expect(p.heldBytes).toBeLessThan(600);
  });

  it("reads numbers as Redis's string2ll does", () => {
    const n = (s: string) => string2ll(b(s), 0, s.length);
    expect([n("0"), n("12"), n("-3"), n("9007199254740991")]).toEqual([0, 12, -3, 9007199254740991]);
    // The 64-bit ends are numbers (lengths this large are refused anyway), not null.
    expect([n("9223372036854775807"), n("-9223372036854775808")].map((x) => typeof x)).toEqual(["number", "number"]);
    expect([n(""), n("-"), n("-0"), n("01"), n("+1"), n(" 1"), n("1 "), n("9223372036854775808"), n("1x")]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
