import type { Runtime } from "@/lib/runtime";
import { isSessionId, sessionNamespace } from "@/lib/session";
import { bulkBytes, utf8 } from "@/lib/resp/reply";
import { dropNamespace } from "@/lib/sandbox/sandbox";
import { processState } from "@/lib/process-state";

/**
 * Idle namespaces expire: every session's last activity is kept in the ZSET
 * app:active (under the app's own ACL user), and the reaper deletes the keys
 * of namespaces idle longer than PLAYGROUND_NAMESPACE_IDLE_SECONDS. A lock in
 * Redis lets one app instance reap at a time.
 */
const ACTIVE = "app:active";
const LOCK = "app:reaper:lock";
/** When each session was last noted active, so that app:active is written at most every 30 s per session. */
const touches = () => processState("reaper.lastTouch", () => new Map<string, number>());

/** Records activity, at most every 30 s per session from this process. */
export function touchNamespace(rt: Runtime, sessionId: string): void {
  // Only visitors' sessions are reaped by idleness: a room's class queue runs as `room-<code>`, and rooms go with the room.
  if (!isSessionId(sessionId)) return;
  const now = Date.now();
  if (now - (touches().get(sessionId) ?? 0) < 30_000) return;
  if (touches().size > 100_000) touches().clear();
  // Remembered only once Redis has it: a refused ZADD (OOM) must be tried again, or the reaper never sees the namespace.
  void rt.appConn
    .send(["ZADD", ACTIVE, String(now), sessionId])
    .then((r) => void (r.t === "integer" && touches().set(sessionId, now)))
    .catch(() => {});
}

export async function reapIdleNamespaces(rt: Runtime, now = Date.now()): Promise<number> {
  const lock = await rt.appConn.send(["SET", LOCK, String(process.pid), "NX", "PX", "50000"]);
  if (lock.t !== "status") return 0; // another instance is reaping
  try {
    // Features' own idle data first (the classroom's rooms: lib/classroom/plugin.ts).
    let reaped = 0;
    for (const reap of rt.hooks.reapers) reaped += await reap(rt, now);
    for (;;) {
      const idle = await rt.appConn.send(["ZRANGEBYSCORE", ACTIVE, "-inf", String(now - rt.config.namespaceIdleMs), "LIMIT", "0", "100"]);
      if (idle.t !== "array" || idle.v.length === 0) return reaped;
      let removed = 0;
      for (const r of idle.v) {
        if (r.t !== "bulk") continue;
        // A member becomes a key prefix and a SCAN MATCH glob: `*` or `x}:*` would match other
        // visitors' keys. Only an exact session id is used; anything else is dropped and logged.
        if (isSessionId(r.v)) {
          try {
            await dropNamespace(rt, sessionNamespace(r.v));
          } catch (e) {
            // One namespace that cannot be dropped now (Redis refused, a deadline) must not stop the
            // others: it is looked at again one idle period later.
            console.error(`[reaper] could not delete ${r.v}'s namespace: ${(e as Error).message}`);
            await rt.appConn.send(["ZADD", ACTIVE, String(now), r.v]);
            removed++;
            continue;
          }
          touches().delete(r.v);
          reaped++;
        } else console.warn(`[reaper] removed ${JSON.stringify(r.v.slice(0, 60))} from ${ACTIVE}: not a session id`);
        // The member's own bytes (a non-UTF-8 one comes back as base64).
        const gone = await rt.appConn.send([utf8("ZREM"), utf8(ACTIVE), bulkBytes(r)]);
        if (gone.t === "integer") removed += Number(gone.v);
      }
      if (removed === 0) return reaped; // nothing could be removed: do not read the same batch forever
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
