import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient, newVisitor, useEndpoint } from "@/test/endpoint";
import { type AdminConnection, adminConnection } from "@/test/admin";
import { runtime } from "@/lib/runtime";
import { endpointConfig } from "@/lib/config";
import { rotateCredentials } from "@/lib/endpoint/credentials";
import { closeEndpointClients } from "@/lib/endpoint/registry";
import { lastActivity } from "@/lib/endpoint/access";
import { createRoom, joinRoom } from "@/lib/classroom/rooms";
import { type RunningEndpoint, startEndpoint } from "./server";
import type { Reply } from "@/lib/resp/reply";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type EmbeddedRedis, startRedisServer } from "@/lib/redis/embedded";

const byText = (a: Reply, b: Reply) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/**
 * The endpoint for learners' own clients (README "Bring your own client"),
 * spoken to as raw RESP: signing in, the connection-level commands, pub/sub,
 * transactions per connection, and every limit, checked against what landed
 * in Redis (the admin connection).
 */
let ep: RunningEndpoint;
let admin: AdminConnection;
beforeAll(async () => {
  // Rate and work limits lifted: these tests send far faster than a learner (limits.test.ts and work-budget.test.ts test those).
  ep = await useEndpoint({
    PLAYGROUND_MAX_BLOCK_SECONDS: "1",
    PLAYGROUND_WORK_PER_SESSION: "1000000000",
    PLAYGROUND_WORK_PER_IP: "1000000000",
    PLAYGROUND_RATE_PER_SESSION: "1000000",
    PLAYGROUND_RATE_PER_IP: "1000000",
  });
  admin = await adminConnection("endpoint-test-admin");
});
afterAll(async () => {
  await ep?.close();
  admin?.close();
});

const ok: Reply = { t: "status", v: "OK" };
const bulk = (v: string): Reply => ({ t: "bulk", v });
const int = (v: number): Reply => ({ t: "integer", v });

async function signedIn(password?: string): Promise<{ c: RawClient; password: string; id: string }> {
  const v = password ? { password, session: { id: "" } } : await newVisitor();
  const c = await RawClient.connect(ep.port);
  expect(await c.call("AUTH", v.password)).toEqual(ok);
  return { c, password: v.password, id: v.session.id };
}

/** Another endpoint on this runtime with some limits of its own. */
async function another(limits: Partial<ReturnType<typeof endpointConfig>>): Promise<RunningEndpoint> {
  const e = await startEndpoint({ ...endpointConfig(), port: 0, ...limits });
  if (!e) throw new Error("endpoint off");
  return e;
}

describe("signing in", () => {
  it("answers NOAUTH before AUTH (PING and HELLO excepted), then runs commands in the visitor's namespace", async () => {
    const { session, password } = await newVisitor();
    const c = await RawClient.connect(ep.port);
    expect(await c.call("GET", "k")).toEqual({ t: "error", v: "NOAUTH Authentication required." });
    expect(await c.call("PING")).toEqual({ t: "status", v: "PONG" });
    expect(await c.call("HELLO", "3")).toMatchObject({
      t: "error",
      v: expect.stringMatching(/^NOAUTH HELLO must be called with the client already authenticated/),
    });
    expect(await c.call("AUTH", "wrong-password")).toEqual({ t: "error", v: "WRONGPASS invalid username-password pair or user is disabled." });
    expect(await c.call("AUTH", "admin", password)).toEqual({ t: "error", v: "WRONGPASS invalid username-password pair or user is disabled." });
    expect(await c.call("AUTH", "default", password)).toEqual(ok);
    expect(await c.call("SET", "k", "v")).toEqual(ok);
    expect(await c.call("GET", "k")).toEqual(bulk("v"));
    expect(await c.call("KEYS", "*")).toEqual({ t: "array", v: [bulk("k")] });
    // In Redis, under the session's namespace, and nowhere else.
    expect(await admin.send(["GET", `${session.ns.prefix}k`])).toEqual(bulk("v"));
    expect(await admin.send(["EXISTS", "k"])).toEqual(int(0));
    c.close();
  });

  it("HELLO 3 AUTH signs in and switches to RESP3; HELLO 4 is NOPROTO; RESET signs out", async () => {
    const { password } = await newVisitor();
    const c = await RawClient.connect(ep.port);
    expect(await c.call("HELLO", "4")).toEqual({ t: "error", v: "NOPROTO unsupported protocol version" });
    const hello = await c.call("HELLO", "3", "AUTH", "default", password, "SETNAME", "mine");
    expect(hello.t).toBe("map");
    expect(c.bytes.toString("latin1")).toContain("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n");
    expect(await c.call("CLIENT", "GETNAME")).toEqual(bulk("mine"));
    expect(await c.call("GET", "missing")).toEqual({ t: "nil" });
    expect(c.bytes.toString("latin1").endsWith("_\r\n")).toBe(true); // RESP3's null
    expect(await c.call("RESET")).toEqual({ t: "status", v: "RESET" });
    expect(await c.call("GET", "k")).toEqual({ t: "error", v: "NOAUTH Authentication required." });
    expect(await c.call("CLIENT", "GETNAME")).toEqual({ t: "error", v: "NOAUTH Authentication required." });
    c.close();
  });

  it("the room user reaches the student's workshop keys, and only for a student", async () => {
    const rt = runtime();
    const { code } = await createRoom(rt.appConn, { title: "endpoint", lessons: ["message-queue"] });
    const { session } = await joinRoom(rt.appConn, rt.config.sessionSecret, code, "ann");
    const { endpointCredentials } = await import("./credentials");
    const { password } = await endpointCredentials(rt.appConn, rt.config.sessionSecret, session.id, "en", 60_000);
    const c = await RawClient.connect(ep.port);
    expect(await c.call("AUTH", "room", password)).toEqual(ok);
    expect(await c.call("SET", "shared", "1")).toEqual(ok);
    expect(await admin.send(["GET", `room:{${code}}:shared`])).toEqual(bulk("1"));
    expect(await admin.send(["EXISTS", `${session.ns.prefix}shared`])).toEqual(int(0));
    const loner = await newVisitor();
    const d = await RawClient.connect(ep.port);
    expect(await d.call("AUTH", "room", loner.password)).toMatchObject({ t: "error", v: expect.stringMatching(/^ERR This session has not joined a workshop/) });
    c.close();
    d.close();
  });

  it("a new password replaces the old one: the old one is refused, and clients signed in with it are closed", async () => {
    const rt = runtime();
    const { session, password } = await newVisitor();
    const c = await RawClient.connect(ep.port);
    expect(await c.call("AUTH", password)).toEqual(ok);
    const fresh = await rotateCredentials(rt.appConn, rt.config.sessionSecret, session.id, "en", 60_000);
    expect(fresh.password).not.toBe(password);
    expect(closeEndpointClients(session.id)).toBe(1);
    expect(await c.waitClosed()).toBe(true);
    const d = await RawClient.connect(ep.port);
    expect(await d.call("AUTH", password)).toEqual({ t: "error", v: "WRONGPASS invalid username-password pair or user is disabled." });
    expect(await d.call("AUTH", fresh.password)).toEqual(ok);
    d.close();
  });

  it("words the playground's refusals in the language the panel was shown in", async () => {
    const { password } = await newVisitor("zh");
    const { c } = await signedIn(password);
    expect(await c.call("SELECT", "1")).toEqual({ t: "error", v: "ERR 练习场给每位访客一个数据库，编号 0：SELECT 0 可以用，其他编号不行。" });
    const evalReply = await c.call("EVAL", "return 1", "0");
    expect(evalReply.t).toBe("error");
    expect((evalReply as { v: string }).v).toMatch(/[\u4e00-\u9fff]/);
    c.close();
  });
});

