import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";

/**
 * One visitor blocking, flooding or filling its quota must not slow another
 * visitor's PING beyond 50 ms: the shared connection never waits on anyone.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_BLOCK_SECONDS: "2", PLAYGROUND_MAX_KEYS: "50", PLAYGROUND_RATE_PER_SESSION: "200" });
const newSession = () => issueSession(rt.config.sessionSecret).session;

/** Another visitor's PINGs, one after another, while `during` runs; returns their latencies. */
async function pingsDuring(victim: Session, during: Promise<unknown>, count = 20): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await execCommand(victim, { command: "PING" });
    times.push(performance.now() - t0);
    expect(r.text).toBe("PONG");
    await new Promise((r) => setTimeout(r, 10));
  }
  await during.catch(() => {});
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`victim PING: median ${sorted[sorted.length >> 1].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`);
  return times;
}

describe("fairness: another visitor's PING stays under 50 ms", () => {
  it("while one visitor blocks as much as it is allowed to", async () => {
    const hog = newSession();
    const victim = newSession();
    await execCommand(victim, { command: "PING" });
    const blocks = Promise.allSettled(Array.from({ length: 8 }, (_, i) => execCommand(hog, { command: `BLPOP nothing 0` }, { id: `tab${i}` })));
    const times = await pingsDuring(victim, blocks);
    expect(Math.max(...times)).toBeLessThan(50);
    const settled = await blocks;
    const refused = settled.filter((s) => s.status === "rejected" && /blocking commands waiting/.test(String(s.reason)));
    expect(refused.length).toBe(8 - rt.config.leases.perSession);
    expect(rt.leases.stats().inUse).toBe(0);
  });

  it("while one visitor floods past its rate limit", async () => {
    const hog = newSession();
    const victim = newSession();
    await execCommand(victim, { command: "PING" });
    const flood = (async () => {
      let limited = 0;
      for (let wave = 0; wave < 10; wave++) {
        const results = await Promise.allSettled(Array.from({ length: 100 }, () => execCommand(hog, { command: "INCR hits" })));
        limited += results.filter((r) => r.status === "rejected").length;
        await new Promise((r) => setImmediate(r));
      }
      return limited;
    })();
    const times = await pingsDuring(victim, flood);
    expect(Math.max(...times)).toBeLessThan(50);
    expect(await flood).toBeGreaterThan(0); // the limiter did bite
  });

  it("while one visitor fills its quota", async () => {
    const hog = newSession();
    const victim = newSession();
    await execCommand(victim, { command: "PING" });
    const fill = (async () => {
      let refused = 0;
      for (let i = 0; i < 120; i++) {
        const r = await execCommand(hog, { command: `SET k${i} ${"x".repeat(1000)}` });
        if (r.reply.t === "error") refused++;
      }
      return refused;
    })();
    const times = await pingsDuring(victim, fill);
    expect(Math.max(...times)).toBeLessThan(50);
    expect(await fill).toBeGreaterThan(0); // the quota did bite
  });
});
