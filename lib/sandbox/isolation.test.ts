import net from "node:net";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { databaseCount } from "@/test/databases";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { RespDecoder, encodeCommand } from "@/lib/resp/decoder";
import type { Reply } from "@/lib/resp/reply";
import { until } from "@/test/until";

/**
 * Two visitors, alice and bob, share one Redis. Whatever either of them types,
 * neither may read, change or even see the other's keys, nor any key outside a
 * namespace, and the namespace prefix itself never shows. Runs against the
 * real test redis-server; the last checks look at Redis directly.
 */

// These tests run a few thousand commands per session in quick succession.
const rt = useTestRuntime({ PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
const alice = issueSession(rt.config.sessionSecret).session;
const bob = issueSession(rt.config.sessionSecret).session;
const who = (s: Session) => (s === alice ? "alice" : "bob");

/** What the namespace prefix starts with; no reply may contain it. */
const LEAK = "pg:{";
/** Every plain key name alice has created (some may be gone again). */
const aliceKeys = new Set<string>();
/** Keys outside every namespace, created on a raw connection. */
const OUTSIDE = { str: "iso-outside:str", stream: "iso-outside:stream" };

let raw: RespConnection;

const run = (s: Session, command: string) => execCommand(s, { command });
const text = async (s: Session, command: string) => (await run(s, command)).text;

async function expectText(s: Session, command: string, expected: string): Promise<void> {
  expect(await text(s, command), `${who(s)}> ${command}`).toBe(expected);
}

async function expectAll(s: Session, pairs: Array<[string, string]>): Promise<void> {
  for (const [command, expected] of pairs) await expectText(s, command, expected);
}

const names = (r: Reply): string[] => (r.t === "array" ? r.v.map((x) => (x.t === "bulk" ? x.v : `<${x.t}>`)) : [`<${r.t}>`]);

async function keysOf(s: Session, pattern = "*"): Promise<string[]> {
  return names((await run(s, `KEYS ${pattern}`)).reply).sort();
}

/** Follows SCAN through execCommand until the cursor comes back to 0. */
async function scanOf(s: Session, args = ""): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const r = (await run(s, `SCAN ${cursor}${args}`)).reply;
    if (r.t !== "array" || r.v.length !== 2 || r.v[0].t !== "bulk") throw new Error(`unexpected SCAN reply ${JSON.stringify(r)}`);
    cursor = r.v[0].v;
    out.push(...names(r.v[1]));
  } while (cursor !== "0");
  return out.sort();
}

/** KEYS, SCAN, DBSIZE and RANDOMKEY all show exactly `own`. */
async function expectView(s: Session, own: string[]): Promise<void> {
  const want = [...own].sort();
  expect(await keysOf(s), `${who(s)}> KEYS *`).toEqual(want);
  expect(await scanOf(s), `${who(s)}> SCAN`).toEqual(want);
  await expectText(s, "DBSIZE", `(integer) ${want.length}`);
  const rk = (await run(s, "RANDOMKEY")).reply;
  if (want.length === 0) expect(rk).toEqual({ t: "nil" });
  else expect(want).toContain(rk.t === "bulk" ? rk.v : `<${rk.t}>`);
}

interface Family {
  /** alice's commands and what redis-cli prints for each. */
  alice: Array<[string, string]>;
  /** alice's keys once her commands ran. */
  keys: string[];
  /** Read-only commands showing alice's data; must print the same before and after bob. */
  view: Array<[string, string]>;
  /** bob's attempts on the same key names, run in his own namespace. */
  bob: Array<[string, string]>;
  /** The keys bob's attempts created in his own namespace. */
  bobOwn: string[];
}

/** alice writes, bob cannot see or touch it, alice's data is unchanged afterwards. */
async function checkFamily(f: Family): Promise<void> {
  await expectText(bob, "FLUSHDB", "OK");
  await expectAll(alice, f.alice);
  f.keys.forEach((k) => aliceKeys.add(k));
  await expectAll(alice, f.view);

  await expectText(bob, `EXISTS ${f.keys.join(" ")}`, "(integer) 0");
  for (const k of f.keys) await expectText(bob, `TYPE ${k}`, "none");
  await expectView(bob, []);
  await expectAll(bob, f.bob);
  await expectView(bob, f.bobOwn);

  await expectAll(alice, f.view);
  await expectText(alice, `EXISTS ${f.keys.join(" ")}`, `(integer) ${f.keys.length}`);
  const aliceSees = await keysOf(alice);
  for (const k of f.keys) expect(aliceSees).toContain(k);
  for (const k of aliceSees) expect(k).not.toContain(LEAK);
}

/** SCAN over the raw connection's current database. */
async function rawScan(pattern: string, conn = raw): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const r = await conn.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"]);
    if (r.t !== "array" || r.v[0].t !== "bulk") throw new Error(`unexpected SCAN reply ${JSON.stringify(r)}`);
    cursor = r.v[0].v;
    out.push(...names(r.v[1]));
  } while (cursor !== "0");
  return out.sort();
}

/**
 * Everything an escape could change: every key (and its DUMP) in both
 * namespaces and outside them, alice's plain names at the top level, and
 * both namespaces in database 1.
 */
async function snapshot(): Promise<Record<string, string>> {
  const snap: Record<string, string> = {};
  const keys = [...(await rawScan(`${alice.ns.prefix}*`)), ...(await rawScan(`${bob.ns.prefix}*`)), ...(await rawScan("iso-outside:*"))];
  for (const k of keys) snap[k] = JSON.stringify(await raw.send(["DUMP", k]));
  const plain = [...aliceKeys];
  snap["<top-level plain names>"] = JSON.stringify(plain.length ? await raw.send(["EXISTS", ...plain]) : null);
  for (let db = 1; db < (await databaseCount(raw)); db++) {
    const selected = await raw.send(["SELECT", String(db)]);
    if (selected.t !== "status") throw new Error(`SELECT ${db}: ${JSON.stringify(selected)}`);
    try {
      snap[`<db ${db}>`] = JSON.stringify([...(await rawScan(`${alice.ns.prefix}*`)), ...(await rawScan(`${bob.ns.prefix}*`))]);
    } finally {
      await raw.send(["SELECT", "0"]);
    }
  }
  return snap;
}

