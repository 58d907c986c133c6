import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { isSandboxError } from "@/lib/errors";
import { SubscriberHub, type HubMessage } from "@/lib/streaming/subscriber-hub";

/**
 * Deadlines on every Redis call. A redis-server of this file's own is stopped
 * with SIGSTOP — not killed: its TCP connections stay open, so nothing but a
 * deadline notices — and continued with SIGCONT. Commands fail within the
 * deadline with redis_unavailable (503, Retry-After), the ones queued behind
 * fail with them, and once Redis answers again commands work within 2 s.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-deadline-"));
let redis: EmbeddedRedis;
let stopped = false;
const conns: RespConnection[] = [];

const stop = () => {
  process.kill(redis.pid, "SIGSTOP");
  stopped = true;
};
const cont = () => {
  process.kill(redis.pid, "SIGCONT");
  stopped = false;
};
const open = async (name: string, opts?: ConstructorParameters<typeof RespConnection>[2]) => {
  const c = new RespConnection(parseRedisUrl(redis.urls.admin), name, opts);
  conns.push(c);
  await c.waitReady();
  return c;
};
/** How a promise ended, and after how many ms. */
const settle = async <T>(p: Promise<T>) => {
  const t0 = performance.now();
  try {
    return { ok: true as const, value: await p, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false as const, error, ms: performance.now() - t0 };
  }
};
const unavailable = (e: unknown) => isSandboxError(e) && e.kind === "redis_unavailable" && e.status === 503 && e.retryAfterSeconds === 1;
/** Until a PING on `c` answers PONG; ms since `since`. */
const untilPong = async (c: RespConnection, since: number, ms = 10_000) => {
  for (;;) {
    const r = await c.send(["PING"]).catch(() => null);
    if (r?.t === "status" && r.v === "PONG") return performance.now() - since;
    if (performance.now() - since > ms) throw new Error(`no PONG within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeAll(async () => {
  redis = await startRedisServer({ dir });
});
afterEach(() => {
  if (stopped) cont(); // a failed test must not leave the server stopped for the next
});
afterAll(async () => {
  if (stopped) cont();
  for (const c of conns) c.close();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("RespConnection deadlines (SIGSTOP, not a kill)", () => {
  it("fails a command within the deadline, and the 100 queued behind it with it; then works again within 2 s of SIGCONT", async () => {
    const c = await open("deadline-burst"); // the default deadline: 2 s
    let downs = 0;
    c.on("down", () => downs++);
    expect(await c.send(["PING"])).toEqual({ t: "status", v: "PONG" });
    stop();
    const first = settle(c.send(["SET", "k", "v"]));
    await new Promise((r) => setTimeout(r, 300)); // more commands pile up behind it, later
    const burst = Array.from({ length: 100 }, (_, i) => settle(c.send(["INCR", `n${i}`])));
    const r = await first;
    expect(r.ok, "a command to a stopped Redis must not hang").toBe(false);
    expect(unavailable(r.ok ? null : r.error), String(r.ok ? "" : r.error)).toBe(true);
    expect(r.ms).toBeGreaterThan(1900);
    expect(r.ms, "fails at the 2 s deadline, with a margin").toBeLessThan(2600);
    const rest = await Promise.all(burst);
    expect(rest.every((x) => !x.ok && unavailable(x.error))).toBe(true);
    // Queued behind it, they fail with it: at its deadline, not 2 s after their own sending.
    expect(Math.max(...rest.map((x) => x.ms))).toBeLessThan(2600 - 300);
    expect(c.isReady).toBe(false);
    expect(downs).toBe(1);
    // While it reconnects, commands fail at once instead of piling up.
    const now = await settle(c.send(["PING"]));
    expect(now.ok).toBe(false);
    expect(now.ms).toBeLessThan(50);

    await new Promise((r) => setTimeout(r, 1500)); // still stopped: the reconnect waits for its handshake
    const t = performance.now();
    cont();
    const back = await untilPong(c, t);
    console.log(
      `deadline: failed after ${r.ms.toFixed(0)} ms (100 queued: ≤ ${Math.max(...rest.map((x) => x.ms)).toFixed(0)} ms); PONG ${back.toFixed(0)} ms after SIGCONT`,
    );
    expect(back, "commands work within 2 s of Redis answering again").toBeLessThan(2000);
  }, 30_000);

  it("recovers within 2 s of SIGCONT after a long stall too (several reconnect attempts)", async () => {
    const c = await open("deadline-long", { timeoutMs: 300 });
    stop();
    await settle(c.send(["PING"]));
    await new Promise((r) => setTimeout(r, 4000));
    const t = performance.now();
    cont();
    expect(await untilPong(c, t)).toBeLessThan(2000);
  }, 30_000);

  it("gives a blocking command its own timeout on top of the deadline, and never fails it early", async () => {
    const c = await open("deadline-blocking", { timeoutMs: 500 });
    // Running: BLPOP 1.5 s is longer than the 500 ms deadline, and returns (nil) on its own.
    const blpop = await settle(c.send(["BLPOP", "deadline:nothing", "1.5"]));
    expect(blpop.ok && blpop.value).toEqual({ t: "nil" });
    // A command queued behind it is not failed by its own deadline while the BLPOP rightly waits.
    const [a, b] = await Promise.all([settle(c.send(["BLPOP", "deadline:nothing", "1"])), settle(c.send(["PING"]))]);
    expect(a.ok && a.value).toEqual({ t: "nil" });
    expect(b.ok && b.value).toEqual({ t: "status", v: "PONG" });
    // Stopped: fails after its timeout plus the deadline (1 s + 0.5 s), not after the deadline alone.
    stop();
    const stalled = await settle(c.send(["BLPOP", "deadline:nothing", "1"]));
    cont();
    expect(stalled.ok).toBe(false);
    expect(stalled.ms).toBeGreaterThan(1400);
    expect(stalled.ms).toBeLessThan(2100);
    // XREAD BLOCK is in ms (800 + 500); a call's own timeoutMs replaces the connection's (5 s here).
    await untilPong(c, performance.now());
    const slow = await open("deadline-percall", { timeoutMs: 5000 });
    stop();
    const [x, y] = await Promise.all([
      settle(c.send(["XREAD", "BLOCK", "800", "STREAMS", "deadline:s", "$"])),
      settle(slow.send(["PING"], { timeoutMs: 300 })),
    ]);
    cont();
    expect(x.ok).toBe(false);
    expect(x.ms).toBeGreaterThan(1200);
    expect(x.ms).toBeLessThan(1900);
    expect(y.ok).toBe(false);
    expect(y.ms).toBeGreaterThan(250);
    expect(y.ms).toBeLessThan(900);
  }, 30_000);

  it("bounds the subscriber hub's calls too, and its subscription still goes through once Redis is back", async () => {
    const hub = new SubscriberHub({ ...parseRedisUrl(redis.urls.hub), connection: { timeoutMs: 1000 } });
    const pub = await open("deadline-pub");
    try {
      const got: string[] = [];
      const listener = { onMessage: (m: HubMessage) => void got.push(m.payload.toString()) };
      await hub.add(listener, "channel", [Buffer.from("pg:{deadline-hub}:warm")]);
      stop();
      const r = await settle(hub.add(listener, "channel", [Buffer.from("pg:{deadline-hub}:news")]));
      expect(r.ok).toBe(false);
      expect(unavailable(r.ok ? null : r.error)).toBe(true);
      expect(r.ms).toBeLessThan(1600);
      cont();
      const t = performance.now();
      await untilPong(pub, t);
      for (let i = 0; i < 100 && got.length === 0; i++) {
        await pub.send(["PUBLISH", "pg:{deadline-hub}:news", "after"]);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(got[0]).toBe("after");
    } finally {
      hub.close();
    }
  }, 30_000);
});

describe("the JSON API while Redis is stopped", () => {
  let server: http.Server;
  let base = "";
  let token = "";
  beforeAll(async () => {
    const { useRuntimeOn } = await import("@/test/env");
    const { issueSession } = await import("@/lib/session");
    const { handleApi } = await import("@/lib/http/api");
    const rt = await useRuntimeOn(redis, {}, { perVisitor: false });
    await rt.appConn.waitReady();
    token = issueSession(rt.config.sessionSecret).token;
    server = http.createServer((req, res) => void handleApi(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    (await import("@/lib/runtime")).resetRuntime();
  });

  const exec = async (command: string) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/exec`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ command }),
    });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json(), ms: performance.now() - t0 };
  };

  it("answers 503 with Retry-After within ~2.5 s, at once after that, and 200 again within 2 s of SIGCONT", async () => {
    expect((await exec("SET a 1")).status).toBe(200);
    stop();
    const [first, health] = await Promise.all([
      exec("GET a"),
      (async () => {
        const t0 = performance.now();
        const res = await fetch(`${base}/api/health`);
        return { status: res.status, ms: performance.now() - t0 };
      })(),
    ]);
    expect(first.status).toBe(503);
    expect(first.retryAfter).toBe("1");
    expect(first.body.error.code).toBe("redis:unavailable");
    expect(first.ms, "POST /api/v1/exec must not hang on a stopped Redis").toBeLessThan(2500);
    expect(health.status).toBe(503);
    expect(health.ms).toBeLessThan(2500);
    const again = await exec("GET a");
    expect(again.status).toBe(503);
    expect(again.retryAfter).toBe("1");
    expect(again.ms).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 1000));
    const t = performance.now();
    cont();
    let ok: Awaited<ReturnType<typeof exec>> | null = null;
    while (performance.now() - t < 5000) {
      const r = await exec("GET a");
      if (r.status === 200) {
        ok = r;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const back = performance.now() - t;
    console.log(`API: 503 after ${first.ms.toFixed(0)} ms, then ${again.ms.toFixed(0)} ms; 200 again ${back.toFixed(0)} ms after SIGCONT`);
    expect(ok?.body.text).toBe('"1"');
    expect(back).toBeLessThan(2000);
  }, 30_000);
});
