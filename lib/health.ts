import { runtime } from "@/lib/runtime";

export interface Health {
  redis: "ok" | "unavailable";
  ms?: number;
  error?: string;
}

/** A PING through the shared connection. */
export async function checkHealth(): Promise<Health> {
  const { conn } = runtime();
  if (!conn.isReady) return { redis: "unavailable", error: "not connected; retrying" };
  const t0 = performance.now();
  try {
    const r = await Promise.race([
      conn.send(["PING"]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("PING timed out after 2 s")), 2000)),
    ]);
    if (r.t === "status" && r.v === "PONG") return { redis: "ok", ms: Math.round((performance.now() - t0) * 1000) / 1000 };
    return { redis: "unavailable", error: r.t === "error" ? r.v : "unexpected PING reply" };
  } catch (e) {
    return { redis: "unavailable", error: (e as Error).message };
  }
}
