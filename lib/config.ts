import { parseRedisUrl, type RedisTarget } from "@/lib/redis/resp-connection";

/**
 * Runtime configuration, read from the environment. `npm start` (scripts/start.ts)
 * resolves the embedded Redis and the session secret into the environment
 * before anything here runs, so every module copy sees the same values.
 */
export interface Config {
  /** The sandbox connection: a user that reaches only pg:* and room:* (docs/architecture.md "The two walls"). */
  redis: RedisTarget;
  redisUrl: string;
  /** The app's own data (rate counters, sessions, rooms): a user that reaches only app:*. */
  appRedis: RedisTarget;
  /** The subscriber hub: a user that may only subscribe (PSUBSCRIBE needs &*). */
  hubRedis: RedisTarget;
  /**
   * The warden: a user that may create and delete ACL users. When set, every
   * namespace runs as an ACL user of its own (lib/sandbox/acl-users.ts);
   * unset, all visitors share the REDIS_URL user and only the rewriter keeps
   * them apart.
   */
  aclRedis?: RedisTarget;
  /** REDIS_CLUSTER: the URLs name seed nodes of a Redis Cluster, and every connection is routed by slot. */
  redisCluster: boolean;
  sessionSecret: string;
  maxArgs: number;
  maxArgBytes: number;
  maxCommandBytes: number;
  rate: { perSession: number; perIp: number };
  /** Work per second (lib/sandbox/work-budget.ts), and commands running at once per session. */
  work: { perSession: number; perIp: number; inFlight: number };
  /** Dedicated connections (lib/sandbox/leases.ts): in all, per session, per client address (leases and blocking borrows together). */
  leases: { max: number; perSession: number; perIp: number; idleMs: number };
  /** Live streams (SSE, lib/http/sse-slots.ts) open in this process: per session, per client address, in all. */
  streams: { perSession: number; perIp: number; max: number };
  /** Running scenarios (lib/scenarios/runs.ts): runs per session, per address and in all; worker connections per address and in all. */
  scenarios: { perSession: number; perIp: number; maxRuns: number; connectionsPerIp: number; maxConnections: number };
  maxBlockSeconds: number;
  quota: { maxKeys: number; maxBytes: number; maxStringBytes: number; maxBytesPerIp: number };
  reply: { items: number; bytes: number };
  /** Bytes of a pub/sub message a live stream shows. */
  maxMessageBytes: number;
  /** How long a Redis command may go unanswered before it fails with 503 and its connection is replaced. */
  redisTimeoutMs: number;
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
  { env: "PLAYGROUND_MAX_LEASES", def: 200, doc: "dedicated connections for MULTI/WATCH and blocking commands, in all" },
  { env: "PLAYGROUND_LEASES_PER_SESSION", def: 4, doc: "open transactions per session (one per console tab)" },
  {
    env: "PLAYGROUND_LEASES_PER_IP",
    def: 40,
    doc: "dedicated connections (MULTI/WATCH and blocking commands together) one client address may hold: a class of 30 behind one NAT, each in MULTI, fits; one address never takes more than a fifth of the pool",
  },
  { env: "PLAYGROUND_LEASE_IDLE_SECONDS", def: 120, doc: "an open MULTI/WATCH is discarded after this long without a command" },
  { env: "PLAYGROUND_MAX_BLOCK_SECONDS", def: 10, doc: "cap on a blocking command's timeout (0, forever, is capped too)" },
  { env: "PLAYGROUND_MAX_KEYS", def: 1000, doc: "keys per visitor's namespace" },
  { env: "PLAYGROUND_MAX_NAMESPACE_BYTES", def: 8 * 1024 * 1024, doc: "memory per visitor's namespace (MEMORY USAGE), in bytes" },
  {
    env: "PLAYGROUND_MAX_BYTES_PER_IP",
    def: 64 * 1024 * 1024,
    doc: "memory of all the namespaces one client address writes to, together, in bytes (a class of 30 behind one NAT: about 2 MiB each)",
  },
  {
    env: "PLAYGROUND_MAX_NAME_BYTES",
    def: 1024,
    doc: "longest name — key, channel, set or sorted-set member, hash field, stream group or consumer — in bytes (values may be up to the argument limit): Redis matches globs against names in time proportional to their length",
  },
  { env: "PLAYGROUND_MAX_PATTERN_BYTES", def: 128, doc: "longest glob pattern (KEYS, SCAN/SSCAN/HSCAN/ZSCAN MATCH, PSUBSCRIBE, PUBSUB CHANNELS), in bytes" },
  { env: "PLAYGROUND_MAX_STRING_BYTES", def: 1024 * 1024, doc: "largest string SETRANGE/SETBIT/BITFIELD offsets may create, in bytes" },
  { env: "PLAYGROUND_MAX_MESSAGE_BYTES", def: 4 * 1024, doc: "bytes of one pub/sub message shown in a live stream; the rest is counted as … N more bytes" },
  { env: "PLAYGROUND_MAX_REPLY_ITEMS", def: 1000, doc: "elements shown of one reply; the rest is counted as … N more" },
  { env: "PLAYGROUND_MAX_REPLY_BYTES", def: 1024 * 1024, doc: "bytes of strings shown of one reply" },
  { env: "PLAYGROUND_NAMESPACE_IDLE_SECONDS", def: 24 * 3600, doc: "a namespace unused this long is deleted by the reaper" },
  {
    env: "PLAYGROUND_REDIS_TIMEOUT_MS",
    def: 2000,
    doc: "deadline for a Redis answer, in ms (blocking commands: their timeout plus this); past it the request answers 503 and the connection is replaced",
  },
  {
    env: "PLAYGROUND_REDIS_MAXMEMORY",
    def: 256 * 1024 * 1024,
    doc: "the embedded Redis's maxmemory, in bytes (noeviction: writes are refused past it; 10% of it caps client buffers)",
  },
  {
    env: "PLAYGROUND_WORK_PER_SESSION",
    def: 100_000,
    doc: "work one session may use per second, in the cost units of PLAYGROUND_MAX_COMMAND_COST (≈ 10 ms of Redis time): each command's estimate, its reply's bytes (1 per 16) and a PUBLISH's live streams; past one second's worth the next command waits",
  },
  { env: "PLAYGROUND_WORK_PER_IP", def: 500_000, doc: "work one client address may use per second, in the same units (≈ 50 ms of Redis time)" },
  { env: "PLAYGROUND_COMMANDS_IN_FLIGHT", def: 8, doc: "commands of one session running at the same time, across its console tabs and API clients" },
  {
    env: "PLAYGROUND_MAX_COMMAND_COST",
    def: 50_000,
    doc: "estimated work one command, or one MULTI … EXEC in all, may cost before it runs, in units of about one element read or written (≈ 0.1 µs of Redis time; lib/sandbox/costs.ts): 50,000 ≈ 5 ms",
  },
  {
    env: "PLAYGROUND_MAX_BUILT_REPLY_BYTES",
    def: 8 * 1024 * 1024,
    doc: "bytes Redis may build for one command's reply, or for one EXEC's replies together, estimated before it runs (MGET of one key a thousand times, HMGET of one field, HRANDFIELD … WITHVALUES, GETs queued in MULTI)",
  },
  { env: "PLAYGROUND_MAX_QUEUED_COMMANDS", def: 1000, doc: "commands one MULTI may queue" },
  { env: "PLAYGROUND_MAX_QUEUED_BYTES", def: 1024 * 1024, doc: "bytes of arguments one MULTI may queue, in all" },
  {
    env: "PLAYGROUND_SESSIONS_PER_IP_MINUTE",
    def: 60,
    doc: "new sessions (sandboxes) one client address may create per minute, through POST /api/v1/sessions or a first page visit (a class of 60 behind one NAT opening the playground in the same minute fits); workshop joins are counted apart",
  },
  { env: "PLAYGROUND_STREAMS_PER_SESSION", def: 12, doc: "live streams (SSE: pub/sub, room events) one session may hold open" },
  { env: "PLAYGROUND_STREAMS_PER_IP", def: 300, doc: "live streams one client address may hold open (a class of 30 with 9 each, beside the dashboard)" },
  { env: "PLAYGROUND_MAX_STREAMS", def: 5000, doc: "live streams open in this process, in all" },
  { env: "PLAYGROUND_ROOMS_PER_IP_HOUR", def: 10, doc: "workshops one client address may open per hour" },
  { env: "PLAYGROUND_MAX_ACTIVE_ROOMS", def: 500, doc: "workshops open at once, in all" },
  { env: "PLAYGROUND_ROOM_SIZE", def: 200, doc: "students in one workshop" },
  { env: "PLAYGROUND_ROOM_ACTIONS_PER_MINUTE", def: 12, doc: "resets, ends and dispatches of one workshop per minute" },
  { env: "PLAYGROUND_JOINS_PER_IP_MINUTE", def: 60, doc: "workshop joins one client address may have looked up per minute (a right code gives its try back)" },
  { env: "PLAYGROUND_JOIN_MISSES_PER_IP_MINUTE", def: 20, doc: "join codes that do not exist one client address may try per minute" },
  {
    env: "PLAYGROUND_HEAVY_READS_PER_2_SECONDS",
    def: 8,
    doc: "key inspector and Venn diagram refreshes one session's lesson page may ask per 2 seconds (each reads every key of the namespace)",
  },
  { env: "PLAYGROUND_PROGRESS_PER_10_SECONDS", def: 30, doc: "progress reports one student's session may send per 10 seconds" },
  { env: "PLAYGROUND_SCENARIOS_PER_SESSION", def: 4, doc: "scenarios one session runs at once" },
  { env: "PLAYGROUND_SCENARIO_RUNS_PER_IP", def: 40, doc: "scenarios one client address runs at once" },
  { env: "PLAYGROUND_MAX_SCENARIO_RUNS", def: 200, doc: "scenarios running in this process, in all" },
  { env: "PLAYGROUND_SCENARIO_CONNECTIONS_PER_IP", def: 30, doc: "dedicated connections the workers of one address's running scenarios hold" },
  { env: "PLAYGROUND_MAX_SCENARIO_CONNECTIONS", def: 120, doc: "dedicated connections for the workers of running scenarios, in all" },
  {
    env: "PLAYGROUND_RESP_CONNECTIONS_PER_SESSION",
    def: 16,
    doc: "connections learners' own clients may hold open to the endpoint with one session's password (the job queue's master and five workers, a GUI and a redis-cli fit)",
  },
  {
    env: "PLAYGROUND_RESP_CONNECTIONS_PER_IP",
    def: 200,
    doc: "connections to the endpoint one client address may hold open, signed in or not (a class of 30 behind one NAT, 6 each)",
  },
  { env: "PLAYGROUND_RESP_MAX_CONNECTIONS", def: 2000, doc: "connections to the endpoint in this process, in all" },
  {
    env: "PLAYGROUND_RESP_IDLE_SECONDS",
    def: 300,
    doc: "a connection to the endpoint that sends nothing this long is closed (subscribed connections are kept while they read)",
  },
  {
    env: "PLAYGROUND_RESP_AUTH_SECONDS",
    def: 10,
    doc: "a new connection to the endpoint must sign in (AUTH or HELLO … AUTH) within this long, or it is closed",
  },
  {
    env: "PLAYGROUND_RESP_OUTPUT_BYTES",
    def: 16 * 1024 * 1024,
    doc: "replies and messages one endpoint connection may have waiting for its client to read them; past it the connection is closed (a larger single reply is refused with an error)",
  },
  {
    env: "PLAYGROUND_RESP_READ_AHEAD",
    def: 256,
    doc: "commands the endpoint reads ahead of their replies on one connection (pipelining); past it the endpoint stops reading from that client until replies go out",
  },
  {
    env: "PLAYGROUND_RESP_NAMESPACE_CONNECTIONS",
    def: 200,
    doc: "Redis connections the endpoint keeps, one per namespace its clients are using, signed in as that namespace's ACL user (one command per command instead of the console's AUTH round trips); past it, namespaces run on the shared connection as the console's do",
  },
  {
    env: "PLAYGROUND_RESP_TOTAL_OUTPUT_BYTES",
    def: 256 * 1024 * 1024,
    doc: "replies and messages all endpoint connections of this process together may have waiting for their clients; past it the connections with the most waiting are closed first",
  },
  { env: "PLAYGROUND_RESP_SUBSCRIPTIONS", def: 100, doc: "channels and patterns one endpoint connection may subscribe to" },
  { env: "PLAYGROUND_RESP_WRONG_PASSWORDS_PER_IP_MINUTE", def: 20, doc: "wrong endpoint passwords one client address may try per minute" },
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

function optionalUrl(url: string | undefined): RedisTarget | undefined {
  return url ? parseRedisUrl(url) : undefined;
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
    aclRedis: optionalUrl(process.env.PLAYGROUND_ACL_REDIS_URL || process.env.REDIS_ACL_URL),
    sessionSecret,
    maxArgs: limit("PLAYGROUND_MAX_ARGS"),
    maxArgBytes: limit("PLAYGROUND_MAX_ARG_BYTES"),
    maxCommandBytes: limit("PLAYGROUND_MAX_COMMAND_BYTES"),
    rate: { perSession: limit("PLAYGROUND_RATE_PER_SESSION"), perIp: limit("PLAYGROUND_RATE_PER_IP") },
    work: { perSession: limit("PLAYGROUND_WORK_PER_SESSION"), perIp: limit("PLAYGROUND_WORK_PER_IP"), inFlight: limit("PLAYGROUND_COMMANDS_IN_FLIGHT") },
    leases: {
      max: limit("PLAYGROUND_MAX_LEASES"),
      perSession: limit("PLAYGROUND_LEASES_PER_SESSION"),
      perIp: limit("PLAYGROUND_LEASES_PER_IP"),
      idleMs: limit("PLAYGROUND_LEASE_IDLE_SECONDS") * 1000,
    },
    maxBlockSeconds: limit("PLAYGROUND_MAX_BLOCK_SECONDS"),
    streams: { perSession: limit("PLAYGROUND_STREAMS_PER_SESSION"), perIp: limit("PLAYGROUND_STREAMS_PER_IP"), max: limit("PLAYGROUND_MAX_STREAMS") },
    scenarios: {
      perSession: limit("PLAYGROUND_SCENARIOS_PER_SESSION"),
      perIp: limit("PLAYGROUND_SCENARIO_RUNS_PER_IP"),
      maxRuns: limit("PLAYGROUND_MAX_SCENARIO_RUNS"),
      connectionsPerIp: limit("PLAYGROUND_SCENARIO_CONNECTIONS_PER_IP"),
      maxConnections: limit("PLAYGROUND_MAX_SCENARIO_CONNECTIONS"),
    },
    quota: {
      maxKeys: limit("PLAYGROUND_MAX_KEYS"),
      maxBytes: limit("PLAYGROUND_MAX_NAMESPACE_BYTES"),
      maxStringBytes: limit("PLAYGROUND_MAX_STRING_BYTES"),
      maxBytesPerIp: limit("PLAYGROUND_MAX_BYTES_PER_IP"),
    },
    reply: { items: limit("PLAYGROUND_MAX_REPLY_ITEMS"), bytes: limit("PLAYGROUND_MAX_REPLY_BYTES") },
    maxMessageBytes: limit("PLAYGROUND_MAX_MESSAGE_BYTES"),
    redisTimeoutMs: limit("PLAYGROUND_REDIS_TIMEOUT_MS"),
    namespaceIdleMs: limit("PLAYGROUND_NAMESPACE_IDLE_SECONDS") * 1000,
    trustProxy: /^(1|true|yes)$/i.test(process.env.TRUST_PROXY ?? ""),
    redisCluster: /^(1|true|yes)$/i.test(process.env.REDIS_CLUSTER ?? ""),
  };
}

