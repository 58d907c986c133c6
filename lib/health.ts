import { runtime } from "@/lib/runtime";

export interface Health {
  redis: "ok" | "unavailable";
  ms?: number;
  error?: string;
}

/** Health answers within this, whatever Redis does (the connection's own deadline replaces a stalled socket). */
const HEALTH_MS = 2000;

/** A PING through the shared connection. */
export async function checkHealth(): Promise<Health> {
  const { conn } = runtime();
  if (!conn.isReady) return { redis: "unavailable", error: "not connected; retrying" };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      conn.send(["PING"], { timeoutMs: HEALTH_MS }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`PING timed out after ${HEALTH_MS / 1000} s`)), HEALTH_MS))),
    ]);
    if (r.t === "status" && r.v === "PONG") return { redis: "ok", ms: Math.round((performance.now() - t0) * 1000) / 1000 };
    return { redis: "unavailable", error: r.t === "error" ? r.v : "unexpected PING reply" };
  } catch (e) {
    return { redis: "unavailable", error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
