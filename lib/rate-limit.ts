import type { RespConnection } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";

/**
 * Commands per second per session and per client IP, counted in Redis (under
 * the app's own `app:` prefix, which no sandbox key can reach) so the limit
 * holds across app instances. A fixed one-second window: INCR, and PEXPIRE on
 * the first hit of each window.
 */
export interface RateLimits {
  perSession: number;
  perIp: number;
}

async function hit(conn: RespConnection, key: string, limit: number): Promise<boolean> {
  const r = await conn.send(["INCR", key]);
  if (r.t !== "integer") return true; // fail open: a counter problem must not lock learners out
  if (r.v === 1) void conn.send(["PEXPIRE", key, "1500"]).catch(() => {});
  return Number(r.v) <= limit;
}

export async function checkRate(conn: RespConnection, limits: RateLimits, sessionId: string, ip: string | undefined): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  if (!conn.isReady) throw new SandboxError("redis_unavailable");
  const [sessionOk, ipOk] = await Promise.all([
    hit(conn, `app:rl:s:${sessionId}:${second}`, limits.perSession),
    ip ? hit(conn, `app:rl:ip:${ip}:${second}`, limits.perIp) : Promise.resolve(true),
  ]);
  if (!sessionOk) {
    throw new SandboxError("rate_limited", `Too many commands: the playground allows ${limits.perSession} per second per visitor. Wait a second and try again.`, 1);
  }
  if (!ipOk) {
    throw new SandboxError("rate_limited", `Too many commands from your network: the playground allows ${limits.perIp} per second per IP address. Wait a second and try again.`, 1);
  }
}

/** Set by server.ts from the socket (or a trusted proxy) for server actions; never taken from the client. */
export const CLIENT_IP_HEADER = "x-playground-client-ip";

/**
 * The client's address: the socket's, or, when TRUST_PROXY is set, the last
 * X-Forwarded-For hop — the one our own proxy appended. Earlier hops are
 * whatever the client sent, and a client could pick them to dodge per-IP limits.
 */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",").map((h) => h.trim()).filter(Boolean);
    const last = hops[hops.length - 1];
    if (last) return last.slice(0, 64);
  }
  return remoteAddress;
}

/**
 * At most `max` events per `windowSeconds` for `key` (under app:rl:w:), across
 * app instances: for the rare, costly actions (opening rooms, resetting one,
 * guessing join codes). Throws rate_limited with when to come back.
 */
export async function limitWindow(conn: RespConnection, key: string, max: number, windowSeconds: number, what: string): Promise<void> {
  const k = `app:rl:w:${key}`.slice(0, 200);
  const r = await conn.send(["INCR", k]);
  if (r.t !== "integer") return; // fail open, as checkRate does
  if (Number(r.v) === 1) void conn.send(["EXPIRE", k, String(windowSeconds)]).catch(() => {});
  if (Number(r.v) > max) {
    const ttl = await conn.send(["TTL", k]);
    const wait = ttl.t === "integer" && Number(ttl.v) > 0 ? Number(ttl.v) : windowSeconds;
    throw new SandboxError("rate_limited", `Too many ${what}: at most ${max} every ${windowSeconds >= 3600 ? `${windowSeconds / 3600} h` : `${windowSeconds} s`}. Try again in ${wait} s.`, wait);
  }
}