/**
 * What the embedded redis-server is started with (lib/redis/embedded.ts),
 * readable before any Redis URL or secret exists.
 */
export function embeddedRedisLimits(): { maxmemory: number; maxArgBytes: number; maxStringBytes: number } {
  return {
    maxmemory: limit("PLAYGROUND_REDIS_MAXMEMORY"),
    maxArgBytes: limit("PLAYGROUND_MAX_ARG_BYTES"),
    maxStringBytes: limit("PLAYGROUND_MAX_STRING_BYTES"),
  };
}

/** The budgets of lib/sandbox/costs.ts: read here so the sandbox needs no runtime (same environment as loadConfig). */
export function costLimits(): { maxCost: number; maxQueued: number; maxQueuedBytes: number; maxReplyBytes: number } {
  return {
    maxCost: limit("PLAYGROUND_MAX_COMMAND_COST"),
    maxQueued: limit("PLAYGROUND_MAX_QUEUED_COMMANDS"),
    maxQueuedBytes: limit("PLAYGROUND_MAX_QUEUED_BYTES"),
    maxReplyBytes: limit("PLAYGROUND_MAX_BUILT_REPLY_BYTES"),
  };
}

/** The classroom's limits (lib/http/rooms.ts, lib/classroom/rooms.ts). */
export function roomLimits(): {
  perIpHour: number;
  maxActive: number;
  size: number;
  actionsPerMinute: number;
  joinsPerIpMinute: number;
  joinMissesPerIpMinute: number;
  progressPer10s: number;
} {
  return {
    perIpHour: limit("PLAYGROUND_ROOMS_PER_IP_HOUR"),
    maxActive: limit("PLAYGROUND_MAX_ACTIVE_ROOMS"),
    size: limit("PLAYGROUND_ROOM_SIZE"),
    actionsPerMinute: limit("PLAYGROUND_ROOM_ACTIONS_PER_MINUTE"),
    joinsPerIpMinute: limit("PLAYGROUND_JOINS_PER_IP_MINUTE"),
    joinMissesPerIpMinute: limit("PLAYGROUND_JOIN_MISSES_PER_IP_MINUTE"),
    progressPer10s: limit("PLAYGROUND_PROGRESS_PER_10_SECONDS"),
  };
}

