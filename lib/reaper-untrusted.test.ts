import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { resetRuntime, runtime, type Runtime } from "@/lib/runtime";
import { reapIdleNamespaces } from "./reaper";
import { ACTIVE_ROOMS, isRoomCode, reapIdleRooms } from "./classroom/rooms";
import { isSessionId, sessionNamespace } from "./session";
import { utf8 } from "./resp/reply";

/**
 * The app never trusts what it reads back (issue 9, item 5): members of app:*
 * sets that become key prefixes and SCAN MATCH globs are checked against the
 * exact id format first. Planted by the admin user, as a visitor exploiting a
 * Redis ACL bug could. On a redis-server of its own: a reaper that trusted
 * them would delete every key on the server, other test files' too.
 */
let redis: EmbeddedRedis;
let dir: string;
let rt: Runtime;
let admin: RespConnection;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-reaper-"));
  redis = await startRedisServer({ dir });
  process.env.PLAYGROUND_REDIS_URL = redis.urls.playground;
  process.env.PLAYGROUND_APP_REDIS_URL = redis.urls.app;
  process.env.PLAYGROUND_HUB_REDIS_URL = redis.urls.hub;
  delete process.env.PLAYGROUND_ACL_REDIS_URL;
  process.env.SESSION_SECRET = "reaper-secret-reaper-secret-reaper";
  resetRuntime();
  rt = runtime();
  admin = new RespConnection(parseRedisUrl(redis.urls.admin), "reaper-admin");
  await Promise.all([rt.conn.waitReady(), rt.appConn.waitReady(), admin.waitReady()]);
});
afterAll(async () => {
  admin.close();
  resetRuntime();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const keys = async () => {
  const r = await admin.send(["KEYS", "*"]);
  return r.t === "array" ? r.v.map((k) => (k.t === "bulk" ? k.v : "?")).sort() : [];
};
const members = async (set: string) => {
  const r = await admin.send(["ZRANGE", set, "0", "-1"]);
  return r.t === "array" ? r.v.map((k) => (k.t === "bulk" ? k.v : "?")) : [];
};

describe("ids read back from Redis", () => {
  it("are checked in one place: a namespace only for an exact session id", () => {
    expect(isSessionId("AAAAAAAAAAAAAAAA")).toBe(true);
    for (const bad of ["*", "x}:*", "AAAAAAAAAAAAAAA*", "AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA\0", "[A-Z]AAAAAAAAAAAA"]) {
      expect(isSessionId(bad)).toBe(false);
      expect(() => sessionNamespace(bad)).toThrow(/not a session id/);
    }
    expect(sessionNamespace("AAAAAAAAAAAAAAAA").prefix).toBe("pg:{AAAAAAAAAAAAAAAA}:");
    expect(isRoomCode("K7QPXM")).toBe(true);
    for (const bad of ["*", "K7QPX*", "k7qpxm", "K7QPXMM", "K0QPXM", "[A-Z]*"]) expect(isRoomCode(bad)).toBe(false);
  });
});

describe("the reaper", () => {
  it("drops and logs members of app:active that are not session ids, and deletes nobody else's keys", async () => {
    const old = String(Date.now() - 48 * 3600_000);
    const survivors = ["pg:{victimAAAAAAAAAA}:k", "pg:{activeAAAAAAAAAA}:k", "pg:{x}:*}:k", "room:{ABCDEF}:k", "app:room:ABCDEF"];
    for (const k of [...survivors, "pg:{idleAAAAAAAAAAAA}:k", "pg:{idleAAAAAAAAAAAA}:k2"]) await admin.send(["SET", k, "v"]);
    await admin.send(["ZADD", "app:active", String(Date.now()), "activeAAAAAAAAAA", String(Date.now()), "victimAAAAAAAAAA"]);
    await admin.send(["ZADD", "app:active", old, "idleAAAAAAAAAAAA", old, "*", old, "x}:*", old, "[a-z]*", old, "victim?AAAAAAAAA", old, "AAAAAAAAAAAAAAA\0"]);
    await admin.send([utf8("ZADD"), utf8("app:active"), utf8(old), new Uint8Array([0xff, 0xfe, 0x2a])]); // not UTF-8
    const reaped = await reapIdleNamespaces(rt);
    expect(await keys()).toEqual([...survivors, "app:active"].sort());
    expect(reaped).toBe(1); // the one idle session
    expect((await members("app:active")).sort()).toEqual(["activeAAAAAAAAAA", "victimAAAAAAAAAA"]);
  });

  it("drops members of app:rooms:active that are not join codes, and deletes no room's keys for them", async () => {
    const old = String(Date.now() - 13 * 3600_000);
    await admin.send(["SET", "room:{QWERTY}:k", "v"]);
    await admin.send(["ZADD", ACTIVE_ROOMS, String(Date.now()), "QWERTY", old, "*", old, "ABC*", old, "[A-Z]*", old, "abcdef", old, "ZXCVBN"]);
    await admin.send(["SET", "room:{ZXCVBN}:k", "v"]);
    const reaped = await reapIdleRooms(rt.appConn, rt);
    const left = await keys();
    expect(left).toContain("room:{QWERTY}:k");
    expect(left).toContain("room:{ABCDEF}:k");
    expect(left).not.toContain("room:{ZXCVBN}:k");
    expect(reaped).toBe(1); // ZXCVBN, idle for 13 h
    expect(await members(ACTIVE_ROOMS)).toEqual(["QWERTY"]);
  });
});