/** A bare RESP connection that subscribes to channels and collects what arrives. */
async function subscriber(channels: string[]) {
  const { host, port, username, password } = parseRedisUrl(inject("redisUrl"));
  const sock = net.createConnection({ host, port });
  const replies: Reply[] = [];
  const decoder = new RespDecoder((r) => void replies.push(r));
  sock.on("data", (chunk) => decoder.write(chunk));
  await once(sock, "connect");
  const send = (...argv: string[]) => sock.write(encodeCommand(argv.map((a) => Buffer.from(a))));
  if (password !== undefined) send("AUTH", ...(username ? [username] : []), password);
  send("SUBSCRIBE", ...channels);
  const handshake = (password !== undefined ? 1 : 0) + channels.length;
  await until(() => replies.length >= handshake);
  return {
    messages: () => replies.slice(handshake).map((r) => names(r)),
    close: () => sock.destroy(),
  };
}

beforeAll(async () => {
  await rt.conn.waitReady();
  raw = new RespConnection(parseRedisUrl(inject("redisUrl")), "isolation-raw");
  await raw.waitReady();
  expect(alice.ns.prefix).not.toBe(bob.ns.prefix);
  await expectText(alice, "FLUSHDB", "OK");
  await expectText(bob, "FLUSHDB", "OK");
});

afterAll(async () => {
  await raw.send(["DEL", OUTSIDE.str, OUTSIDE.stream]);
  await run(alice, "FLUSHDB");
  await run(bob, "FLUSHDB");
  raw.close();
});

