import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand, resetNamespace, type ExecClient } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { formatReply } from "@/lib/cli/format-reply";
import type { Reply } from "@/lib/resp/reply";
import { reapIdleNamespaces } from "@/lib/reaper";
import { inspectKeys } from "@/lib/lessons/inspect";
import { execute, type RouteContext } from "./route";
import { KeyIndex, keyIndex } from "./key-index";
import { measureNamespace } from "./limits";
import type { Namespace } from "./namespace";
import type { Sender } from "./acl-users";

/**
 * The key index (key-index.ts): namespace commands cost O(the namespace).
 * Against the real test server, which other test files share: the proof that
 * nothing walks the whole keyspace is that a namespace's ACL user may not
 * SCAN at all once its index is built, and everything still answers.
 */
const rt = useTestRuntime();
const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "key-index-admin");
const newSession = () => issueSession(rt.config.sessionSecret).session;
const run = async (s: Session, command: string, client: ExecClient = {}) => (await execCommand(s, { command }, client)).text;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idx = (ns: Namespace) => KeyIndex.setKey(ns);
const members = async (key: string) => {
  const r = await admin.send(["SMEMBERS", key]);
  return r.t === "array" ? r.v.map((x) => (x.t === "bulk" ? x.v : "?")).sort() : [];
};
const exists = async (key: string) => Number(((await admin.send(["EXISTS", key])) as { v: number }).v);
/** Takes SCAN away from the namespace's ACL user: any walk of the keyspace on its behalf now fails with NOPERM. */
const noScan = async (s: Session) => {
  withoutScan.push(s);
  expect(await admin.send(["ACL", "SETUSER", `ns:${s.ns.prefix}`, "-scan"])).toEqual({ t: "status", v: "OK" });
};
/** Given SCAN back after the file: other files' reapers may still drop these namespaces (and walk, if unbuilt). */
const withoutScan: Session[] = [];
/** One emulated SCAN call: its cursor and its keys, sorted. */
const scan = async (s: Session, line: string) => {
  const r = (await execCommand(s, { command: line })).reply as Extract<Reply, { t: "array" }>;
  return { cursor: (r.v[0] as { v: string }).v, keys: (r.v[1] as { v: { v: string }[] }).v.map((k) => k.v).sort() };
};
const sortedKeys = async (s: Session, pattern = "*") => {
  const r = (await execCommand(s, { command: `KEYS ${pattern}` })).reply;
  return r.t === "array" ? r.v.map((x) => formatReply(x).trim()).sort() : [formatReply(r)];
};

// 20,000 keys of another visitor, planted with the admin connection.
const FOREIGN = "pg:{keyIndexForeig01}:"; // a session id's format: other test files' audits tolerate it
const FOREIGN_KEYS = 20_000;
beforeAll(async () => {
  await admin.waitReady();
  for (let i = 0; i < FOREIGN_KEYS; i += 1000) {
    await admin.send(["MSET", ...Array.from({ length: 1000 }, (_, j) => [`${FOREIGN}k${i + j}`, "x"]).flat()]);
  }
}, 60_000);
afterAll(async () => {
  for (const s of withoutScan) await admin.send(["ACL", "SETUSER", `ns:${s.ns.prefix}`, "+scan"]);
  for (let i = 0; i < FOREIGN_KEYS; i += 1000) await admin.send(["UNLINK", ...Array.from({ length: 1000 }, (_, j) => `${FOREIGN}k${i + j}`)]);
  admin.close();
});

