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
  /** The subscriber hub: a user that may only subscribe (PSUBSCRIBE needs &*). */
  hubRedis: RedisTarget;
  sessionSecret: string;
  maxArgs: number;
  maxArgBytes: number;
  maxCommandBytes: number;
  rate: { perSession: number; perIp: number };
  leases: { max: number; perSession: number; idleMs: number };
  maxBlockSeconds: number;
  quota: { maxKeys: number; maxBytes: number; maxStringBytes: number };
  reply: { items: number; bytes: number };
  namespaceIdleMs: number;
  trustProxy: boolean;
}

/** Every numeric limit, its environment variable and default: the one list README and bench print. */
export const LIMITS = [
  { env: "PLAYGROUND_MAX_ARGS", def: 1024, doc: "most arguments in one command" },
  { env: "PLAYGROUND_MAX_ARG_BYTES", def: 512 * 1024, doc: "largest single argument, in bytes" },
  { env: "PLAYGROUND_MAX_COMMAND_BYTES", def: 1024 * 1024, doc: "longest command line, in bytes" },
  { env: "PLAYGROUND_RATE_PER_SESSION", def: 200, doc: "commands per second per session" },
  { env: "PLAYGROUND_RATE_PER_IP", def: 2000, doc: "commands per second per client IP" },
  { env: "PLAYGROUND_MAX_LEASES", def: 50, doc: "dedicated connections for MULTI/WATCH and blocking commands, in all" },
  { env: "PLAYGROUND_LEASES_PER_SESSION", def: 4, doc: "open transactions per session (one per console tab)" },
  { env: "PLAYGROUND_LEASE_IDLE_SECONDS", def: 120, doc: "an open MULTI/WATCH is discarded after this long without a command" },
  { env: "PLAYGROUND_MAX_BLOCK_SECONDS", def: 10, doc: "cap on a blocking command's timeout (0, forever, is capped too)" },
  { env: "PLAYGROUND_MAX_KEYS", def: 1000, doc: "keys per visitor's namespace" },
  { env: "PLAYGROUND_MAX_NAMESPACE_BYTES", def: 8 * 1024 * 1024, doc: "memory per visitor's namespace (MEMORY USAGE), in bytes" },
  { env: "PLAYGROUND_MAX_STRING_BYTES", def: 1024 * 1024, doc: "largest string SETRANGE/SETBIT/BITFIELD offsets may create, in bytes" },
  { env: "PLAYGROUND_MAX_REPLY_ITEMS", def: 1000, doc: "elements shown of one reply; the rest is counted as … N more" },
  { env: "PLAYGROUND_MAX_REPLY_BYTES", def: 1024 * 1024, doc: "bytes of strings shown of one reply" },
  { env: "PLAYGROUND_NAMESPACE_IDLE_SECONDS", def: 24 * 3600, doc: "a namespace unused this long is deleted by the reaper" },
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
    hubRedis: parseRedisUrl(process.env.PLAYGROUND_HUB_REDIS_URL || process.env.REDIS_HUB_URL || redisUrl),
    sessionSecret,
    maxArgs: limit("PLAYGROUND_MAX_ARGS"),
    maxArgBytes: limit("PLAYGROUND_MAX_ARG_BYTES"),
    maxCommandBytes: limit("PLAYGROUND_MAX_COMMAND_BYTES"),
    rate: { perSession: limit("PLAYGROUND_RATE_PER_SESSION"), perIp: limit("PLAYGROUND_RATE_PER_IP") },
    leases: {
      max: limit("PLAYGROUND_MAX_LEASES"),
      perSession: limit("PLAYGROUND_LEASES_PER_SESSION"),
      idleMs: limit("PLAYGROUND_LEASE_IDLE_SECONDS") * 1000,
    },
    maxBlockSeconds: limit("PLAYGROUND_MAX_BLOCK_SECONDS"),
    quota: {
      maxKeys: limit("PLAYGROUND_MAX_KEYS"),
      maxBytes: limit("PLAYGROUND_MAX_NAMESPACE_BYTES"),
      maxStringBytes: limit("PLAYGROUND_MAX_STRING_BYTES"),
    },
    reply: { items: limit("PLAYGROUND_MAX_REPLY_ITEMS"), bytes: limit("PLAYGROUND_MAX_REPLY_BYTES") },
    namespaceIdleMs: limit("PLAYGROUND_NAMESPACE_IDLE_SECONDS") * 1000,
    trustProxy: /^(1|true|yes)$/i.test(process.env.TRUST_PROXY ?? ""),
  };
}
