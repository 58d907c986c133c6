import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useOracleServer } from "@/test/oracle-server";
import { encodeCommand, RespDecoder } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";
import { encodeReply } from "./encode-reply";

const oracle = useOracleServer();

/**
 * Redis as the oracle: the raw bytes a real redis-server sends for each
 * command, in RESP2 and in RESP3, read into the typed reply and written back
 * by encodeReply, must come out byte for byte the same.
 */
class RawClient {
  private socket!: net.Socket;
  private raw: Buffer[] = [];
  private waiting: ((r: { raw: Buffer; reply: Reply }) => void)[] = [];
  private decoder = new RespDecoder((reply) => {
    const raw = Buffer.concat(this.raw);
    this.raw = [];
    this.waiting.shift()?.({ raw, reply });
  });

  async open(): Promise<void> {
    this.socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(oracle.port, "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
    this.socket.on("data", (d: Buffer) => {
      this.raw.push(d);
      this.decoder.write(d);
    });
  }

  send(...args: (string | Buffer)[]): Promise<{ raw: Buffer; reply: Reply }> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(encodeCommand(args.map((a) => (typeof a === "string" ? Buffer.from(a) : a))));
    });
  }

  close() {
    this.socket.destroy();
  }
}

const SETUP: (string | Buffer)[][] = [
  ["DEL", "enc:s", "enc:l", "enc:h", "enc:z", "enc:set", "enc:x", "enc:bin"],
  ["SET", "enc:s", "hello"],
  ["RPUSH", "enc:l", "a", "b", "c"],
  ["HSET", "enc:h", "f1", "v1", "f2", "v2"],
  ["ZADD", "enc:z", "1.5", "m1", "2", "m2", "inf", "m3"],
  ["SADD", "enc:set", "x"],
  ["XADD", "enc:x", "1-1", "k", "v"],
  ["SET", "enc:bin", Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a])],
];

const CORPUS: (string | Buffer)[][] = [
  ["PING"],
  ["ECHO", "héllo"],
  ["GET", "enc:s"],
  ["GET", "enc:missing"],
  ["GET", "enc:bin"],
  ["INCR", "enc:counter"],
  ["INCRBYFLOAT", "enc:float", "1.25"],
  ["LRANGE", "enc:l", "0", "-1"],
  ["LRANGE", "enc:missing", "0", "-1"],
  ["HGETALL", "enc:h"],
  ["HGETALL", "enc:missing"],
  ["SMEMBERS", "enc:set"],
  ["ZSCORE", "enc:z", "m1"],
  ["ZSCORE", "enc:z", "m3"],
  ["ZRANGE", "enc:z", "0", "-1", "WITHSCORES"],
  ["ZPOPMIN", "enc:missing"],
  ["EXISTS", "enc:s", "enc:l"],
  ["LPUSH", "enc:s", "x"],
  ["XRANGE", "enc:x", "-", "+"],
  ["XREAD", "STREAMS", "enc:x", "0"],
  ["XINFO", "STREAM", "enc:x"],
  ["OBJECT", "ENCODING", "enc:l"],
  ["COMMAND", "INFO", "get"],
  ["COMMAND", "DOCS", "get"],
  ["LPOS", "enc:l", "z"],
  ["SMISMEMBER", "enc:set", "x", "y"],
  ["CONFIG", "GET", "maxmemory-policy"],
  ["HELLO"],
  ["nosuchcommand", "arg"],
  ["GET"],
  ["LCS", "enc:s", "enc:s", "IDX"],
  ["CLIENT", "INFO"],
  ["INFO", "keyspace"],
  ["DEBUG", "PROTOCOL", "bignum"],
  ["DEBUG", "PROTOCOL", "true"],
  ["DEBUG", "PROTOCOL", "attrib"],
];

describe("encodeReply writes back the bytes Redis sent (Redis as the oracle)", () => {
  const clients: Record<2 | 3, RawClient> = { 2: new RawClient(), 3: new RawClient() };

  beforeAll(async () => {
    for (const proto of [2, 3] as const) {
      const c = clients[proto];
      await c.open();
      const auth = await c.send("HELLO", String(proto), "AUTH", "admin", oracle.password);
      expect(auth.reply.t).toBe(proto === 3 ? "map" : "array");
    }
    for (const cmd of SETUP) await clients[2].send(...cmd);
  });
  afterAll(() => {
    for (const c of Object.values(clients)) c.close();
  });

  for (const proto of [2, 3] as const) {
    it(`RESP${proto}: every reply of ${CORPUS.length} commands, byte for byte`, async () => {
      const diffs: string[] = [];
      for (const cmd of CORPUS) {
        const { raw, reply } = await clients[proto].send(...cmd);
        const mine = encodeReply(reply, proto);
        if (!mine.equals(raw)) diffs.push(`${cmd.join(" ")}: redis ${JSON.stringify(raw.toString("latin1"))} ≠ ${JSON.stringify(mine.toString("latin1"))}`);
      }
      expect(diffs).toEqual([]);
    });
  }

  it("RESP3's own types go to a RESP2 client as Redis sends them there", () => {
    const r = (reply: Reply) => encodeReply(reply, 2).toString("latin1");
    expect(r({ t: "double", v: "1.5" })).toBe("$3\r\n1.5\r\n");
    expect(r({ t: "bool", v: true })).toBe(":1\r\n");
    expect(
      r({
        t: "map",
        v: [
          { t: "bulk", v: "k" },
          { t: "integer", v: 1 },
        ],
      }),
    ).toBe("*2\r\n$1\r\nk\r\n:1\r\n");
    expect(r({ t: "verbatim", v: "hi", format: "txt" })).toBe("$2\r\nhi\r\n");
    expect(r({ t: "nil" })).toBe("$-1\r\n");
    expect(r({ t: "error", v: "ERR a\r\nb" })).toBe("-ERR a  b\r\n");
  });
});
