/**
 * The app's limits, from lib/config.ts's LIMITS,
 * with the value the bench runs the app with. Rate limits and the per-address
 * and in-all stream caps are raised for the bench — every request comes from
 * one IP, and the SSE part opens 1,000 streams — but the limiters still run,
 * so their cost stays in the figures.
 */
import { LIMITS } from "@/lib/config";

export interface Limit {
  name: string;
  value: string;
  def: string;
  raised: boolean;
}

export const RAISED_RATE = "1000000000";
/** Caps a one-address load generator would hit first. */
const RAISED = /RATE|STREAMS_PER_IP|MAX_STREAMS|SESSIONS_PER_IP|ROOMS_PER_IP|WORK_PER_IP/;

export function appLimits(_root?: string): { env: Record<string, string>; limits: Limit[] } {
  const env: Record<string, string> = {};
  const limits: Limit[] = [];
  for (const { env: name, def: d } of LIMITS) {
    const def = String(d);
    const given = process.env[name];
    if (given !== undefined && given !== "") limits.push({ name, value: given, def, raised: false });
    else if (RAISED.test(name)) {
      env[name] = RAISED_RATE;
      limits.push({ name, value: RAISED_RATE, def, raised: true });
    } else limits.push({ name, value: def, def, raised: false });
  }
  return { env, limits };
}

export function formatLimits(limits: Limit[]): string[] {
  return limits.map(
    (l) => `${l.name}=${l.value}${l.raised ? ` (raised for the bench; default ${l.def})` : l.value !== l.def ? ` (from env; default ${l.def})` : ""}`,
  );
}

/** The runtime config as the app child saw it, without secrets, flattened: `rate.perSession=…`. */
export function flattenConfig(o: Record<string, unknown>, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (["redis", "redisUrl", "appRedis", "sessionSecret"].includes(k) || /password|secret/i.test(k)) continue;
    if (v && typeof v === "object") out.push(...flattenConfig(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push(`${prefix}${k}=${v}`);
  }
  return out;
}
