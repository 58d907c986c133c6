import type { Runtime } from "@/lib/runtime";
import { Namespace } from "@/lib/sandbox/namespace";
import { deleteNamespace } from "@/lib/sandbox/sandbox";
import { reapIdleRooms } from "@/lib/classroom/rooms";

/**
 * Idle namespaces expire: every session's last activity is kept in the ZSET
 * app:active (under the app's own ACL user), and the reaper deletes the keys
 * of namespaces idle longer than PLAYGROUND_NAMESPACE_IDLE_SECONDS. A lock in
 * Redis lets one app instance reap at a time.
 */
const ACTIVE = "app:active";
const LOCK = "app:reaper:lock";
const lastTouch = new Map<string, number>();

/** Records activity, at most every 30 s per session from this process. */
export function touchNamespace(rt: Runtime, sessionId: string): void {
  const now = Date.now();
  if (now - (lastTouch.get(sessionId) ?? 0) < 30_000) return;
  lastTouch.set(sessionId, now);
  if (lastTouch.size > 100_000) lastTouch.clear();
  void rt.appConn.send(["ZADD", ACTIVE, String(now), sessionId]).catch(() => {});
}

export async function reapIdleNamespaces(rt: Runtime, now = Date.now()): Promise<number> {
  const lock = await rt.appConn.send(["SET", LOCK, String(process.pid), "NX", "PX", "50000"]);
  if (lock.t !== "status") return 0; // another instance is reaping
  try {
    // Rooms' shared keys go with the room, 12 h after its last activity.
    let reaped = await reapIdleRooms(rt.appConn, rt.conn, now);
    for (;;) {
      const idle = await rt.appConn.send(["ZRANGEBYSCORE", ACTIVE, "-inf", String(now - rt.config.namespaceIdleMs), "LIMIT", "0", "100"]);
      if (idle.t !== "array" || idle.v.length === 0) return reaped;
      for (const r of idle.v) {
        if (r.t !== "bulk") continue;
        await deleteNamespace(rt.conn, Namespace.forSession(r.v));
        await rt.appConn.send(["ZREM", ACTIVE, r.v]);
        lastTouch.delete(r.v);
        reaped++;
      }
    }
  } finally {
    await rt.appConn.send(["DEL", LOCK]).catch(() => {});
  }
}

export function startReaper(rt: Runtime, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    reapIdleNamespaces(rt)
      .then((n) => n > 0 && console.log(`[reaper] deleted ${n} idle namespace${n === 1 ? "" : "s"}`))
      .catch(() => {});
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
