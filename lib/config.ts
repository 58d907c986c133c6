import { parseRedisUrl, type RedisTarget } from "@/lib/redis/resp-connection";

/**
 * Runtime configuration, read from the environment. `npm start` (scripts/start.ts)
 * resolves the embedded Redis and the session secret into the environment
 * before anything here runs, so every module copy sees the same values.
 */
export interface Config {
  /** The sandbox connection: a user that reaches only pg:* and room:* (DESIGN §2). */
  redis: RedisTarget;
  redisUrl: string;
  /** The app's own data (rate counters, sessions, rooms): a user that reaches only app:*. */
  appRedis: RedisTarget;
  sessionSecret: string;
  maxArgs: number;
  maxArgBytes: number;
  maxCommandBytes: number;
  rate: { perSession: number; perIp: number };
  trustProxy: boolean;
}

/** Every numeric limit, its environment variable and default: the one list README and bench print. */
export const LIMITS = [
  { env: "PLAYGROUND_MAX_ARGS", def: 1024, doc: "most arguments in one command" },
  { env: "PLAYGROUND_MAX_ARG_BYTES", def: 512 * 1024, doc: "largest single argument, in bytes" },
  { env: "PLAYGROUND_MAX_COMMAND_BYTES", def: 1024 * 1024, doc: "longest command line, in bytes" },
  { env: "PLAYGROUND_RATE_PER_SESSION", def: 200, doc: "commands per second per session" },
  { env: "PLAYGROUND_RATE_PER_IP", def: 2000, doc: "commands per second per client IP" },
] as const;

type LimitEnv = (typeof LIMITS)[number]["env"];

function limit(name: LimitEnv): number {
  return int(name, LIMITS.find((l) => l.env === name)!.def);
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
  const appUrl = process.env.PLAYGROUND_APP_REDIS_URL || process.env.REDIS_APP_URL || redisUrl;
  return {
    redis: parseRedisUrl(redisUrl),
    redisUrl,
    appRedis: parseRedisUrl(appUrl),
    sessionSecret,
    maxArgs: limit("PLAYGROUND_MAX_ARGS"),
    maxArgBytes: limit("PLAYGROUND_MAX_ARG_BYTES"),
    maxCommandBytes: limit("PLAYGROUND_MAX_COMMAND_BYTES"),
    rate: { perSession: limit("PLAYGROUND_RATE_PER_SESSION"), perIp: limit("PLAYGROUND_RATE_PER_IP") },
    trustProxy: /^(1|true|yes)$/i.test(process.env.TRUST_PROXY ?? ""),
  };
}
