import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useApiServer } from "@/test/env";
import { startRedisServer } from "@/lib/redis/embedded";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { resetRuntime, runtime } from "@/lib/runtime";

/**
 * The wrong-join-code limiter (20 a minute per address) counts a miss, then
 * decides: concurrent guesses cannot all slip past a read of the count and
 * each learn whether their code exists.
 * On a redis-server of its own, which the test pauses (CLIENT PAUSE) while the
 * guesses arrive, so that all of them are in flight at once — without it, on
 * loopback, each request is done before the next one lands. Each test guesses
 * from an address of its own (TRUST_PROXY, X-Forwarded-For).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-join-limit-"));
const redis = await startRedisServer({ dir });
Object.assign(process.env, {
  PLAYGROUND_REDIS_URL: redis.urls.playground,
  PLAYGROUND_APP_REDIS_URL: redis.urls.app,
  PLAYGROUND_HUB_REDIS_URL: redis.urls.hub,
  SESSION_SECRET: "join-limit-secret-join-limit-secret",
  TRUST_PROXY: "1",
  PLAYGROUND_RATE_PER_SESSION: "1000000",
  PLAYGROUND_RATE_PER_IP: "1000000",
  PLAYGROUND_ROOMS_PER_IP_HOUR: "1000000",
});
delete process.env.PLAYGROUND_ACL_REDIS_URL;
resetRuntime();
const rt = runtime();
const api = useApiServer(rt);
const admin = new RespConnection(parseRedisUrl(redis.urls.admin), "join-limit-admin");
afterAll(async () => {
  admin.close();
  resetRuntime();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
const address = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${Math.random().toString(36).slice(2, 8)}`;

const join = async (code: string, name: string, ip: string) => {
  const r = await fetch(`${api.base}/api/v1/rooms/${code}/join`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body: JSON.stringify({ name }),
  });
  return { status: r.status, body: (await r.json()) as { error?: { message: string } } };
};

/** Raw HTTP/1.1 POSTs on connections all opened before any request is sent. */
async function burst(requests: Array<{ path: string; ip: string; body: string }>): Promise<Array<{ status: number; body: { error?: { message: string } } }>> {
  const { hostname, port } = new URL(api.base);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(Number(port), hostname, () => resolve(s));
          s.on("error", reject);
        }),
    ),
  );
  const replies = sockets.map(
    (s) =>
      new Promise<string>((resolve) => {
        let data = "";
        s.on("data", (d) => (data += d.toString()));
        s.on("end", () => resolve(data));
      }),
  );
  requests.forEach((r, i) =>
    sockets[i].write(
      `POST ${r.path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\ncontent-type: application/json\r\nx-forwarded-for: ${r.ip}\r\ncontent-length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`,
    ),
  );
  return (await Promise.all(replies)).map((raw) => {
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    return { status: Number(raw.split(" ")[1]), body: body ? JSON.parse(body) : {} };
  });
}

describe("wrong join codes", () => {
  it("answer at most 20 of 300 concurrent guesses with a 404, look up at most 60; the rest get 429", async () => {
    const ip = address();
    const A = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"; // the join-code alphabet
    const codes = Array.from({ length: 300 }, (_, i) => `ZZ${A[i % 31]}${A[Math.floor(i / 31)]}ZZ`);
    // Every connection open first; Redis paused for 300 ms; then every request written in the same tick.
    await admin.waitReady();
    await admin.send(["CONFIG", "RESETSTAT"]);
    expect(await admin.send(["CLIENT", "PAUSE", "300", "ALL"])).toEqual({ t: "status", v: "OK" });
    const results = await burst(codes.map((c, i) => ({ path: `/api/v1/rooms/${c}/join`, ip, body: JSON.stringify({ name: `guess${i}` }) })));
    const notFound = results.filter((r) => r.status === 404).length;
    const limited = results.filter((r) => r.status === 429);
    const stats = await admin.send(["INFO", "commandstats"]);
    const lookups = /cmdstat_hgetall:calls=(\d+)/.exec(stats.t === "bulk" || stats.t === "verbatim" ? stats.v : "")?.[1];
    console.log(`300 concurrent wrong guesses: ${notFound} answered 404, ${limited.length} refused with 429; room lookups (HGETALL) seen by Redis: ${lookups}`);
    expect(notFound).toBeLessThanOrEqual(20);
    expect(Number(lookups), "room lookups reaching the store").toBeLessThanOrEqual(60);
    expect(notFound + limited.length).toBe(300);
    const messages = new Set(limited.map((r) => r.body.error?.message.replace(/\d+ s\.$/, "N s.")));
    for (const m of messages)
      expect(m).toMatch(
        /^Too many (join codes that do not exist, from your network: at most 20 every 60 s\. Check the code on the screen\.|joins from your network at once: at most 60 a minute\.) Try again in N s\.$/,
      );
  });

  it("do not count joins with a code that exists: a class behind one address all gets in", async () => {
    const ip = address();
    const room = await fetch(`${api.base}/api/v1/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "NAT class", lessons: ["basics"] }),
    });
    const { code } = (await room.json()) as { code: string };
    for (let i = 0; i < 19; i++) expect((await join("YYYYYY", `miss${i}`, ip)).status).toBe(404);
    // after 19 typos, 60 students still join, 20 at the same instant (bench:classroom's batches)
    for (let i = 0; i < 60; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => join(code, `student${i + j}`, ip)));
      expect(batch.map((r) => r.status)).toEqual(Array(20).fill(201));
    }
    expect((await join("YYYYYY", "miss19", ip)).status).toBe(404);
    const limited = await join("YYYYYY", "miss20", ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.message).toMatch(/Check the code on the screen\. Try again in \d+ s\./);
    // past the limit a live code is refused too: a 201 would tell a guesser which code is live
    expect((await join(code, "too-late", ip)).status).toBe(429);
  });

  it("fails closed when the counter is a key of another type", async () => {
    const ip = address();
    await admin.waitReady();
    await admin.send(["HSET", `app:rl:w:join-miss:${ip}`, "x", "1"]);
    const r = await join("YYYYYY", "planted", ip);
    expect(r.status).toBe(503);
    expect(r.body.error?.message).toMatch(/refused it to be safe/);
  });
});