describe("the protocol", () => {
  it("pipelines: replies come in order, inline commands work, a request split anywhere reads the same", async () => {
    const { c } = await signedIn();
    const frames = ["SET a 1", "INCR a", "GET a", "DEL a", "GET a"].map((l) => l.split(" "));
    const wire = Buffer.concat(frames.map((f) => Buffer.from(`*${f.length}\r\n${f.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`)));
    c.write(wire);
    const want = [ok, int(2), bulk("2"), int(1), { t: "nil" }];
    for (const w of want) expect(await c.next()).toEqual(w);
    // The same bytes in 1–7 byte pieces.
    for (let at = 0; at < wire.length; ) {
      const n = 1 + Math.floor(Math.random() * 7);
      c.write(wire.subarray(at, at + n));
      at += n;
      await new Promise((r) => setImmediate(r));
    }
    for (const w of want) expect(await c.next()).toEqual(w);
    c.write('SET "in line" "a b"\r\nGET "in line"\r\nPING\n');
    expect(await c.next()).toEqual(ok);
    expect(await c.next()).toEqual(bulk("a b"));
    expect(await c.next()).toEqual({ t: "status", v: "PONG" });
    c.close();
  });

  it("refuses a malformed request with Redis's protocol error and closes the connection", async () => {
    const cases: Array<[string, string]> = [
      ["*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"],
      ["*x\r\n", "ERR Protocol error: invalid multibulk length"],
      ["*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"],
      ['GET "unbalanced\r\n', "ERR Protocol error: unbalanced quotes in request"],
    ];
    for (const [bytes, error] of cases) {
      const { c } = await signedIn();
      c.write(bytes);
      expect(await c.next(), JSON.stringify(bytes)).toEqual({ t: "error", v: error });
      expect(await c.waitClosed()).toBe(true);
    }
  });

  it("caps requests from their length headers: Redis's caps before signing in, the console's after", async () => {
    const before = await RawClient.connect(ep.port);
    before.write("*11\r\n");
    expect(await before.next()).toEqual({ t: "error", v: "ERR Protocol error: unauthenticated multibulk length" });
    expect(await before.waitClosed()).toBe(true);
    const bulkBefore = await RawClient.connect(ep.port);
    bulkBefore.write("*2\r\n$4\r\nAUTH\r\n$16385\r\n");
    expect(await bulkBefore.next()).toEqual({ t: "error", v: "ERR Protocol error: unauthenticated bulk length" });
    expect(await bulkBefore.waitClosed()).toBe(true);
    const cfg = runtime().config;
    const { c } = await signedIn();
    c.write(`*${cfg.maxArgs + 1}\r\n`);
    expect(await c.next()).toMatchObject({ t: "error", v: expect.stringMatching(/ERR/) });
    expect(await c.waitClosed()).toBe(true);
    const { c: d } = await signedIn();
    d.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${cfg.maxArgBytes + 1}\r\n`);
    expect(await d.next()).toMatchObject({ t: "error", v: expect.stringMatching(/ERR/) });
    expect(await d.waitClosed()).toBe(true);
  });
});

describe("connection-level commands, per connection", () => {
  it("CLIENT ID/SETNAME/GETNAME/INFO/LIST, SELECT 0, ECHO, QUIT", async () => {
    const { c, password } = await signedIn();
    const { c: twin } = await signedIn(password);
    const stranger = await signedIn();
    const id = await c.call("CLIENT", "ID");
    expect(id.t).toBe("integer");
    expect(await c.call("CLIENT", "SETNAME", "has space")).toEqual({
      t: "error",
      v: "ERR Client names cannot contain spaces, newlines or special characters.",
    });
    expect(await c.call("CLIENT", "SETNAME", "worker-1")).toEqual(ok);
    expect(await c.call("CLIENT", "GETNAME")).toEqual(bulk("worker-1"));
    expect(await twin.call("CLIENT", "GETNAME")).toEqual({ t: "nil" });
    expect(await c.call("CLIENT", "SETINFO", "lib-name", "redis-py")).toEqual(ok);
    const info = await c.call("CLIENT", "INFO");
    expect((info as { v: string }).v).toMatch(new RegExp(`^id=${(id as { v: number }).v} .*name=worker-1 .*db=0 .*lib-name=redis-py`));
    // CLIENT LIST: this session's connections, nobody else's.
    const list = (await c.call("CLIENT", "LIST")) as { v: string };
    expect(list.v.trim().split("\n")).toHaveLength(2);
    expect(list.v).not.toContain(`id=${((await stranger.c.call("CLIENT", "ID")) as { v: number }).v} `);
    expect(await c.call("CLIENT", "KILL", "ID", "1")).toMatchObject({ t: "error", v: expect.stringMatching(/^ERR CLIENT KILL is not available/) });
    expect(await c.call("SELECT", "0")).toEqual(ok);
    expect(await c.call("ACL", "WHOAMI")).toEqual(bulk("default"));
    expect(await c.call("ECHO", "hi")).toEqual(bulk("hi"));
    expect(await c.call("QUIT")).toEqual(ok);
    expect(await c.waitClosed()).toBe(true);
    twin.close();
    stranger.c.close();
  });
});

describe("transactions and blocking commands, per connection", () => {
  it("MULTI/EXEC on one connection; WATCH fails when another connection changes the key; a closed connection gives its lease back", async () => {
    const { c, password } = await signedIn();
    const { c: other } = await signedIn(password);
    expect(await c.call("SET", "n", "1")).toEqual(ok);
    expect(await c.call("WATCH", "n")).toEqual(ok);
    expect(await other.call("SET", "n", "5")).toEqual(ok);
    expect(await c.call("MULTI")).toEqual(ok);
    expect(await c.call("INCR", "n")).toEqual({ t: "status", v: "QUEUED" });
    // The other connection is not in this MULTI.
    expect(await other.call("GET", "n")).toEqual(bulk("5"));
    expect(await c.call("EXEC")).toEqual({ t: "nil" });
    expect(await c.call("MULTI")).toEqual(ok);
    expect(await c.call("INCR", "n")).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("EXEC")).toEqual({ t: "array", v: [int(6)] });
    const leases = runtime().leases;
    expect(await other.call("MULTI")).toEqual(ok);
    const held = leases.stats().leases;
    other.close();
    await expect.poll(() => leases.stats().leases, { timeout: 3000 }).toBe(held - 1);
    c.close();
  });

  it("BLPOP waits for another connection's push; its timeout is capped", async () => {
    const { c, password } = await signedIn();
    const { c: pusher } = await signedIn(password);
    c.send("BLPOP", "jobs", "0");
    await new Promise((r) => setTimeout(r, 200));
    expect(await pusher.call("RPUSH", "jobs", "j1")).toEqual(int(1));
    expect(await c.next()).toEqual({ t: "array", v: [bulk("jobs"), bulk("j1")] });
    const t0 = Date.now();
    expect(await c.call("BLPOP", "none", "0")).toEqual({ t: "nil" });
    expect(Date.now() - t0).toBeLessThan(3000); // PLAYGROUND_MAX_BLOCK_SECONDS=1 here
    c.close();
    pusher.close();
  });
});

describe("pub/sub, through the hub", () => {
  it("RESP2: subscribed mode, messages from another connection, patterns, unsubscribe; another visitor's channel of the same name is apart", async () => {
    const { c, password } = await signedIn();
    const { c: pub } = await signedIn(password);
    const { c: stranger } = await signedIn();
    expect(await c.call("SUBSCRIBE", "news", "jobs")).toEqual({ t: "array", v: [bulk("subscribe"), bulk("news"), int(1)] });
    expect(await c.next()).toEqual({ t: "array", v: [bulk("subscribe"), bulk("jobs"), int(2)] });
    expect(await c.call("GET", "x")).toEqual({
      t: "error",
      v: "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
    expect(await c.call("PING")).toEqual({ t: "array", v: [bulk("pong"), bulk("")] });
    expect(await stranger.call("PUBLISH", "news", "not for you")).toEqual(int(0));
    expect(await pub.call("PUBLISH", "news", "hello")).toEqual(int(1));
    expect(await c.next()).toEqual({ t: "array", v: [bulk("message"), bulk("news"), bulk("hello")] });
    expect(await c.call("PSUBSCRIBE", "n*")).toEqual({ t: "array", v: [bulk("psubscribe"), bulk("n*"), int(3)] });
    expect(await pub.call("PUBLISH", "news", "two")).toEqual(int(2));
    const got = [await c.next(), await c.next()];
    expect(got).toContainEqual({ t: "array", v: [bulk("message"), bulk("news"), bulk("two")] });
    expect(got).toContainEqual({ t: "array", v: [bulk("pmessage"), bulk("n*"), bulk("news"), bulk("two")] });
    // Bare UNSUBSCRIBE: one confirmation per channel, the count going down.
    const gone = [await c.call("UNSUBSCRIBE"), await c.next()];
    expect(gone.map((r) => (r as { v: Reply[] }).v[2])).toEqual([int(2), int(1)]);
    expect(gone.map((r) => (r as { v: Reply[] }).v[1]).sort((a, b) => ((a as { v: string }).v < (b as { v: string }).v ? -1 : 1))).toEqual([
      bulk("jobs"),
      bulk("news"),
    ]);
    expect(await c.call("PUNSUBSCRIBE", "n*")).toEqual({ t: "array", v: [bulk("punsubscribe"), bulk("n*"), int(0)] });
    expect(await c.call("SET", "after", "1")).toEqual(ok);
    for (const x of [c, pub, stranger]) x.close();
  });

  it("RESP3: subscriptions and messages are pushes, and other commands still run", async () => {
    const { password } = await newVisitor();
    const c = await RawClient.connect(ep.port);
    expect((await c.call("HELLO", "3", "AUTH", "default", password)).t).toBe("map");
    const { c: pub } = await signedIn(password);
    expect(await c.call("SUBSCRIBE", "ch")).toEqual({ t: "push", v: [bulk("subscribe"), bulk("ch"), int(1)] });
    expect(await c.call("SET", "k", "v")).toEqual(ok);
    await pub.call("PUBLISH", "ch", "m");
    expect(await c.next()).toEqual({ t: "push", v: [bulk("message"), bulk("ch"), bulk("m")] });
    c.close();
    pub.close();
  });
});

describe("against a plain Redis (the oracle)", () => {
  let plain: EmbeddedRedis;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-endpoint-shard-"));
  beforeAll(async () => {
    plain = await startRedisServer({ dir });
  });
  afterAll(async () => {
    await plain?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The same script on the endpoint and on a plain redis-server, reply by
   * reply: SSUBSCRIBE's count is of shard channels only (SUBSCRIBE's of
   * channels and patterns), the connection stays subscribed while any is
   * left, SPUBLISH reaches shard subscribers only and PUBLISH none of them.
   */
  it.each([2, 3])("RESP%i: SSUBSCRIBE, SPUBLISH, PUBSUB SHARDNUMSUB and SUNSUBSCRIBE answer as Redis answers", async (proto) => {
    const script = async (sub: RawClient, pub: RawClient): Promise<Reply[]> => {
      const out: Reply[] = [];
      const call = async (c: RawClient, ...argv: string[]) => out.push(await c.call(...argv));
      const more = async (c: RawClient, n: number) => {
        for (let i = 0; i < n; i++) out.push(await c.next());
      };
      await call(sub, "SUBSCRIBE", "a", "b");
      await more(sub, 1);
      await call(sub, "SSUBSCRIBE", "x", "y", "x");
      await more(sub, 2);
      await call(sub, "PSUBSCRIBE", "p*");
      if (proto === 2) {
        await call(sub, "GET", "k");
        await call(sub, "EXEC"); // refused as the end of a transaction: EXECABORT
      }
      await call(pub, "SPUBLISH", "x", "hello");
      await more(sub, 1);
      await call(pub, "PUBLISH", "x", "not to shard subscribers");
      await call(pub, "SPUBLISH", "a", "not to channel subscribers");
      await call(pub, "PUBSUB", "SHARDNUMSUB", "x", "y", "a", "zz");
      await call(pub, "PUBSUB", "NUMSUB", "a", "x");
      const channels = await pub.call("PUBSUB", "SHARDCHANNELS");
      out.push(channels.t === "array" ? { ...channels, v: [...channels.v].sort(byText) } : channels); // in the server's dict order
      await call(pub, "PUBLISH", "a", "to a");
      await more(sub, 1);
      await call(sub, "SUNSUBSCRIBE", "x");
      await call(sub, "UNSUBSCRIBE", "b");
      await call(sub, "UNSUBSCRIBE"); // one left: a bare one's order is the server's dict order
      await call(sub, "PUNSUBSCRIBE");
      if (proto === 2) await call(sub, "GET", "k"); // y is left: still subscribed
      await call(sub, "SUNSUBSCRIBE");
      await call(sub, "SUNSUBSCRIBE"); // none left: nil and 0
      await call(sub, "GET", "k");
      await call(pub, "PUBSUB", "SHARDNUMSUB", "x", "y");
      return out;
    };
    const open = async (port: number, user: string, password: string) => {
      const c = await RawClient.connect(port);
      const hello = await c.call("HELLO", String(proto), "AUTH", user, password);
      expect(hello.t, JSON.stringify(hello)).not.toBe("error");
      return c;
    };
    const { password } = await newVisitor();
    const mine = [await open(ep.port, "default", password), await open(ep.port, "default", password)];
    const theirs = [await open(plain.port, "admin", plain.passwords.admin), await open(plain.port, "admin", plain.passwords.admin)];
    try {
      const expected = await script(theirs[0], theirs[1]);
      expect(await script(mine[0], mine[1])).toEqual(expected);
    } finally {
      for (const c of [...mine, ...theirs]) c.close();
    }
  });

  it("before signing in, an unknown command, subcommand or a wrong number of arguments is told before NOAUTH, as Redis tells it", async () => {
    const lines: string[][] = [
      ["NOSUCH", "x"],
      ["EXEC"],
      ["EXEC", "x"],
      ["HELLO", "3"],
      ["AUTH", "a", "b", "c"],
      ["RESET", "x"],
      ["AUTH"],
      ["GET"],
      ["GET", "k"],
      ["CLIENT", "nosuch"],
      ["CLIENT"],
      ["CLIENT", "INFO"],
      ["SET", "k"],
      ["SET", "k", "v"],
      ["ge\0t", "k"],
    ];
    const mine = await RawClient.connect(ep.port);
    const theirs = await RawClient.connect(plain.port);
    try {
      for (const argv of lines) expect(await mine.call(...argv), argv.join(" ")).toEqual(await theirs.call(...argv));
    } finally {
      mine.close();
      theirs.close();
    }
  });

  it.each([2, 3])(
    "RESP%i: inside MULTI the commands the endpoint answers itself are QUEUED and answer in EXEC's reply, in place, as Redis does",
    async (proto) => {
      const script = async (c: RawClient): Promise<Reply[]> => {
        const out: Reply[] = [];
        for (const argv of [
          ["MULTI"],
          ["SET", "tx:k", "v"],
          ["PING"],
          ["ECHO", "e"],
          ["CLIENT", "SETNAME", "in-tx"],
          ["CLIENT", "GETNAME"],
          ["SELECT", "0"],
          ["INCR", `tx:n${proto}`],
          ["HELLO", String(5 - proto)], // the protocol switches in the middle of EXEC's reply
          ["HGETALL", "tx:none"],
          ["EXEC"],
          ["CLIENT", "GETNAME"],
          // Refused as it is queued (ECHO takes one argument): the transaction is discarded.
          ["MULTI"],
          ["SET", "tx:k", "w"],
          ["ECHO"],
          ["EXEC"],
          ["GET", "tx:k"],
          // A nested MULTI is an error that leaves the open transaction as it was, queued and refused commands alike.
          ["MULTI"],
          ["PING"],
          ["MULTI"],
          ["EXEC"],
          ["MULTI"],
          ["ECHO"],
          ["SET", "tx:dirty", "ran"],
          ["MULTI"],
          ["EXEC"],
          ["GET", "tx:dirty"],
          // RESET inside MULTI acts at once: signed out.
          ["MULTI"],
          ["RESET"],
          ["GET", "tx:k"],
          ["EXEC"],
          ["EXEC", "x"],
        ]) {
          out.push(await c.call(...argv));
        }
        // HELLO's map differs only in the server's own fields (id, version): its type and proto are compared.
        return out.map((r) =>
          r.t === "array" && r.v.some((x) => x.t === "map" || (x.t === "array" && x.v.length === 14))
            ? { ...r, v: r.v.map((x) => (x.t === "map" || (x.t === "array" && x.v.length === 14) ? { t: x.t, v: [] } : x)) }
            : r,
        );
      };
      const { password } = await newVisitor();
      const mine = await RawClient.connect(ep.port);
      const theirs = await RawClient.connect(plain.port);
      try {
        expect((await mine.call("HELLO", String(proto), "AUTH", "default", password)).t).not.toBe("error");
        expect((await theirs.call("HELLO", String(proto), "AUTH", "admin", plain.passwords.admin)).t).not.toBe("error");
        const expected = await script(theirs);
        expect(await script(mine)).toEqual(expected);
      } finally {
        mine.close();
        theirs.close();
      }
    },
  );

  it("AUTH inside MULTI signs in at EXEC; SUBSCRIBE inside MULTI is refused and the transaction discarded", async () => {
    const a = await newVisitor();
    const b = await newVisitor();
    const { c } = await signedIn(a.password);
    expect(await c.call("MULTI")).toEqual(ok);
    expect(await c.call("AUTH", b.password)).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("SET", "who", "a")).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("EXEC")).toEqual({ t: "array", v: [ok, ok] });
    // The SET was queued in a's transaction; what comes after runs as b.
    expect(await admin.send(["GET", `${a.session.ns.prefix}who`])).toEqual(bulk("a"));
    expect(await c.call("SET", "who", "b")).toEqual(ok);
    expect(await admin.send(["GET", `${b.session.ns.prefix}who`])).toEqual(bulk("b"));
    expect(await c.call("MULTI")).toEqual(ok);
    const refused = await c.call("SUBSCRIBE", "ch");
    expect(refused.t === "error" && refused.v).toMatch(/SUBSCRIBE inside MULTI/);
    expect(await c.call("EXEC")).toEqual({ t: "error", v: "EXECABORT Transaction discarded because of previous errors." });
    expect(await c.call("PING")).toEqual({ t: "status", v: "PONG" });
    c.close();
  });

  it("the commands queued inside MULTI, the endpoint's own among them, keep to the console's cap on one transaction", async () => {
    const before = process.env.PLAYGROUND_MAX_QUEUED_COMMANDS;
    process.env.PLAYGROUND_MAX_QUEUED_COMMANDS = "5";
    try {
      const { c } = await signedIn();
      expect(await c.call("MULTI")).toEqual(ok);
      expect(await c.call("SET", "q", "1")).toEqual({ t: "status", v: "QUEUED" });
      for (let i = 0; i < 4; i++) expect(await c.call("PING")).toEqual({ t: "status", v: "QUEUED" });
      const refused = await c.call("PING");
      expect(refused.t === "error" && refused.v).toMatch(/5/);
      expect(await c.call("EXEC")).toEqual({ t: "error", v: "EXECABORT Transaction discarded because of previous errors." });
      c.close();
    } finally {
      if (before === undefined) delete process.env.PLAYGROUND_MAX_QUEUED_COMMANDS;
      else process.env.PLAYGROUND_MAX_QUEUED_COMMANDS = before;
    }
  });

  it("ACL WHOAMI inside MULTI is queued and answers in EXEC; a client gone while a queued AUTH runs holds no connection slot", async () => {
    const { password } = await newVisitor();
    const { c } = await signedIn(password);
    expect(await c.call("MULTI")).toEqual(ok);
    expect(await c.call("ACL", "WHOAMI")).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("PING")).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("EXEC")).toEqual({ t: "array", v: [bulk("default"), { t: "status", v: "PONG" }] });
    // Three clients that close while their EXEC of 300 AUTHs runs: none may stay registered to the session.
    for (let i = 0; i < 3; i++) {
      const g = await RawClient.connect(ep.port);
      g.write(`AUTH ${password}\r\nMULTI\r\n${`AUTH ${password}\r\n`.repeat(300)}EXEC\r\n`);
      await new Promise((r) => setTimeout(r, 30));
      g.socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 1500));
    const list = await c.call("CLIENT", "LIST");
    expect(list.t === "bulk" && list.v.trim().split("\n").length).toBe(1);
    c.close();
  });

  it("past the wrong-password cap inside MULTI, EXEC stops at the refusal: the right password queued after it never signs in", async () => {
    const e = await another({ wrongPasswordsPerMinute: 1 });
    const { password } = await newVisitor();
    const c = await RawClient.connect(e.port);
    expect(await c.call("AUTH", password)).toEqual(ok);
    c.write(`MULTI\r\n${"AUTH pg-wrong\r\n".repeat(40)}AUTH ${password}\r\nCLIENT ID\r\nEXEC\r\n`);
    const replies: Reply[] = [];
    while (!c.closed) {
      try {
        replies.push(await c.next(3000));
      } catch {
        break;
      }
    }
    expect(await c.waitClosed(3000)).toBe(true);
    const last = replies[replies.length - 1];
    expect(last.t === "error" && last.v).toMatch(/wrong passwords/i);
    expect(replies.some((r) => r.t === "array")).toBe(false);
    await e.close();
  });

  it("a shard channel is the visitor's own: another visitor's SPUBLISH on the same name reaches nobody; a console SPUBLISH counts each endpoint client", async () => {
    const mine = await newVisitor();
    const theirs = await newVisitor();
    const password = mine.password;
    const { c: one } = await signedIn(password);
    const { c: two } = await signedIn(password);
    const { c: stranger } = await signedIn(theirs.password);
    expect(await one.call("SSUBSCRIBE", "jobs")).toEqual({ t: "array", v: [bulk("ssubscribe"), bulk("jobs"), int(1)] });
    expect(await two.call("SSUBSCRIBE", "jobs")).toEqual({ t: "array", v: [bulk("ssubscribe"), bulk("jobs"), int(1)] });
    expect(await stranger.call("SPUBLISH", "jobs", "not for you")).toEqual(int(0));
    expect(await stranger.call("PUBSUB", "SHARDNUMSUB", "jobs")).toEqual({ t: "array", v: [bulk("jobs"), int(0)] });
    const { c: pub } = await signedIn(password);
    expect(await pub.call("SPUBLISH", "jobs", "one")).toEqual(int(2));
    expect(await pub.call("PUBSUB", "SHARDNUMSUB", "jobs")).toEqual({ t: "array", v: [bulk("jobs"), int(2)] });
    for (const c of [one, two]) expect(await c.next()).toEqual({ t: "array", v: [bulk("smessage"), bulk("jobs"), bulk("one")] });
    // Nothing else arrived: the stranger's message went nowhere.
    expect(await one.call("PING")).toEqual({ t: "array", v: [bulk("pong"), bulk("")] });
    // In Redis: the hub's one subscription on this visitor's channel, none on the stranger's of the same name.
    for (const [who, n] of [
      [mine, 1],
      [theirs, 0],
    ] as const) {
      const channel = `${who.session.ns.prefix}jobs`;
      expect(await admin.send(["PUBSUB", "SHARDNUMSUB", channel])).toEqual({ t: "array", v: [bulk(channel), int(n)] });
    }
    for (const c of [one, two, stranger, pub]) c.close();
  });
});

describe("limits", () => {
  it("connections per session, per address and in all, each refused with its number", async () => {
    const e = await another({ perSession: 2, perIp: 1000, max: 1000 });
    const { password } = await newVisitor();
    const conns: RawClient[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(e.port);
      expect(await c.call("AUTH", password)).toEqual(ok);
      conns.push(c);
    }
    const third = await RawClient.connect(e.port);
    expect(await third.call("AUTH", password)).toMatchObject({ t: "error", v: expect.stringContaining("already has 2 clients connected") });
    conns.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await third.call("AUTH", password)).toEqual(ok);
    for (const c of [...conns, third]) c.close();
    await e.close();

    const { addressCount } = await import("./registry");
    await new Promise((r) => setTimeout(r, 100));
    const perIp = addressCount("127.0.0.1") + 2;
    const f = await another({ perIp });
    const open = [await RawClient.connect(f.port), await RawClient.connect(f.port)];
    const over = await RawClient.connect(f.port);
    expect(await over.next()).toMatchObject({ t: "error", v: expect.stringContaining(`already has ${perIp} connections open`) });
    expect(await over.waitClosed()).toBe(true);
    for (const c of open) c.close();
    await f.close();
  });

  it("closes a connection that does not sign in in time, and an idle one", async () => {
    const e = await another({ authMs: 300, idleMs: 600 });
    const lazy = await RawClient.connect(e.port);
    expect(await lazy.waitClosed(3000)).toBe(true);
    const { password } = await newVisitor();
    const idle = await RawClient.connect(e.port);
    expect(await idle.call("AUTH", password)).toEqual(ok);
    expect(await idle.waitClosed(3000)).toBe(true);
    await e.close();
  });

  it("refuses a reply larger than the output cap with an error, and closes a subscriber that does not read", async () => {
    const e = await another({ outputBytes: 64 * 1024 });
    const { password } = await newVisitor();
    const c = await RawClient.connect(e.port);
    expect(await c.call("AUTH", password)).toEqual(ok);
    expect(await c.call("SET", "big", "x".repeat(100_000))).toEqual(ok);
    expect(await c.call("GET", "big")).toMatchObject({ t: "error", v: expect.stringContaining("larger than the playground's endpoint sends") });
    expect(await c.call("STRLEN", "big")).toEqual(int(100_000));
    // A subscriber that stops reading: messages pile up past the cap, and the connection goes.
    const sub = await RawClient.connect(e.port);
    expect(await sub.call("AUTH", password)).toEqual(ok);
    expect((await sub.call("SUBSCRIBE", "flood")).t).toBe("array");
    sub.socket.pause();
    const payload = "y".repeat(30_000);
    for (let i = 0; i < 400 && !sub.closed; i++) {
      await c.call("PUBLISH", "flood", payload);
    }
    sub.socket.resume();
    expect(await sub.waitClosed(5000)).toBe(true);
    c.close();
    await e.close();
  });

  it("stops reading and executing for a client that does not read its replies, then serves them all in order", async () => {
    const e = await another({ outputBytes: 4 * 1024 * 1024 });
    const { session, password } = await newVisitor();
    const c = await RawClient.connect(e.port);
    expect(await c.call("AUTH", password)).toEqual(ok);
    expect(await c.call("SET", "v", "z".repeat(64 * 1024))).toEqual(ok);
    const calls = async () => {
      const r = await admin.send(["INFO", "commandstats"], session.ns.prefix); // on a cluster: the namespace's master
      const m = /cmdstat_getrange:calls=(\d+)/.exec(r.t === "bulk" || r.t === "verbatim" ? r.v : "");
      return m ? Number(m[1]) : 0;
    };
    const before = await calls();
    c.socket.pause(); // reads nothing from now on
    // 1,000 GETRANGEs of 64 KiB each (64 MiB of replies): the endpoint must push back instead of running them all.
    const one = Buffer.from("*4\r\n$8\r\nGETRANGE\r\n$1\r\nv\r\n$1\r\n0\r\n$2\r\n-1\r\n");
    c.socket.write(Buffer.concat(Array.from({ length: 1000 }, () => one)));
    await new Promise((r) => setTimeout(r, 1500));
    const ran = (await calls()) - before;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(300); // about 1 MiB of waiting replies, plus what the sockets hold
    expect(c.closed).toBe(false); // paused, not dropped: the replies wait their turn
    c.socket.resume();
    for (let got = 0; got < 1000; got++) {
      const r = await c.next(10_000);
      expect(r.t).toBe("bulk");
    }
    c.close();
    await e.close();
  }, 60_000);
});

describe("found by the hostile review", () => {
  it("a workshop transaction's lease is given back when its connection closes, and when the connection signs in elsewhere", async () => {
    const rt = runtime();
    const { code } = await createRoom(rt.appConn, { title: "leases", lessons: ["message-queue"] });
    const { session } = await joinRoom(rt.appConn, rt.config.sessionSecret, code, "bo");
    const { endpointCredentials } = await import("./credentials");
    const { password } = await endpointCredentials(rt.appConn, rt.config.sessionSecret, session.id, "en", 60_000);
    const leases = rt.leases;
    const before = leases.stats().leases;
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(ep.port);
      expect(await c.call("AUTH", "room", password)).toEqual(ok);
      expect(await c.call("MULTI")).toEqual(ok);
      expect(await c.call("SET", "k", "v")).toEqual({ t: "status", v: "QUEUED" });
      c.close();
    }
    await expect.poll(() => leases.stats().leases, { timeout: 3000 }).toBe(before);
    const c = await RawClient.connect(ep.port);
    expect(await c.call("AUTH", "room", password)).toEqual(ok);
    expect(await c.call("MULTI")).toEqual(ok);
    // Inside MULTI, AUTH is queued (as on Redis) and signs in at EXEC: the same session, its own sandbox.
    expect(await c.call("AUTH", "default", password)).toEqual({ t: "status", v: "QUEUED" });
    expect(await c.call("EXEC")).toEqual({ t: "array", v: [ok] });
    await expect.poll(() => leases.stats().leases, { timeout: 3000 }).toBe(before);
    // A WATCH in the room, then signing in elsewhere: the room's lease ends.
    expect(await c.call("AUTH", "room", password)).toEqual(ok);
    expect(await c.call("WATCH", "k")).toEqual(ok);
    expect(await c.call("AUTH", "default", password)).toEqual(ok);
    await expect.poll(() => leases.stats().leases, { timeout: 3000 }).toBe(before);
    c.close();
  });

  it("AUTH pipelined in one packet with a command over the unauthenticated caps runs both, as Redis does", async () => {
    const { password } = await newVisitor();
    const c = await RawClient.connect(ep.port);
    const big = "x".repeat(20_000);
    const many = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const frame = (argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
    c.write(frame(["AUTH", password]) + frame(["SET", "big", big]) + frame(["DEL", ...many]) + frame(["STRLEN", "big"]));
    expect(await c.next()).toEqual(ok);
    expect(await c.next()).toEqual(ok);
    expect(await c.next()).toEqual(int(0));
    expect(await c.next()).toEqual(int(20_000));
    c.close();
  });

  it("RESET signs out and the deadline to sign in holds again", async () => {
    const e = await another({ authMs: 400 });
    const { password } = await newVisitor();
    const c = await RawClient.connect(e.port);
    expect(await c.call("AUTH", password)).toEqual(ok);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.closed).toBe(false);
    expect(await c.call("RESET")).toEqual({ t: "status", v: "RESET" });
    expect(await c.waitClosed(3000)).toBe(true);
    await e.close();
  });

  it("past the wrong-password cap a wrong password closes the connection, and the right one still signs in", async () => {
    const e = await another({ wrongPasswordsPerMinute: 2 });
    const rt = runtime();
    await rt.appConn.send(["DEL", "app:rl:w:resp-auth:127.0.0.1"]);
    const { password } = await newVisitor();
    const c = await RawClient.connect(e.port);
    for (let i = 0; i < 2; i++) expect(await c.call("AUTH", `guess-${i}-xxxxxxxx`)).toMatchObject({ v: expect.stringMatching(/^WRONGPASS/) });
    expect(await c.call("AUTH", "guess-3-xxxxxxxx")).toMatchObject({ v: expect.stringContaining("Too many wrong passwords") });
    expect(await c.waitClosed()).toBe(true);
    const d = await RawClient.connect(e.port);
    expect(await d.call("AUTH", password)).toEqual(ok);
    d.close();
    await rt.appConn.send(["DEL", "app:rl:w:resp-auth:127.0.0.1"]);
    await e.close();
  });

  it("closes subscribers that do not read once all connections together hold too much unread", async () => {
    const e = await another({ totalOutputBytes: 2 * 1024 * 1024 });
    const { password } = await newVisitor();
    const subs: RawClient[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await RawClient.connect(e.port);
      expect(await s.call("AUTH", password)).toEqual(ok);
      expect((await s.call("SUBSCRIBE", "flood")).t).toBe("array");
      s.socket.pause();
      subs.push(s);
    }
    const pub = await RawClient.connect(e.port);
    expect(await pub.call("AUTH", password)).toEqual(ok);
    const payload = "y".repeat(100_000);
    // 10 MB each: the kernel's socket buffers take the first few megabytes, the endpoint holds the rest, and its watch acts.
    for (let i = 0; i < 100; i++) await pub.call("PUBLISH", "flood", payload);
    // Closed by the endpoint: a paused socket learns it once it reads again.
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of subs) s.socket.resume();
    await expect.poll(() => subs.every((s) => s.closed), { timeout: 5000 }).toBe(true);
    expect(await pub.call("PING")).toEqual({ t: "status", v: "PONG" }); // the publisher reads its replies: it stays
    pub.close();
    await e.close();
  });

  it("keeps answering after more than 1 MiB of replies in one go (the socket may take it all, and no drain comes)", async () => {
    const { c } = await signedIn();
    for (const k of ["big1", "big2", "big3"]) expect(await c.call("SET", k, "b".repeat(500_000))).toEqual(ok);
    const r = await c.call("MGET", "big1", "big2", "big3");
    expect(r.t === "array" && r.v.length).toBe(3);
    expect(await c.call("PING")).toEqual({ t: "status", v: "PONG" });
    // And a pipeline of many small replies past the same mark.
    c.write(`ECHO ${"e".repeat(1000)}\r\n`.repeat(3000));
    for (let i = 0; i < 3000; i++) await c.next();
    expect(await c.call("ECHO", "still here")).toEqual(bulk("still here"));
    c.close();
  }, 60_000);

  it("a subscriber signed in with a password that was taken back is closed too", async () => {
    const { password } = await newVisitor();
    const { c } = await signedIn(password);
    expect((await c.call("SUBSCRIBE", "c1")).t).toBe("array");
    const { passwordKey } = await import("./credentials");
    await runtime().appConn.send(["DEL", passwordKey(password)]);
    expect(await c.waitClosed(10_000)).toBe(true);
  }, 15_000);

  it("counts the commands it answers itself (PING, ECHO, CLIENT …) against the session's rate limit", async () => {
    const { session, password } = await newVisitor();
    const { c } = await signedIn(password);
    c.write("PING\r\n".repeat(150));
    for (let i = 0; i < 150; i++) await c.next();
    const keys = await admin.send(["KEYS", `app:rl:s:{${session.id}}:*`]);
    const counts = keys.t === "array" ? await Promise.all(keys.v.map((k) => admin.send(["GET", (k as { v: string }).v]))) : [];
    const total = counts.reduce((n, r) => n + (r.t === "bulk" ? Number(r.v) : 0), 0);
    expect(total).toBeGreaterThanOrEqual(150);
    c.close();
  });

  it("SELECT reads its index as Redis does: 0, not 00, +0 or -0", async () => {
    const { c } = await signedIn();
    expect(await c.call("SELECT", "0")).toEqual(ok);
    for (const v of ["00", "+0", "-0", " 0"]) expect(await c.call("SELECT", v), v).toEqual({ t: "error", v: "ERR value is not an integer or out of range" });
    c.close();
  });
});

describe("the page", () => {
  it("notes each command's time where the key inspector polls it", async () => {
    const { session, password } = await newVisitor();
    const { c } = await signedIn(password);
    const t0 = Date.now();
    expect(await c.call("SET", "seen", "1")).toEqual(ok);
    await expect.poll(async () => (await lastActivity(runtime().appConn, session.ns)) ?? 0, { timeout: 2000 }).toBeGreaterThanOrEqual(t0);
    c.close();
  });
});