describe("one visitor cannot read, change or see another's keys", () => {
  it("strings", async () => {
    await checkFamily({
      alice: [
        ["SET str:greeting hello", "OK"],
        ['APPEND str:greeting " world"', "(integer) 11"],
        ["SET str:counter 10", "OK"],
        ["INCRBY str:counter 5", "(integer) 15"],
        ["SETEX str:session 1000 token", "OK"],
      ],
      keys: ["str:greeting", "str:counter", "str:session"],
      view: [
        ["GET str:greeting", '"hello world"'],
        ["GET str:counter", '"15"'],
        ["STRLEN str:session", "(integer) 5"],
      ],
      bob: [
        ["GET str:greeting", "(nil)"],
        ["MGET str:greeting str:counter str:session", "1) (nil)\n2) (nil)\n3) (nil)"],
        ["STRLEN str:greeting", "(integer) 0"],
        ["GETRANGE str:greeting 0 -1", '""'],
        ["GETDEL str:session", "(nil)"],
        ["GETEX str:session PERSIST", "(nil)"],
        ["INCR str:counter", "(integer) 1"],
        ["APPEND str:greeting bob", "(integer) 3"],
        ["SETNX str:session bob", "(integer) 1"],
        ["GETSET str:session bob2", '"bob"'],
        ["GET str:greeting", '"bob"'],
      ],
      bobOwn: ["str:greeting", "str:counter", "str:session"],
    });
  });

  it("bitmaps", async () => {
    await checkFamily({
      alice: [
        ["SETBIT bm:flags 7 1", "(integer) 0"],
        ["SETBIT bm:flags 100 1", "(integer) 0"],
      ],
      keys: ["bm:flags"],
      view: [
        ["BITCOUNT bm:flags", "(integer) 2"],
        ["GETBIT bm:flags 7", "(integer) 1"],
        ["BITPOS bm:flags 1", "(integer) 7"],
        ["BITFIELD_RO bm:flags GET u8 0", "1) (integer) 1"],
      ],
      bob: [
        ["GETBIT bm:flags 7", "(integer) 0"],
        ["BITCOUNT bm:flags", "(integer) 0"],
        ["BITPOS bm:flags 1", "(integer) -1"],
        ["BITFIELD_RO bm:flags GET u8 0", "1) (integer) 0"],
        ["BITOP OR bm:copy bm:flags", "(integer) 0"],
        ["SETBIT bm:flags 0 1", "(integer) 0"],
        ["BITFIELD bm:flags INCRBY u8 8 5", "1) (integer) 5"],
      ],
      bobOwn: ["bm:flags"],
    });
  });

  it("hashes", async () => {
    await checkFamily({
      alice: [
        ["HSET h:user name alice age 30", "(integer) 2"],
        ["HINCRBY h:user age 1", "(integer) 31"],
      ],
      keys: ["h:user"],
      view: [
        ["HGETALL h:user", '1) "name"\n2) "alice"\n3) "age"\n4) "31"'],
        ["HLEN h:user", "(integer) 2"],
      ],
      bob: [
        ["HGET h:user name", "(nil)"],
        ["HGETALL h:user", "(empty array)"],
        ["HLEN h:user", "(integer) 0"],
        ["HEXISTS h:user name", "(integer) 0"],
        ["HKEYS h:user", "(empty array)"],
        ["HMGET h:user name age", "1) (nil)\n2) (nil)"],
        ["HDEL h:user name", "(integer) 0"],
        ["HINCRBY h:user age 1", "(integer) 1"],
        ["HSETNX h:user name bob", "(integer) 1"],
      ],
      bobOwn: ["h:user"],
    });
  });

  it("lists", async () => {
    await checkFamily({
      alice: [["RPUSH l:queue a b c", "(integer) 3"]],
      keys: ["l:queue"],
      view: [
        ["LRANGE l:queue 0 -1", '1) "a"\n2) "b"\n3) "c"'],
        ["LLEN l:queue", "(integer) 3"],
      ],
      bob: [
        ["LRANGE l:queue 0 -1", "(empty array)"],
        ["LLEN l:queue", "(integer) 0"],
        ["LPOP l:queue", "(nil)"],
        ["RPOP l:queue 2", "(nil)"],
        ["LINDEX l:queue 0", "(nil)"],
        ["LPOS l:queue a", "(nil)"],
        ["LSET l:queue 0 x", "(error) ERR no such key"],
        ["RPUSHX l:queue z", "(integer) 0"],
        ["LINSERT l:queue BEFORE a z", "(integer) 0"],
        ["LTRIM l:queue 1 0", "OK"],
        ["LPUSH l:queue mine", "(integer) 1"],
      ],
      bobOwn: ["l:queue"],
    });
  });

  it("sets", async () => {
    await checkFamily({
      alice: [["SADD s:tags red green blue", "(integer) 3"]],
      keys: ["s:tags"],
      view: [
        ["SCARD s:tags", "(integer) 3"],
        ["SMISMEMBER s:tags red pink", "1) (integer) 1\n2) (integer) 0"],
      ],
      bob: [
        ["SMEMBERS s:tags", "(empty array)"],
        ["SCARD s:tags", "(integer) 0"],
        ["SISMEMBER s:tags red", "(integer) 0"],
        ["SRANDMEMBER s:tags", "(nil)"],
        ["SPOP s:tags", "(nil)"],
        ["SREM s:tags red", "(integer) 0"],
        ["SADD s:tags mine", "(integer) 1"],
      ],
      bobOwn: ["s:tags"],
    });
  });

  it("sorted sets", async () => {
    await checkFamily({
      alice: [["ZADD z:board 10 ann 20 ben", "(integer) 2"]],
      keys: ["z:board"],
      view: [
        ["ZRANGE z:board 0 -1 WITHSCORES", '1) "ann"\n2) "10"\n3) "ben"\n4) "20"'],
        ["ZSCORE z:board ann", '"10"'],
      ],
      bob: [
        ["ZRANGE z:board 0 -1 WITHSCORES", "(empty array)"],
        ["ZSCORE z:board ann", "(nil)"],
        ["ZCARD z:board", "(integer) 0"],
        ["ZRANK z:board ann", "(nil)"],
        ["ZPOPMIN z:board", "(empty array)"],
        ["ZREM z:board ann", "(integer) 0"],
        ["ZINCRBY z:board 5 ann", '"5"'],
      ],
      bobOwn: ["z:board"],
    });
  });

  it("HyperLogLog", async () => {
    await checkFamily({
      alice: [["PFADD hll:visitors u1 u2 u3", "(integer) 1"]],
      keys: ["hll:visitors"],
      view: [["PFCOUNT hll:visitors", "(integer) 3"]],
      bob: [
        ["PFCOUNT hll:visitors", "(integer) 0"],
        ["PFADD hll:visitors x", "(integer) 1"],
        ["PFMERGE hll:merged hll:visitors", "OK"],
        ["PFCOUNT hll:merged", "(integer) 1"],
      ],
      bobOwn: ["hll:visitors", "hll:merged"],
    });
  });

  it("geo", async () => {
    await checkFamily({
      alice: [
        ["GEOADD geo:places 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "(integer) 2"],
        ["GEOSEARCHSTORE geo:near geo:places FROMLONLAT 15 37 BYRADIUS 200 km", "(integer) 2"],
        ["GEORADIUS geo:places 15 37 200 km STORE geo:radius", "(integer) 2"],
      ],
      keys: ["geo:places", "geo:near", "geo:radius"],
      view: [
        ["GEODIST geo:places Palermo Catania km", '"166.2742"'],
        ["GEOSEARCH geo:places FROMLONLAT 15 37 BYRADIUS 200 km ASC", '1) "Catania"\n2) "Palermo"'],
        ["ZCARD geo:near", "(integer) 2"],
        ["ZCARD geo:radius", "(integer) 2"],
      ],
      bob: [
        ["GEOPOS geo:places Palermo", "1) (nil)"],
        ["GEODIST geo:places Palermo Catania km", "(nil)"],
        ["GEOHASH geo:places Palermo", "1) (nil)"],
        ["GEOSEARCH geo:places FROMLONLAT 15 37 BYRADIUS 200 km ASC", "(empty array)"],
        ["GEORADIUS geo:places 15 37 200 km", "(empty array)"],
        ["GEORADIUSBYMEMBER geo:places Palermo 200 km", "(empty array)"],
        ["GEORADIUS geo:places 15 37 200 km STORE geo:radius", "(integer) 0"],
        ["GEOSEARCHSTORE geo:near geo:places FROMLONLAT 15 37 BYRADIUS 200 km", "(integer) 0"],
        ["GEOADD geo:places 0 0 nowhere", "(integer) 1"],
      ],
      bobOwn: ["geo:places"],
    });
  });

  it("streams", async () => {
    await checkFamily({
      alice: [
        ["XADD st:events 1-1 type login", '"1-1"'],
        ["XADD st:events 2-1 type logout", '"2-1"'],
        ["XGROUP CREATE st:events grp 0", "OK"],
      ],
      keys: ["st:events"],
      view: [
        ["XLEN st:events", "(integer) 2"],
        ["XRANGE st:events - + COUNT 1", '1) 1) "1-1"\n   2) 1) "type"\n      2) "login"'],
        ["XPENDING st:events grp", "1) (integer) 0\n2) (nil)\n3) (nil)\n4) (nil)"],
      ],
      bob: [
        ["XRANGE st:events - +", "(empty array)"],
        ["XLEN st:events", "(integer) 0"],
        ["XREAD STREAMS st:events 0", "(nil)"],
        ["XREADGROUP GROUP grp c1 STREAMS st:events >", "(error) NOGROUP No such key 'st:events' or consumer group 'grp' in XREADGROUP with GROUP option"],
        ["XINFO STREAM st:events", "(error) ERR no such key"],
        [
          "XGROUP CREATE st:events grp 0",
          "(error) ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        ],
        ["XACK st:events grp 1-1", "(integer) 0"],
        ["XDEL st:events 1-1", "(integer) 0"],
        ["XTRIM st:events MAXLEN 0", "(integer) 0"],
        ["XADD st:events 1-1 mine x", '"1-1"'],
      ],
      bobOwn: ["st:events"],
    });
  });

  it("generic key commands", async () => {
    await checkFamily({
      alice: [
        ["SET g:a va", "OK"],
        ["SET g:b vb", "OK"],
        ["EXPIRE g:b 1000", "(integer) 1"],
        ["RENAME g:a g:renamed", "OK"],
        ["COPY g:renamed g:copy", "(integer) 1"],
      ],
      keys: ["g:b", "g:renamed", "g:copy"],
      view: [
        ["GET g:renamed", '"va"'],
        ["GET g:copy", '"va"'],
        ["EXISTS g:a", "(integer) 0"],
        ["TYPE g:renamed", "string"],
        ["OBJECT ENCODING g:renamed", '"embstr"'],
      ],
      bob: [
        ["TTL g:b", "(integer) -2"],
        ["PTTL g:b", "(integer) -2"],
        ["EXPIRETIME g:b", "(integer) -2"],
        ["OBJECT ENCODING g:renamed", "(nil)"],
        ["OBJECT REFCOUNT g:renamed", "(nil)"],
        ["DUMP g:renamed", "(nil)"],
        ["MEMORY USAGE g:renamed", "(nil)"],
        ["RENAME g:renamed g:stolen", "(error) ERR no such key"],
        ["RENAMENX g:renamed g:stolen", "(error) ERR no such key"],
        ["COPY g:renamed g:stolen", "(integer) 0"],
        ["EXPIRE g:renamed 1", "(integer) 0"],
        ["PERSIST g:b", "(integer) 0"],
        ["TOUCH g:renamed g:b", "(integer) 0"],
        ["DEL g:renamed g:copy g:b", "(integer) 0"],
        ["UNLINK g:renamed g:copy g:b", "(integer) 0"],
        // bob's own keys under the same names: never alice's.
        ["SET g:a bobval", "OK"],
        ["RENAME g:a g:renamed", "OK"],
        ["COPY g:renamed g:copy REPLACE", "(integer) 1"],
        ["EXPIRE g:copy 500", "(integer) 1"],
        ["GET g:copy", '"bobval"'],
      ],
      bobOwn: ["g:renamed", "g:copy"],
    });
    const ttl = (await run(alice, "TTL g:b")).reply;
    expect(ttl.t).toBe("integer");
    expect(Number(ttl.t === "integer" ? ttl.v : 0)).toBeGreaterThan(900);
    await expectText(alice, "TTL g:copy", "(integer) -1");
  });

  it("multi-key commands", async () => {
    await checkFamily({
      alice: [
        ["MSET m:k1 1 m:k2 2", "OK"],
        ["SADD m:s1 a b", "(integer) 2"],
        ["SADD m:s2 b c", "(integer) 2"],
        ["SINTERSTORE m:inter m:s1 m:s2", "(integer) 1"],
        ["ZADD m:z1 1 a", "(integer) 1"],
        ["ZADD m:z2 2 b", "(integer) 1"],
        ["ZUNIONSTORE m:zu 2 m:z1 m:z2", "(integer) 2"],
        ["RPUSH m:src x y", "(integer) 2"],
        ["LMOVE m:src m:dst LEFT RIGHT", '"x"'],
        ["SMOVE m:s1 m:s2 a", "(integer) 1"],
        ["XADD m:x1 1-1 f v", '"1-1"'],
        ["XADD m:x2 1-1 f w", '"1-1"'],
        ["RPUSH m:lst a b", "(integer) 2"],
        ["ZADD m:zm 1 a 2 b", "(integer) 2"],
      ],
      keys: ["m:k1", "m:k2", "m:s1", "m:s2", "m:inter", "m:z1", "m:z2", "m:zu", "m:src", "m:dst", "m:x1", "m:x2", "m:lst", "m:zm"],
      view: [
        ["MGET m:k1 m:k2", '1) "1"\n2) "2"'],
        ["SMEMBERS m:inter", '1) "b"'],
        ["SINTER m:s1 m:s2", '1) "b"'],
        ["SCARD m:s2", "(integer) 3"],
        ["ZRANGE m:zu 0 -1", '1) "a"\n2) "b"'],
        ["ZUNION 2 m:z1 m:z2", '1) "a"\n2) "b"'],
        ["LRANGE m:src 0 -1", '1) "y"'],
        ["LRANGE m:dst 0 -1", '1) "x"'],
        ["LRANGE m:lst 0 -1", '1) "a"\n2) "b"'],
        ["ZCARD m:zm", "(integer) 2"],
        [
          "XREAD COUNT 10 STREAMS m:x1 m:x2 0 0",
          [
            '1) 1) "m:x1"',
            '   2) 1) 1) "1-1"',
            '         2) 1) "f"',
            '            2) "v"',
            '2) 1) "m:x2"',
            '   2) 1) 1) "1-1"',
            '         2) 1) "f"',
            '            2) "w"',
          ].join("\n"),
        ],
      ],
      bob: [
        ["MGET m:k1 m:k2", "1) (nil)\n2) (nil)"],
        ["SINTER m:s1 m:s2", "(empty array)"],
        ["SUNION m:s1 m:s2", "(empty array)"],
        ["SDIFF m:s2 m:s1", "(empty array)"],
        ["SINTERCARD 2 m:s1 m:s2", "(integer) 0"],
        ["SINTERSTORE m:inter m:s1 m:s2", "(integer) 0"],
        ["SUNIONSTORE m:inter m:s1 m:s2", "(integer) 0"],
        ["ZUNION 2 m:z1 m:z2", "(empty array)"],
        ["ZUNIONSTORE m:zu 2 m:z1 m:z2", "(integer) 0"],
        ["ZINTERSTORE m:zu 2 m:z1 m:z2 WEIGHTS 1 1", "(integer) 0"],
        ["ZDIFFSTORE m:zu 2 m:z1 m:z2", "(integer) 0"],
        ["ZINTERCARD 2 m:z1 m:z2", "(integer) 0"],
        ["LMOVE m:src m:dst LEFT RIGHT", "(nil)"],
        ["RPOPLPUSH m:src m:dst", "(nil)"],
        ["SMOVE m:s1 m:s2 b", "(integer) 0"],
        ["XREAD STREAMS m:x1 m:x2 0 0", "(nil)"],
        ["LMPOP 2 m:src m:lst LEFT", "(nil)"],
        ["ZMPOP 1 m:zm MIN", "(nil)"],
        ["MSETNX m:k1 b1 m:k2 b2", "(integer) 1"],
        ["MGET m:k1 m:k2", '1) "b1"\n2) "b2"'],
        // bob's own list: the reply names the key without any prefix.
        ["RPUSH m:lst bob", "(integer) 1"],
        ["LMPOP 2 m:src m:lst RIGHT", '1) "m:lst"\n2) 1) "bob"'],
      ],
      bobOwn: ["m:k1", "m:k2"],
    });
  });

  it("PUBLISH: channels are namespaced", async () => {
    // Nobody listens inside alice's namespace: 0 receivers, even with a
    // subscriber on the plain channel name.
    const plain = await subscriber(["news"]);
    try {
      await expectText(alice, "PUBLISH news hello", "(integer) 0");
      await expectText(bob, "PUBLISH news hello", "(integer) 0");

      // A listener on alice's namespaced channel gets alice's message, not bob's.
      const ns = await subscriber([`${alice.ns.prefix}news`]);
      try {
        await expectText(alice, "PUBLISH news from-alice", "(integer) 1");
        await expectText(bob, "PUBLISH news from-bob", "(integer) 0");
        await until(() => ns.messages().length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(ns.messages()).toEqual([["message", `${alice.ns.prefix}news`, "from-alice"]]);
      } finally {
        ns.close();
      }
      expect(plain.messages()).toEqual([]);
    } finally {
      plain.close();
    }
  });
});

describe("the namespace prefix never leaks", () => {
  it("KEYS, SCAN and RANDOMKEY show plain names", async () => {
    await expectAll(alice, [
      ["RPUSH leak:list a b", "(integer) 2"],
      ["ZADD leak:z 1 m", "(integer) 1"],
      ["XADD leak:s 1-1 f v", '"1-1"'],
      ["SET leak:str v", "OK"],
    ]);
    ["leak:list", "leak:s", "leak:str"].forEach((k) => aliceKeys.add(k));
    const all = await keysOf(alice);
    expect(all).toEqual(expect.arrayContaining(["leak:list", "leak:z", "leak:s", "leak:str"]));
    for (const k of all) expect(k).not.toContain(LEAK);
    expect(await keysOf(alice, "leak:*")).toEqual(["leak:list", "leak:s", "leak:str", "leak:z"]);
    expect(await scanOf(alice, " MATCH leak:*")).toEqual(["leak:list", "leak:s", "leak:str", "leak:z"]);
    expect(await scanOf(alice, " MATCH leak:* TYPE list COUNT 1000")).toEqual(["leak:list"]);
    const all2 = await scanOf(alice);
    expect(all2).toEqual(all);
    for (let i = 0; i < 10; i++) expect(await text(alice, "RANDOMKEY")).not.toContain(LEAK);
    // The raw reply, not only its printed form.
    const { reply } = await run(alice, "SCAN 0 COUNT 1000");
    expect(JSON.stringify(reply)).not.toContain(LEAK);
  });

  it("error messages quote keys without the prefix", async () => {
    const cases: Array<[string, string]> = [
      ["XREADGROUP GROUP nogroup c STREAMS leak:s >", "(error) NOGROUP No such key 'leak:s' or consumer group 'nogroup' in XREADGROUP with GROUP option"],
      [
        "XREADGROUP GROUP nogroup c STREAMS leak:missing >",
        "(error) NOGROUP No such key 'leak:missing' or consumer group 'nogroup' in XREADGROUP with GROUP option",
      ],
      ["XPENDING leak:s nogroup", "(error) NOGROUP No such key 'leak:s' or consumer group 'nogroup'"],
      ["XINFO CONSUMERS leak:s nogroup", "(error) NOGROUP No such consumer group 'nogroup' for key name 'leak:s'"],
      ["XGROUP SETID leak:s nogroup 0", "(error) NOGROUP No such consumer group 'nogroup' for key name 'leak:s'"],
      ["XCLAIM leak:s nogroup c 0 1-1", "(error) NOGROUP No such key 'leak:s' or consumer group 'nogroup'"],
      ["XAUTOCLAIM leak:s nogroup c 0 0", "(error) NOGROUP No such key 'leak:s' or consumer group 'nogroup'"],
      ["LPUSH leak:str x", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"],
      ["RENAME leak:missing x", "(error) ERR no such key"],
      ["XADD leak:s 1-1 f v", "(error) ERR The ID specified in XADD is equal or smaller than the target stream top item"],
    ];
    for (const [command, expected] of cases) {
      const r = await run(alice, command);
      expect(r.text, command).toBe(expected);
      expect(JSON.stringify(r.reply), command).not.toContain(LEAK);
    }
  });

  it("LMPOP, ZMPOP, XREAD and XREADGROUP name keys without the prefix", async () => {
    const cases: Array<[string, string]> = [
      ["LMPOP 2 leak:none leak:list LEFT COUNT 1", '1) "leak:list"\n2) 1) "a"'],
      ["ZMPOP 2 leak:none leak:z MAX", '1) "leak:z"\n2) 1) 1) "m"\n      2) "1"'],
      ["XREAD STREAMS leak:s 0", '1) 1) "leak:s"\n   2) 1) 1) "1-1"\n         2) 1) "f"\n            2) "v"'],
      ["XGROUP CREATE leak:s g 0", "OK"],
      ["XREADGROUP GROUP g c STREAMS leak:s >", '1) 1) "leak:s"\n   2) 1) 1) "1-1"\n         2) 1) "f"\n            2) "v"'],
    ];
    for (const [command, expected] of cases) {
      const r = await run(alice, command);
      expect(r.text, command).toBe(expected);
      expect(JSON.stringify(r.reply), command).not.toContain(LEAK);
    }
    await expectText(alice, "LRANGE leak:list 0 -1", '1) "b"');
    await expectText(alice, "EXISTS leak:z", "(integer) 0");
  });
});

describe("escape attempts are refused and change nothing", () => {
  beforeAll(async () => {
    await expectText(bob, "FLUSHDB", "OK");
    await expectAll(alice, [
      ["SET esc:k secret", "OK"],
      ["RPUSH esc:list a b", "(integer) 2"],
      ["ZADD esc:z 1 a", "(integer) 1"],
      ["XADD esc:events 1-1 f v", '"1-1"'],
      ["XGROUP CREATE esc:events grp 0", "OK"],
      ["PFADD esc:hll x", "(integer) 1"],
    ]);
    ["esc:k", "esc:list", "esc:z", "esc:events", "esc:hll"].forEach((k) => aliceKeys.add(k));
    await expectAll(bob, [
      ["SET esc:bobkey mine", "OK"],
      ["GEOADD esc:bobgeo 13.361389 38.115556 Palermo", "(integer) 1"],
    ]);
    expect(await raw.send(["SET", OUTSIDE.str, "outside"])).toEqual({ t: "status", v: "OK" });
    await raw.send(["DEL", OUTSIDE.stream]);
    await raw.send(["XADD", OUTSIDE.stream, "1-1", "f", "v"]);
    expect(await raw.send(["XGROUP", "CREATE", OUTSIDE.stream, "grp", "0"])).toEqual({ t: "status", v: "OK" });
  });

  /** The shared connection still works as before: database 0, RESP2, not killed or paused. */
  async function healthy(): Promise<void> {
    expect((await run(alice, "GET esc:k")).reply).toEqual({ t: "bulk", v: "secret" });
    await expectText(bob, "GET esc:bobkey", '"mine"');
    expect(await raw.send(["PING"])).toEqual({ t: "status", v: "PONG" });
  }

  const A = alice;
  const B = bob;
  // [label, who, command, what redis-cli prints (exactly, or a pattern)]
  const cases: Array<[string, Session, string, string | RegExp]> = [
    ["SELECT", A, "SELECT 1", "(error) ERR SELECT would switch the shared connection to another database; your keys live in your own namespace instead."],
    ["MOVE", A, "MOVE esc:k 1", /^\(error\) ERR MOVE /],
    ["COPY … DB", A, "COPY esc:k esc:k2 DB 1", /^\(error\) ERR COPY … DB /],
    ["COPY … db (lower case)", A, "copy esc:k esc:k2 db 1 replace", /^\(error\) ERR COPY … DB /],
    ["SWAPDB", A, "SWAPDB 0 1", /^\(error\) ERR SWAPDB /],
    ["CONFIG GET", B, "CONFIG GET *", /^\(error\) ERR CONFIG GET administers the whole server/],
    ["CONFIG SET", B, "CONFIG SET maxmemory 1", /^\(error\) ERR CONFIG SET /],
    ["AUTH", B, "AUTH default x", /^\(error\) ERR AUTH would change who the shared connection is/],
    ["AUTH (one argument)", B, "AUTH x", /^\(error\) ERR AUTH /],
    ["HELLO 3", B, "HELLO 3", /^\(error\) ERR HELLO 3 would switch to RESP3, and the console speaks RESP2/],
    ["RESET", B, "RESET", /^\(error\) ERR RESET /],
    ["QUIT", B, "QUIT", /^\(error\) ERR QUIT /],
    ["CLIENT LIST", B, "CLIENT LIST", /^\(error\) ERR CLIENT LIST /],
    ["CLIENT KILL", B, "CLIENT KILL TYPE normal", /^\(error\) ERR CLIENT KILL /],
    ["CLIENT KILL addr", B, "CLIENT KILL 127.0.0.1:1", /^\(error\) ERR CLIENT KILL /],
    ["CLIENT PAUSE", B, "CLIENT PAUSE 5000", /^\(error\) ERR CLIENT PAUSE /],
    ["CLIENT SETNAME (emulated: names the console tab, never the shared connection)", B, "CLIENT SETNAME evil", "OK"],
    ["DEBUG SLEEP", B, "DEBUG SLEEP 0", /^\(error\) ERR DEBUG /],
    ["DEBUG OBJECT", B, "DEBUG OBJECT esc:bobkey", /^\(error\) ERR DEBUG /],
    ["SHUTDOWN", B, "SHUTDOWN", /^\(error\) ERR SHUTDOWN /],
    ["SHUTDOWN NOSAVE", B, "SHUTDOWN NOSAVE", /^\(error\) ERR SHUTDOWN /],
    ["MONITOR", B, "MONITOR", /^\(error\) ERR MONITOR /],
    ["INFO clients (emulated: nothing about other clients)", B, "INFO clients", ""],
    [
      "INFO everything (emulated subset)",
      B,
      "INFO everything",
      // Only B's own keyspace, and nothing that names the server's process, port or paths (fields: fidelity.test.ts).
      /^# Server\r\nredis_version:[\d.]+\r\nredis_mode:(standalone|cluster)\r\n(?![\s\S]*(process_id|run_id|tcp_port|executable|config_file|pg:\{))[\s\S]*\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r?$/,
    ],
    ["SAVE", B, "SAVE", /^\(error\) ERR SAVE /],
    ["REPLICAOF", B, "REPLICAOF 127.0.0.1 1", /^\(error\) ERR REPLICAOF /],
    ["ACL", B, "ACL LIST", /^\(error\) ERR ACL LIST /],
    ["EVAL", B, 'EVAL "return 1" 0', /^\(error\) ERR EVAL runs server-side scripts/],
    ["EVAL reading a key", B, `EVAL "return redis.call('GET', KEYS[1])" 1 ${alice.ns.prefix}esc:k`, /^\(error\) ERR EVAL /],
    ["EVAL_RO", B, 'EVAL_RO "return 1" 0', /^\(error\) ERR EVAL_RO /],
    ["SCRIPT FLUSH", B, "SCRIPT FLUSH", /^\(error\) ERR SCRIPT FLUSH /],
    ["FUNCTION LIST", B, "FUNCTION LIST", /^\(error\) ERR FUNCTION LIST /],
    ["FUNCTION FLUSH", B, "FUNCTION FLUSH", /^\(error\) ERR FUNCTION FLUSH /],
    ["FCALL", B, "FCALL f 0", /^\(error\) ERR FCALL /],
    ["SUBSCRIBE", B, "SUBSCRIBE c", /^\(error\) ERR SUBSCRIBE needs a live stream/],
    ["PSUBSCRIBE", B, "PSUBSCRIBE *", /^\(error\) ERR PSUBSCRIBE /],
    ["PUBSUB CHANNELS (scoped)", B, "PUBSUB CHANNELS *", "(empty array)"],
    ["PUBSUB CHANNELS with alice's prefix", B, `PUBSUB CHANNELS ${alice.ns.prefix}*`, "(empty array)"],
    ["PUBSUB NUMPAT", B, "PUBSUB NUMPAT", /^\(error\) ERR PUBSUB NUMPAT /],
    ["SPUBLISH (namespaced)", B, "SPUBLISH c m", "(integer) 0"],
    ["WAIT (emulated: no replicas, nothing blocked)", B, "WAIT 0 0", "(integer) 0"],
    ["SORT … BY pattern", B, "SORT esc:list BY x*", /^\(error\) ERR SORT … BY with a "\*" pattern reads other keys/],
    ["SORT … BY alice's keys", B, `SORT esc:list BY ${alice.ns.prefix}*`, /^\(error\) ERR SORT … BY with a "\*" pattern reads other keys/],
    ["SORT … GET", B, `SORT esc:list GET ${alice.ns.prefix}esc:k`, /^\(error\) ERR SORT … GET reads other keys/],
    ["SORT … STORE into alice's key", B, `SORT esc:list STORE ${alice.ns.prefix}esc:k`, "(integer) 0"],
    ["SORT … GET", A, `SORT esc:list GET ${OUTSIDE.str}`, /^\(error\) ERR SORT /],
    ["SORT_RO", B, "SORT_RO esc:list BY nosort GET *", /^\(error\) ERR SORT_RO /],
    ["MIGRATE", A, "MIGRATE 127.0.0.1 1 esc:k 0 1000", /^\(error\) ERR MIGRATE /],
    ["RESTORE", B, `RESTORE ${alice.ns.prefix}esc:k 0 payload REPLACE`, /^\(error\) ERR RESTORE /],
    ["PFDEBUG", B, "PFDEBUG GETREG esc:hll", /^\(error\) ERR PFDEBUG /],
    ["MEMORY STATS", B, "MEMORY STATS", "(error) ERR MEMORY STATS reports on the whole server. Try MEMORY USAGE <key>."],
    ["MEMORY DOCTOR", B, "MEMORY DOCTOR", "(error) ERR MEMORY DOCTOR reports on the whole server. Try MEMORY USAGE <key>."],
    ["MEMORY MALLOC-STATS", B, "MEMORY MALLOC-STATS", /^\(error\) ERR MEMORY MALLOC-STATS /],
    ["MEMORY PURGE", B, "MEMORY PURGE", /^\(error\) ERR MEMORY PURGE /],
    ["OBJECT without a subcommand", B, "OBJECT", /^\(error\) ERR wrong number of arguments for 'object'/],
    ["OBJECT unknown subcommand", B, `OBJECT NOSUCH ${alice.ns.prefix}esc:k`, /^\(error\) ERR unknown subcommand/],
    [
      "XREAD with an unbalanced STREAMS list",
      A,
      "XREAD STREAMS esc:events esc:other 0",
      "(error) ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
    ],
    ["XREAD unbalanced into another namespace", B, `XREAD STREAMS esc:events ${alice.ns.prefix}esc:events 0`, /^\(error\) ERR Unbalanced XREAD /],
    [
      "ZUNIONSTORE with numkeys larger than the key list",
      A,
      "ZUNIONSTORE esc:dst 5 esc:z esc:z2",
      /^\(error\) ERR The server found no keys in this ZUNIONSTORE/,
    ],
    ["ZUNIONSTORE numkeys past a foreign key", B, `ZUNIONSTORE esc:dst 1 esc:z ${alice.ns.prefix}esc:z`, "(error) ERR syntax error"],
    ["LMPOP numkeys larger than the key list", B, `LMPOP 3 esc:list ${alice.ns.prefix}esc:list LEFT`, /^\(error\) /],
    // Option values spelled like the STREAMS keyword: the server's key specs
    // then point at the wrong argument. (Prefixing that argument happens to
    // break the syntax; a repeated keyword is now refused outright.)
    ["XREADGROUP consumer named STREAMS (another namespace)", B, `XREADGROUP NOACK GROUP grp STREAMS STREAMS ${alice.ns.prefix}esc:events >`, /^\(error\) /],
    ["XREADGROUP consumer named STREAMS (outside)", B, `XREADGROUP COUNT 1 GROUP grp STREAMS STREAMS ${OUTSIDE.stream} 0`, /^\(error\) /],
    ["XREADGROUP group named STREAMS", B, `XREADGROUP NOACK GROUP STREAMS c STREAMS ${OUTSIDE.stream} >`, /^\(error\) /],
    ["XREADGROUP GROUP given twice", B, `XREADGROUP GROUP g c GROUP grp STREAMS STREAMS ${OUTSIDE.stream} >`, /^\(error\) /],
    // STORE given twice: GEORADIUS stores into the last one, the key spec (and
    // COMMAND GETKEYS) name the first, so the last went unprefixed: bob could
    // overwrite or delete alice's keys and keys outside any namespace.
    [
      "GEORADIUS … STORE twice (another namespace)",
      B,
      `GEORADIUS esc:bobgeo 15 37 500 km STORE esc:x STORE ${alice.ns.prefix}esc:k`,
      "(error) ERR STORE appears more than once in this GEORADIUS; the playground runs it only when STORE appears once (a key may not be named STORE here).",
    ],
    ["GEORADIUS … STORE twice (outside)", B, `GEORADIUS esc:bobgeo 15 37 500 km STORE esc:x STORE ${OUTSIDE.str}`, /^\(error\) /],
    ["GEORADIUS … STOREDIST twice", B, `GEORADIUS esc:bobgeo 15 37 500 km STOREDIST esc:x STOREDIST ${OUTSIDE.str}`, /^\(error\) /],
    ["GEORADIUS … STORE, STOREDIST, STORE", B, `GEORADIUS esc:bobgeo 15 37 500 km STORE esc:x STOREDIST esc:y STORE ${OUTSIDE.str}`, /^\(error\) /],
    ["GEORADIUSBYMEMBER … STORE twice", B, `GEORADIUSBYMEMBER esc:bobgeo Palermo 500 km STORE esc:x STORE ${OUTSIDE.str}`, /^\(error\) /],
    ["GEORADIUS … STORE with an empty result (would delete)", B, `GEORADIUS esc:bobgeo 0 0 1 km STORE esc:x STORE ${alice.ns.prefix}esc:list`, /^\(error\) /],
  ];

  it.each(cases)("%s", async (_label, session, command, expected) => {
    const before = await snapshot();
    const r = await run(session, command);
    if (typeof expected === "string") expect(r.text).toBe(expected);
    else expect(r.text).toMatch(expected);
    expect(r.text).not.toContain(LEAK);
    expect(await snapshot()).toEqual(before);
    await healthy();
  });

  it("a full namespace string in an argument stays inside the caller's own namespace", async () => {
    const before = await snapshot();
    const theirs = `${alice.ns.prefix}esc:k`;
    await expectAll(bob, [
      [`KEYS ${alice.ns.prefix}*`, "(empty array)"],
      [`KEYS pg:{*`, "(empty array)"],
      [`KEYS *${alice.id}*`, "(empty array)"],
      [`KEYS pg:[{]${alice.id}[}]:*`, "(empty array)"],
      [`GET ${theirs}`, "(nil)"],
      [`EXISTS ${theirs}`, "(integer) 0"],
      [`TYPE ${theirs}`, "none"],
      [`DUMP ${theirs}`, "(nil)"],
      [`LRANGE ${alice.ns.prefix}esc:list 0 -1`, "(empty array)"],
      [`XRANGE ${alice.ns.prefix}esc:events - +`, "(empty array)"],
      [`DEL ${theirs}`, "(integer) 0"],
      [`EXPIRE ${theirs} 1`, "(integer) 0"],
      [`RENAME ${theirs} esc:mine`, "(error) ERR no such key"],
      [`COPY ${theirs} esc:mine`, "(integer) 0"],
      [`GET ${bob.ns.prefix}esc:bobkey`, "(nil)"],
    ]);
    expect(await scanOf(bob, ` MATCH ${alice.ns.prefix}*`)).toEqual([]);
    expect(await scanOf(bob, " MATCH pg:{*")).toEqual([]);
    expect(await keysOf(bob)).toEqual(["esc:bobgeo", "esc:bobkey"]);
    expect(await snapshot()).toEqual(before);

    // Writes with that name land in bob's namespace, under the literal name he typed.
    await expectText(bob, `SET ${theirs} hijack`, "OK");
    await expectText(bob, `RENAME esc:bobkey ${alice.ns.prefix}esc:list`, "OK");
    await expectText(bob, `RENAME ${alice.ns.prefix}esc:list esc:bobkey`, "OK");
    await expectText(alice, "GET esc:k", '"secret"');
    await expectText(alice, "LRANGE esc:list 0 -1", '1) "a"\n2) "b"');
    expect(await raw.send(["GET", `${bob.ns.prefix}${theirs}`])).toEqual({ t: "bulk", v: "hijack" });
    expect(await raw.send(["GET", theirs])).toEqual({ t: "bulk", v: "secret" });
    await expectText(bob, `DEL ${theirs}`, "(integer) 1");
    expect(await snapshot()).toEqual(before);
  });

  it("alice's stream group and the outside stream were never read", async () => {
    await expectText(alice, "XPENDING esc:events grp", "1) (integer) 0\n2) (nil)\n3) (nil)\n4) (nil)");
    await expectText(alice, "XREADGROUP GROUP grp c STREAMS esc:events >", '1) 1) "esc:events"\n   2) 1) 1) "1-1"\n         2) 1) "f"\n            2) "v"');
    const groups = await raw.send(["XINFO", "GROUPS", OUTSIDE.stream]);
    expect(JSON.stringify(groups)).toContain('{"t":"bulk","v":"last-delivered-id"},{"t":"bulk","v":"0-0"}');
    expect(await raw.send(["GET", OUTSIDE.str])).toEqual({ t: "bulk", v: "outside" });
  });
});

describe("in Redis itself", () => {
  it("every key alice created lives under her namespace prefix, and nowhere else", async () => {
    const prefix = alice.ns.prefix;
    expect(prefix).toBe(`pg:{${alice.id}}:`);
    const stored = await rawScan(`${prefix}*`);
    expect(stored.length).toBeGreaterThan(0);
    const plainStored = stored.map((k) => k.slice(prefix.length));
    for (const k of stored) expect(k.startsWith(prefix)).toBe(true);
    // Exactly the keys alice sees are stored under her prefix.
    expect(plainStored.sort()).toEqual(await keysOf(alice));
    for (const k of plainStored) expect(aliceKeys, `unexpected key ${k}`).toContain(k);
    // Every key alice still has is under her prefix; none at the top level or in bob's namespace.
    const plain = [...aliceKeys];
    for (const k of plain) {
      const existsForAlice = await text(alice, `EXISTS ${k}`);
      expect(await raw.send(["EXISTS", `${prefix}${k}`]), k).toEqual({ t: "integer", v: existsForAlice === "(integer) 1" ? 1 : 0 });
      expect(await raw.send(["EXISTS", k]), `top-level ${k}`).toEqual({ t: "integer", v: 0 });
    }
    expect(plain).toContain("str:greeting");
    expect(await raw.send(["EXISTS", "X", "str:greeting", "esc:k", "m:k1"])).toEqual({ t: "integer", v: 0 });
    // No key outside a namespace carries one of the names either session used.
    const outside = (await rawScan("*")).filter((k) => !k.startsWith(LEAK));
    for (const k of outside) expect(aliceKeys.has(k), `top-level ${k}`).toBe(false);
    // bob's namespace holds only bob's keys, and no double prefix.
    for (const k of await rawScan(`${bob.ns.prefix}*`)) expect(k.slice(bob.ns.prefix.length)).not.toContain(LEAK);
    // No other database holds either namespace.
    try {
      for (let db = 1; db < (await databaseCount(raw)); db++) {
        expect(await raw.send(["SELECT", String(db)])).toEqual({ t: "status", v: "OK" });
        expect(await rawScan(`${prefix}*`), `db ${db}`).toEqual([]);
        expect(await rawScan(`${bob.ns.prefix}*`), `db ${db}`).toEqual([]);
        expect(await raw.send(["EXISTS", "esc:k", "esc:k2", `${prefix}esc:k`, `${prefix}esc:k2`]), `db ${db}`).toEqual({ t: "integer", v: 0 });
      }
    } finally {
      await raw.send(["SELECT", "0"]);
    }
  });

  it("FLUSHALL only clears the caller's namespace", async () => {
    const bobBefore = await rawScan(`${bob.ns.prefix}*`);
    expect(bobBefore.length).toBeGreaterThan(0);
    const bobView = await keysOf(bob);
    await expectText(alice, "FLUSHALL extra args", "(error) ERR syntax error");
    expect((await rawScan(`${alice.ns.prefix}*`)).length).toBeGreaterThan(0);
    await expectText(alice, "FLUSHALL", "OK");
    await expectView(alice, []);
    expect(await rawScan(`${alice.ns.prefix}*`)).toEqual([]);
    expect(await rawScan(`${bob.ns.prefix}*`)).toEqual(bobBefore);
    expect(await keysOf(bob)).toEqual(bobView);
    await expectText(bob, "GET esc:bobkey", '"mine"');
    expect(await raw.send(["GET", OUTSIDE.str])).toEqual({ t: "bulk", v: "outside" });
    await expectText(bob, "FLUSHDB ASYNC", "OK");
    await expectView(bob, []);
    expect(await raw.send(["EXISTS", OUTSIDE.str, OUTSIDE.stream])).toEqual({ t: "integer", v: 2 });
  });
});

describe("key counts cannot stall the server", () => {
  it.each(["ZUNIONSTORE d 9223372036854775807 a", "LMPOP 9223372036854775807 a LEFT", "SINTERCARD 1000000000000 a"])(
    "%s answers at once with an error",
    async (command) => {
      const t0 = performance.now();
      const r = await run(bob, command);
      expect(r.reply.t).toBe("error");
      expect(performance.now() - t0).toBeLessThan(1000);
    },
  );
});

describe("transactions and blocking commands stay inside the namespace", () => {
  it("MULTI/EXEC from bob reads and writes only bob's keys, even with alice's full names", async () => {
    await run(alice, "SET tx:k alice-secret");
    await run(alice, "RPUSH tx:list a b");
    const theirs = alice.ns.prefix;
    await expectAll(bob, [
      ["MULTI", "OK"],
      [`GET ${theirs}tx:k`, "QUEUED"],
      [`LPOP ${theirs}tx:list`, "QUEUED"],
      [`SET ${theirs}tx:k hijack`, "QUEUED"],
      ["EXEC", "1) (nil)\n2) (nil)\n3) OK"],
    ]);
    await expectText(alice, "GET tx:k", '"alice-secret"');
    await expectText(alice, "LRANGE tx:list 0 -1", '1) "a"\n2) "b"');
  });

  it("bob's WATCH cannot watch alice's key", async () => {
    await expectAll(bob, [
      [`WATCH ${alice.ns.prefix}tx:k`, "OK"],
      ["MULTI", "OK"],
      ["SET tx:mine 1", "QUEUED"],
    ]);
    await expectText(alice, "SET tx:k changed", "OK");
    await expectText(bob, "EXEC", "1) OK");
  });

  it.each([
    ["BLPOP", (p: string) => `BLPOP ${p}tx:list 0.2`],
    ["BRPOPLPUSH", (p: string) => `BRPOPLPUSH ${p}tx:list mine 0.2`],
    ["BLMOVE", (p: string) => `BLMOVE ${p}tx:list mine LEFT RIGHT 0.2`],
    ["BLMPOP", (p: string) => `BLMPOP 0.2 1 ${p}tx:list LEFT`],
    ["BZPOPMIN", (p: string) => `BZPOPMIN ${p}esc:z 0.2`],
    ["XREAD BLOCK", (p: string) => `XREAD BLOCK 200 STREAMS ${p}esc:events 0`],
  ])("bob's %s on alice's key times out empty-handed", async (_label, line) => {
    const r = await run(bob, line(alice.ns.prefix));
    expect(r.text).toBe("(nil)");
    await expectText(alice, "LRANGE tx:list 0 -1", '1) "a"\n2) "b"');
  });
});