/** The endpoint for learners' own Redis clients (lib/endpoint/server.ts): where it listens, and its limits. */
export interface EndpointConfig {
  /** null: off (PLAYGROUND_RESP_PORT=off). 0: any free port. "auto": the first free port from 6380 on. */
  port: number | "auto" | null;
  bind: string;
  /** The host name clients are told to connect to (PLAYGROUND_RESP_HOST), when the bind address is not it. */
  publicHost?: string;
  tls?: { certFile: string; keyFile: string };
  perSession: number;
  perIp: number;
  max: number;
  idleMs: number;
  authMs: number;
  outputBytes: number;
  readAhead: number;
  subscriptions: number;
  wrongPasswordsPerMinute: number;
  namespaceConnections: number;
  totalOutputBytes: number;
}

export function endpointConfig(): EndpointConfig {
  const raw = (process.env.PLAYGROUND_RESP_PORT ?? "").trim().toLowerCase();
  let port: EndpointConfig["port"];
  if (raw === "" || raw === "auto") port = "auto";
  else if (raw === "off" || raw === "false" || raw === "no") port = null;
  else {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`PLAYGROUND_RESP_PORT must be a port number, 0 (any free port), auto or off (got "${raw}")`);
    port = n;
  }
  const certFile = process.env.PLAYGROUND_RESP_TLS_CERT;
  const keyFile = process.env.PLAYGROUND_RESP_TLS_KEY;
  if (!!certFile !== !!keyFile) throw new Error("PLAYGROUND_RESP_TLS_CERT and PLAYGROUND_RESP_TLS_KEY go together: set both (PEM files) for TLS, or neither.");
  return {
    port,
    bind: process.env.PLAYGROUND_RESP_BIND || "127.0.0.1",
    publicHost: process.env.PLAYGROUND_RESP_HOST || undefined,
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    perSession: limit("PLAYGROUND_RESP_CONNECTIONS_PER_SESSION"),
    perIp: limit("PLAYGROUND_RESP_CONNECTIONS_PER_IP"),
    max: limit("PLAYGROUND_RESP_MAX_CONNECTIONS"),
    idleMs: limit("PLAYGROUND_RESP_IDLE_SECONDS") * 1000,
    authMs: limit("PLAYGROUND_RESP_AUTH_SECONDS") * 1000,
    outputBytes: limit("PLAYGROUND_RESP_OUTPUT_BYTES"),
    readAhead: limit("PLAYGROUND_RESP_READ_AHEAD"),
    subscriptions: limit("PLAYGROUND_RESP_SUBSCRIPTIONS"),
    wrongPasswordsPerMinute: limit("PLAYGROUND_RESP_WRONG_PASSWORDS_PER_IP_MINUTE"),
    namespaceConnections: limit("PLAYGROUND_RESP_NAMESPACE_CONNECTIONS"),
    totalOutputBytes: limit("PLAYGROUND_RESP_TOTAL_OUTPUT_BYTES"),
  };
}

/** Lesson pages' reads that walk a namespace (app/actions.ts), per session per 2 s. */
export function heavyReadsPer2s(): number {
  return limit("PLAYGROUND_HEAVY_READS_PER_2_SECONDS");
}

/** Names and glob patterns (lib/sandbox/glob.ts). */
export function nameLimits(): { maxName: number; maxPattern: number } {
  return { maxName: limit("PLAYGROUND_MAX_NAME_BYTES"), maxPattern: limit("PLAYGROUND_MAX_PATTERN_BYTES") };
}

/** New sessions per client address per minute (lib/session.ts admitNewSession). */
export function sessionsPerIpMinute(): number {
  return limit("PLAYGROUND_SESSIONS_PER_IP_MINUTE");
}
