import { expect } from "vitest";
import { execCommand } from "@/lib/exec";
import type { Session } from "@/lib/session";

/**
 * Another visitor's PINGs, one after another with `gapMs` between them,
 * while `during` runs; returns their latencies (and logs median and max).
 * The fairness tests bound the max: every visitor's command stays fast
 * whatever one visitor does.
 */
export async function pingsDuring(victim: Session, during: Promise<unknown>, count = 20, gapMs = 10): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await execCommand(victim, { command: "PING" });
    times.push(performance.now() - t0);
    expect(r.text).toBe("PONG");
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await during.catch(() => {});
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`victim PING: median ${sorted[sorted.length >> 1].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`);
  return times;
}
