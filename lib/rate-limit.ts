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

/** The client's address: the socket's, or X-Forwarded-For's first hop when TRUST_PROXY is set. */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor) {
    const first = (Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor).split(",")[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return remoteAddress;
}
