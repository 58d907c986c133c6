import { parseRedisUrl, type RedisTarget } from "@/lib/redis/resp-connection";

/**
 * Runtime configuration, read from the environment. `npm start` (scripts/start.ts)
 * resolves the embedded Redis and the session secret into the environment
 * before anything here runs, so every module copy sees the same values.
 */
export interface Config {
  redis: RedisTarget;
  redisUrl: string;
  sessionSecret: string;
  maxArgs: number;
  maxArgBytes: number;
  maxCommandBytes: number;
  rate: { perSession: number; perIp: number };
  trustProxy: boolean;
}

function int(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got "${v}")`);
  return n;
}

export function loadConfig(): Config {
  const redisUrl = process.env.PLAYGROUND_REDIS_URL || process.env.REDIS_URL;
  if (!redisUrl) throw new Error("No Redis configured: start the app with `npm start`, or set REDIS_URL.");
  const sessionSecret = process.env.SESSION_SECRET;
  if (!sessionSecret || sessionSecret.length < 16) {
    throw new Error("SESSION_SECRET must be set to at least 16 characters (npm start generates one into .data/).");
  }
  return {
    redis: parseRedisUrl(redisUrl),
    redisUrl,
    sessionSecret,
    maxArgs: int("PLAYGROUND_MAX_ARGS", 1024),
    maxArgBytes: int("PLAYGROUND_MAX_ARG_BYTES", 512 * 1024),
    maxCommandBytes: int("PLAYGROUND_MAX_COMMAND_BYTES", 1024 * 1024),
    rate: { perSession: int("PLAYGROUND_RATE_PER_SESSION", 200), perIp: int("PLAYGROUND_RATE_PER_IP", 2000) },
    trustProxy: /^(1|true|yes)$/i.test(process.env.TRUST_PROXY ?? ""),
  };
}