describe("every path that creates a key indexes it; listing never walks the keyspace", () => {
  it("KEYS, DBSIZE, RANDOMKEY, SCAN, INFO, the quota's measure, the inspector, FLUSHDB and reset see every key made, and none deleted or expired", async () => {
    const s = newSession();
    expect(await run(s, "DBSIZE")).toBe("(integer) 0"); // builds the (empty) index once
    await noScan(s);
    const lines = [
      "SET a 1",
      "SADD s1 x",
      "SADD s2 y",
      "SUNIONSTORE u s1 s2", // a *STORE destination
      "RENAME a b", // RENAME's destination (a is gone)
      "COPY b c", // COPY's destination
      "RPUSH nums 3 1 2",
      "SORT nums STORE sorted", // SORT … STORE
      "SET e v EX 100",
      "SET gone v PX 50", // expires
      "HSET h f v",
      "DEL h", // deleted
    ];
    for (const line of lines) expect(await run(s, line), line).not.toMatch(/^\(error\)/);
    for (const line of ["MULTI", "SET m1 1", "LPUSH m2 x", "EXEC"]) await run(s, line, { id: "tab" }); // a transaction
    await sleep(120);
    const all = ['"b"', '"c"', '"e"', '"m1"', '"m2"', '"nums"', '"s1"', '"s2"', '"sorted"', '"u"'];
    expect(await sortedKeys(s)).toEqual(all);
    expect(await sortedKeys(s, "s*")).toEqual(['"s1"', '"s2"', '"sorted"']);
    expect(await run(s, "DBSIZE")).toBe("(integer) 10");
    expect(all).toContain(await run(s, "RANDOMKEY"));
    expect(await run(s, "INFO keyspace")).toMatch(/^# Keyspace\r\ndb0:keys=10,expires=1,avg_ttl=\d+\r?$/);
    expect(await scan(s, "SCAN 0 TYPE set COUNT 100")).toEqual({ cursor: "0", keys: ["s1", "s2", "u"] });
    expect(await scan(s, "SCAN 0 MATCH s* COUNT 100 TYPE list")).toEqual({ cursor: "0", keys: ["sorted"] });
    expect(await measureNamespace(rt.scoped(s.ns), s.ns)).toMatchObject({ keys: 10 });
    const inspected = await inspectKeys(rt.scoped(s.ns), s.ns);
    expect(inspected.keys.map((k) => k.key)).toEqual(["b", "c", "e", "m1", "m2", "nums", "s1", "s2", "sorted", "u"]);
    expect(await run(s, "FLUSHDB")).toBe("OK");
    expect(await run(s, "DBSIZE")).toBe("(integer) 0");
    expect(await run(s, "KEYS *")).toBe("(empty array)");
    expect(await run(s, "RANDOMKEY")).toBe("(nil)");
    expect(await run(s, "SET again 1")).toBe("OK");
    expect(await resetNamespace(s)).toBe(1);
    expect(await run(s, "DBSIZE")).toBe("(integer) 0");
    // Nothing of the namespace is left on the server.
    const left = await admin.send(["SCAN", "0", "MATCH", `${s.ns.prefix}*`, "COUNT", "100000"]);
    expect(left).toMatchObject({ v: [{}, { t: "array", v: [] }] });
  });

  it("SCAN honours COUNT and costs O(the namespace): with 20,000 foreign keys, 50 keys take about 50/COUNT calls", async () => {
    const s = newSession();
    await run(s, `MSET ${Array.from({ length: 50 }, (_, i) => `k${i} v`).join(" ")}`);
    await noScan(s);
    const seen = new Set<string>();
    let calls = 0;
    let cursor = "0";
    do {
      const r = (await execCommand(s, { command: `SCAN ${cursor} COUNT 10` })).reply as Extract<Reply, { t: "array" }>;
      calls++;
      cursor = (r.v[0] as { v: string }).v;
      for (const k of (r.v[1] as { v: { v: string }[] }).v) seen.add(k.v);
      expect(calls).toBeLessThan(20);
    } while (cursor !== "0");
    expect(seen.size).toBe(50);
    expect(calls).toBeLessThanOrEqual(Math.ceil(50 / 10) + 5);
    // A huge COUNT is capped: one call, not a walk of everything.
    const one = (await execCommand(s, { command: "SCAN 0 COUNT 100000000" })).reply as Extract<Reply, { t: "array" }>;
    expect(one.v[0]).toEqual({ t: "bulk", v: "0" });
    expect((one.v[1] as { v: unknown[] }).v.length).toBe(50);
  });

  it("a blocking command's destination, written after a listing, is kept (marked lately, never pruned)", async () => {
    const s = newSession();
    await run(s, "DBSIZE");
    await noScan(s);
    const blocked = run(s, "BLMOVE src dst RIGHT LEFT 5", { id: "blocker" });
    await sleep(150);
    expect(await run(s, "DBSIZE")).toBe("(integer) 0"); // dst does not exist yet: it stays in the index all the same
    expect(await run(s, "LPUSH src job", { id: "pusher" })).toBe("(integer) 1");
    expect(await blocked).toBe('"job"');
    expect(await sortedKeys(s)).toEqual(['"dst"']);
  });

  it("a MULTI open longer than the grace: the queued writes are indexed again at EXEC", async () => {
    const s = newSession();
    const index = new KeyIndex(rt.appConn, { graceMs: 50 });
    const ctx: RouteContext = {
      conn: rt.scoped(s.ns),
      login: (c) => rt.login(c, s.ns),
      table: await rt.commandTable(),
      ns: s.ns,
      leases: rt.leases,
      clientKey: `${s.id}/grace/${s.ns.prefix}`,
      sessionId: s.id,
      blockCapSeconds: rt.config.maxBlockSeconds,
      index,
    };
    const go = async (line: string) =>
      formatReply(
        (
          await execute(
            ctx,
            line.split(" ").map((w) => Buffer.from(w)),
          )
        ).reply,
      ).trim();
    expect(await go("MULTI")).toBe("OK");
    expect(await go("SET queued 1")).toBe("QUEUED");
    await sleep(120);
    expect(await index.list(ctx.conn, s.ns)).toEqual([]); // not written yet, and no longer fresh: pruned
    expect(await members(idx(s.ns))).toEqual([]);
    expect(await go("EXEC")).toBe("1) OK");
    expect((await index.list(ctx.conn, s.ns)).map((n) => Buffer.from(n).toString())).toEqual(["queued"]);
  });

  it("a name marked while a listing prunes it is put back: a write racing a prune is never lost", async () => {
    const s = newSession();
    const writer = new KeyIndex(rt.appConn, { graceMs: 50 });
    expect(await writer.mark(s.ns, [Buffer.from("late")])).toBeNull();
    await sleep(120); // "late" is stale now: a pruner that found it missing removes it…
    // …but another request marks it again (its write is on its way) just before the pruner's SREM.
    let chain: Promise<unknown> = Promise.resolve();
    let raced = false;
    const app: Sender = {
      send(argv) {
        const p = chain.then(async () => {
          if (!raced && String(argv[0]) === "SREM") {
            raced = true;
            await writer.mark(s.ns, [Buffer.from("late")]);
          }
          return rt.appConn.send(argv);
        });
        chain = p.catch(() => {});
        return p;
      },
    };
    await new KeyIndex(app, { graceMs: 50 }).prune(s.ns, [Buffer.from("late")]);
    expect(raced).toBe(true);
    expect(await members(idx(s.ns))).toEqual(["late"]);
  });

  it("marks only what may be created: DEL and a *STORE's sources add nothing", async () => {
    const s = newSession();
    await run(s, "DEL x y z");
    await run(s, "LPOP nolist");
    expect(await members(idx(s.ns))).toEqual([]);
    await run(s, "SINTERSTORE d a b");
    expect(await members(idx(s.ns))).toEqual(["d"]);
    await run(s, "SET k v");
    expect(await members(idx(s.ns))).toEqual(["d", "k"]);
  });

  it("the index is the app's: a visitor can neither read nor name it", async () => {
    const s = newSession();
    await run(s, "SET k v");
    expect(await run(s, `SMEMBERS ${idx(s.ns)}`)).toBe("(empty array)");
    expect(await run(s, "KEYS app:*")).toBe("(empty array)");
    expect(await rt.scoped(s.ns).send(["SMEMBERS", idx(s.ns)])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(idx(s.ns)).toBe(`app:idx:pg:{${s.id}}`);
  });
});

describe("the index is built once for keys it never saw, and goes with the namespace", () => {
  it("keys planted with the admin connection into a fresh namespace are listed, and the index is built then", async () => {
    const s = newSession();
    await admin.send(["SET", `${s.ns.prefix}old1`, "v"]);
    await admin.send(["RPUSH", `${s.ns.prefix}old2`, "a", "b"]);
    await admin.send([Buffer.from("SET"), Buffer.concat([Buffer.from(s.ns.prefix), Buffer.from([0xff, 0x00]), Buffer.from("bin")]), Buffer.from("v")]);
    expect(await exists(KeyIndex.builtKey(s.ns))).toBe(0);
    expect(await sortedKeys(s)).toEqual(['"\\xff\\x00bin"', '"old1"', '"old2"']);
    expect(await exists(KeyIndex.builtKey(s.ns))).toBe(1);
    await noScan(s); // built: no walk any more
    expect(await run(s, "DBSIZE")).toBe("(integer) 3");
    expect(await scan(s, "SCAN 0 MATCH old*")).toEqual({ cursor: "0", keys: ["old1", "old2"] });
  });

  it("the reaper deletes the namespace's keys, its index, its fresh list and its marker", async () => {
    const s = newSession();
    await run(s, "SET a 1");
    expect(await run(s, "DBSIZE")).toBe("(integer) 1");
    for (const k of [KeyIndex.setKey(s.ns), KeyIndex.freshKey(s.ns), KeyIndex.builtKey(s.ns)]) expect(await exists(k), k).toBe(1);
    await noScan(s);
    await rt.appConn.send(["ZADD", "app:active", "1", s.id]); // idle since 1970
    for (let i = 0; i < 50 && (await exists(`${s.ns.prefix}a`)); i++) {
      await reapIdleNamespaces(rt); // another file's reaper may hold the lock: try again
      await sleep(100);
    }
    expect(await exists(`${s.ns.prefix}a`)).toBe(0);
    for (const k of [KeyIndex.setKey(s.ns), KeyIndex.freshKey(s.ns), KeyIndex.builtKey(s.ns)]) expect(await exists(k), k).toBe(0);
  });

  it("one index per app connection, with a grace past the blocking cap and the deadline", () => {
    expect(keyIndex(rt)).toBe(keyIndex(rt));
    expect(keyIndex(rt).graceMs).toBeGreaterThanOrEqual(2 * (rt.config.maxBlockSeconds * 1000 + rt.config.redisTimeoutMs));
  });
});

describe("the one-time migration (migrateKeyIndex, at the app's start)", () => {
  it("indexes every namespace's existing keys once, so no new or old namespace's listing walks the keyspace", async () => {
    // Its own redis-server: the flag it sets would change what the other test files see.
    const { startRedisServer } = await import("@/lib/redis/embedded");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-migrate-"));
    const redis = await startRedisServer({ dir });
    const own = new RespConnection(parseRedisUrl(redis.urls.admin), "migrate-admin");
    const app = new RespConnection(parseRedisUrl(redis.urls.app), "migrate-app");
    try {
      await Promise.all([own.waitReady(), app.waitReady()]);
      const old = "pg:{migrateOldVisit1}:";
      await own.send(["MSET", `${old}a`, "1", `${old}b\0bin`, "2", "room:{ABCDEF}:shared", "3", "pg:{tooShort}:x", "4", "outside", "5"]);
      const { migrateKeyIndex, COMPLETE } = await import("./key-index");
      expect(await migrateKeyIndex(app)).toBe(3);
      expect(await own.send(["EXISTS", COMPLETE])).toEqual({ t: "integer", v: 1 });
      const setOf = async (key: string) => {
        const r = await own.send(["SMEMBERS", key]);
        return r.t === "array" ? r.v.map((x) => (x.t === "bulk" ? x.v : "?")).sort() : [];
      };
      expect(await setOf("app:idx:pg:{migrateOldVisit1}")).toEqual(["a", "b\0bin"]);
      expect(await setOf("app:idx:room:{ABCDEF}")).toEqual(["shared"]);
      // Done once: a second start finds the flag and walks nothing.
      await own.send(["SET", `${old}c`, "planted after"]);
      expect(await migrateKeyIndex(app)).toBe(0);
      expect(await setOf("app:idx:pg:{migrateOldVisit1}")).toEqual(["a", "b\0bin"]);
    } finally {
      own.close();
      app.close();
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("after it, a namespace without a marker is not built with a walk (its user may not even SCAN)", async () => {
    const s = newSession();
    expect(await run(s, "SET k 1")).toBe("OK");
    await noScan(s);
    const { COMPLETE } = await import("./key-index");
    // Only this namespace's marker is removed, and the flag set for one call: other files keep theirs.
    await admin.send(["DEL", KeyIndex.builtKey(s.ns)]);
    await admin.send(["SET", COMPLETE, "test"]);
    try {
      expect(await run(s, "DBSIZE")).toBe("(integer) 1");
    } finally {
      await admin.send(["DEL", COMPLETE]);
    }
  });
});
