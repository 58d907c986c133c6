import { runtime } from "@/lib/runtime";
import { isRouted } from "@/lib/redis/routed";

export interface Health {
  redis: "ok" | "unavailable";
  ms?: number;
  error?: string;
}

/** Health answers within this, whatever Redis does (the connection's own deadline replaces a stalled socket). */
const HEALTH_MS = 2000;

/** A PING through the shared connection: to every master on a cluster (each serves some visitors). */
export async function checkHealth(): Promise<Health> {
  const { conn, cluster } = runtime();
  if (!conn.isReady) return { redis: "unavailable", error: "not connected; retrying" };
  if (cluster && !cluster.covered()) return { redis: "unavailable", error: "some slots have no master yet (a failover under way)" };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const targets = isRouted(conn) ? conn.masters() : [conn];
    const replies = await Promise.race([
      Promise.all(targets.map((c) => c.send(["PING"], { timeoutMs: HEALTH_MS }))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`PING timed out after ${HEALTH_MS / 1000} s`)), HEALTH_MS))),
    ]);
    const r = replies.find((x) => !(x.t === "status" && x.v === "PONG"));
    if (!r) return { redis: "ok", ms: Math.round((performance.now() - t0) * 1000) / 1000 };
    return { redis: "unavailable", error: r.t === "error" ? r.v : "unexpected PING reply" };
  } catch (e) {
    return { redis: "unavailable", error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
