import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { addressGroup, checkRate, clientIp, hit, limitWindow, windowKey } from "./rate-limit";
import { pageSessionCookie, verifySession } from "./session";
import { useApiServer, useTestRuntime } from "@/test/env";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { startRedisServer } from "@/lib/redis/embedded";
import type { SandboxError } from "@/lib/errors";

describe("client IP for rate limits", () => {
  it("ignores X-Forwarded-For unless the proxy is trusted", () => {
    expect(clientIp("10.0.0.5", "1.2.3.4", false)).toBe("10.0.0.5");
    // Behind a trusted proxy, the hop it appended (the last): earlier ones are the client's say.
    expect(clientIp("10.0.0.5", "6.6.6.6, 1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientIp("10.0.0.5", "1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientIp("10.0.0.5", undefined, true)).toBe("10.0.0.5");
    expect(clientIp("10.0.0.5", ["9.9.9.9", "8.8.8.8"], true)).toBe("8.8.8.8");
  });
});

describe("page requests get a session before rendering", () => {
  const secret = "page-secret-page-secret-page-secret";
  it("issues one for a page without a valid cookie, and none for assets, the API or a valid cookie", () => {
    const fresh = pageSessionCookie(secret, "GET", "/playground", undefined);
    expect(fresh && verifySession(secret, fresh.token)).toBeTruthy();
    expect(fresh?.setCookie).toMatch(/^pg_session=.*; HttpOnly; SameSite=Lax/);
    expect(pageSessionCookie(secret, "GET", "/_next/static/x.js", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/api/v1/exec", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/favicon.ico", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "POST", "/playground", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/", `pg_session=${fresh!.token}`)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/", "pg_session=forged.token")).not.toBeNull();
  });
});

/**
 * The one limiter helper (hit): atomic (increment, then decide), an expiry on
 * every counter even after a crash between the two commands, and fail closed
 * on anything but an integer — against the test redis-server, with a key of
 * the wrong type planted by the admin user.
 */
describe("the rate limiter counts in Redis, atomically, and fails closed", () => {
  const rt = useTestRuntime();
  const api = useApiServer(rt);
  const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "rate-limit-admin");
  afterAll(() => admin.close());
  const unique = () => `t${Math.random().toString(36).slice(2)}`;

  it("lets exactly `max` of 200 concurrent hits through", async () => {
    await rt.appConn.waitReady();
    const key = `test-burst:${unique()}`;
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => limitWindow(rt.appConn, key, 20, 60, "progress")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20);
    expect(results.filter((r) => r.status === "rejected" && (r.reason as SandboxError).kind === "rate_limited")).toHaveLength(180);
  });

  it("gives every counter an expiry, even one left without (the process died between INCR and EXPIRE)", async () => {
    await admin.waitReady();
    const key = `crash:${unique()}`;
    await admin.send(["SET", windowKey(key), "3"]); // as INCR left it, no expiry
    await limitWindow(rt.appConn, key, 10, 60, "progress");
    const ttl = await admin.send(["PTTL", windowKey(key)]);
    expect(ttl.t === "integer" && Number(ttl.v)).toBeGreaterThan(50_000);
    expect(await admin.send(["GET", windowKey(key)])).toEqual({ t: "bulk", v: "4" });
    // and leaves an expiry alone: the window does not slide
    await admin.send(["PEXPIRE", windowKey(key), "30000"]);
    await limitWindow(rt.appConn, key, 10, 60, "progress");
    const after = await admin.send(["PTTL", windowKey(key)]);
    expect(after.t === "integer" && Number(after.v)).toBeLessThanOrEqual(30_000);
  });

  it("refuses when the counter is a key of another type (limitWindow), and lets the planted key expire within the window", async () => {
    const key = `planted:${unique()}`;
    await admin.send(["HSET", windowKey(key), "x", "1"]); // no expiry
    await expect(limitWindow(rt.appConn, key, 1_000_000, 60, "progress")).rejects.toMatchObject({ kind: "busy", retryAfterSeconds: 60 });
    await expect(limitWindow(rt.appConn, key, 1_000_000, 60, "progress")).rejects.toMatchObject({ kind: "busy" });
    const ttl = await admin.send(["PTTL", windowKey(key)]);
    expect(ttl.t === "integer" && Number(ttl.v)).toBeGreaterThan(0);
    expect(ttl.t === "integer" && Number(ttl.v)).toBeLessThanOrEqual(60_000);
    await admin.send(["EXPIRE", windowKey(key), "86400"]); // a longer expiry is cut to the window too
    await expect(hit(rt.appConn, windowKey(key), 5000)).rejects.toMatchObject({ kind: "busy" });
    await new Promise((r) => setTimeout(r, 50));
    const cut = await admin.send(["PTTL", windowKey(key)]);
    expect(cut.t === "integer" && Number(cut.v)).toBeLessThanOrEqual(5000);
  });

  it("refuses a command over the API when its per-second counter is of another type: 503 with Retry-After", async () => {
    const { session } = (await (
      await fetch(`${api.base}/api/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json()) as { session: string };
    const id = session.split(".")[0];
    const now = Math.floor(Date.now() / 1000);
    for (let s = now; s < now + 3; s++) await admin.send(["LPUSH", `app:rl:s:{${id}}:${s}`, "x"]);
    const r = await fetch(`${api.base}/api/v1/exec`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session}` },
      body: JSON.stringify({ command: "PING" }),
    });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("2");
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/refused it to be safe. Try again in 2 s/);
  });

  it("checkRate refuses per visitor past the limit", async () => {
    const id = unique();
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20)); // the burst inside one second
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => checkRate(rt.appConn, { perSession: 10, perIp: 1_000_000 }, id, undefined)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
  });
});

describe("when Redis is full (maxmemory, noeviction), the limiter counts in the process instead of locking everyone out", () => {
  it("still limits, and still answers", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-rl-oom-"));
    const redis = await startRedisServer({ dir });
    const admin = new RespConnection(parseRedisUrl(redis.urls.admin), "oom-admin");
    const app = new RespConnection(parseRedisUrl(redis.urls.app), "oom-app");
    try {
      await Promise.all([admin.waitReady(), app.waitReady()]);
      await admin.send(["CONFIG", "SET", "maxmemory", "1"]);
      expect(await app.send(["INCR", "app:rl:w:probe"])).toMatchObject({ t: "error", v: expect.stringMatching(/^OOM /) }); // measured: every write is refused
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => limitWindow(app, "full", 5, 60, "progress")));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
      expect(results.filter((r) => r.status === "rejected" && (r.reason as SandboxError).kind === "rate_limited")).toHaveLength(25);
    } finally {
      admin.close();
      app.close();
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the address every per-address cap counts", () => {
  it("is an IPv4 address, or an IPv6 /64: one subscriber's many IPv6 addresses are one address", () => {
    expect(addressGroup("203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:0db8:0001:0002::1")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressGroup("not an address")).toBe("not an address");
    // Through a trusted proxy's X-Forwarded-For and from the socket alike.
    const a = clientIp("127.0.0.1", "198.51.100.1, 2001:db8:1:2::beef", true);
    const b = clientIp("2001:db8:1:2:ffff::1", undefined, false);
    expect(a).toBe("2001:db8:1:2::/64");
    expect(b).toBe(a);
    expect(clientIp("2001:db8:1:3::1", undefined, false)).not.toBe(a);
  });
});
