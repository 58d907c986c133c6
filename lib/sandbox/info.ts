import type { Reply } from "@/lib/resp/reply";
import { RespConnection, type RedisTarget } from "@/lib/redis/resp-connection";
import { processState } from "@/lib/process-state";
import type { Sender } from "./acl-users";
import { redisWord } from "./args";
import { type Found, type KeyIndex, PTTL, type Probe } from "./key-index";
import type { Namespace } from "./namespace";

/**
 * INFO, emulated per visitor (docs/architecture.md "The sandbox"): what a
 * plain Redis 7.0 prints, in its exact format, with only what is the visitor's
 * own or teaches without leaking anything.
 *
 * - `# Server`: the real server's build and clock (version, mode, OS, arch,
 *   event loop, compiler, uptime, hz, LRU clock), read with a user that may run
 *   INFO (the subscriber hub's, README "Using your own Redis"). Never what tells
 *   one process or machine from another: process_id, run_id, tcp_port,
 *   executable, config_file, server_time_usec, the build id.
 * - `# Memory`: the visitor's keys' memory (the sum of their MEMORY USAGE as
 *   the visitor sees it), their namespace's quota as maxmemory (a write past it
 *   is refused: noeviction), and the server's allocator.
 * - `# Stats`: the visitor's own pub/sub (and shard) channels. The app keeps no
 *   per-visitor command or hit counts, so those fields are left out rather
 *   than showing the server's.
 * - `# Keyspace`: the visitor's own db0 line, none when they have no keys.
 * Server-wide sections (clients, persistence, replication, cpu, commandstats,
 * …) are left out: `INFO clients` answers an empty string, as Redis does for
 * a section it does not have.
 */

/** Redis 7.0's sections, in its order; `default` is INFO without arguments (server.c genInfoSectionDict). */
const DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"];

/**
 * The real server's `# Server` fields a visitor sees: its build, nothing that tells one process or host
 * from another (`os` without the kernel's release: see serverLines). No uptime or LRU clock: they date
 * the process's start, so they tell instances apart and show a restart (and when its data was lost).
 */
export const SERVER_FIELDS = ["redis_version", "redis_mode", "os", "arch_bits", "multiplexing_api", "gcc_version", "hz", "configured_hz"] as const;

/** Fields no visitor ever sees: they tell one server process or host from another. */
export const FORBIDDEN_FIELDS = [
  "process_id",
  "run_id",
  "tcp_port",
  "executable",
  "config_file",
  "server_time_usec",
  "redis_build_id",
  "uptime_in_seconds",
  "uptime_in_days",
  "lru_clock",
];

/** How long the real server's INFO is reused. */
const FACTS_MS = 10_000;

interface ServerFacts {
  /** The real `# Server` fields, in Redis's order, filtered to SERVER_FIELDS. */
  server: Array<[string, string]>;
  memAllocator?: string;
  at: number;
}

export interface InfoContext {
  /** The visitor's own ACL user (or the shared sandbox user). */
  conn: Sender;
  ns: Namespace;
  index: KeyIndex;
  /** The namespace's memory quota (PLAYGROUND_MAX_NAMESPACE_BYTES), shown as maxmemory. */
  maxBytes?: number;
  /** MEMORY USAGE of a key as the visitor sees it (sandbox.ts takes the namespace prefix's share off). */
  visibleMemory(keyBytes: number, stored: number): number;
}

/** INFO's reply for these arguments (lower-cased as Redis reads them), printed raw as redis-cli prints INFO. */
export async function info(ctx: InfoContext, args: Uint8Array[]): Promise<Reply> {
  const want = wanted(args.map((a) => redisWord(a)));
  const sections: Array<[string, string[]]> = [];
  if (want("server")) sections.push(["Server", await serverSection(ctx.conn)]);
  if (want("memory")) sections.push(["Memory", await memorySection(ctx)]);
  if (want("stats")) sections.push(["Stats", await statsSection(ctx)]);
  if (want("keyspace")) sections.push(["Keyspace", await keyspaceSection(ctx)]);
  const text = sections.map(([name, lines]) => `# ${name}\r\n${lines.map((l) => `${l}\r\n`).join("")}`).join("\r\n");
  return { t: "verbatim", format: "raw", v: text };
}

/** Which sections the arguments ask for: none is `default`; `all` and `everything` are every one; unknown names ask for nothing. */
function wanted(args: string[]): (section: string) => boolean {
  if (args.length === 0) return (s) => DEFAULT_SECTIONS.includes(s);
  if (args.includes("all") || args.includes("everything")) return () => true;
  const named = new Set(args.flatMap((a) => (a === "default" ? DEFAULT_SECTIONS : [a])));
  return (s) => named.has(s);
}

async function serverSection(conn: Sender): Promise<string[]> {
  const facts = await serverFacts();
  if (!facts) {
    // No user that may run INFO: the version and mode HELLO tells any connection.
    const hello = await conn.send(["HELLO"]); // no protocol argument: changes nothing
    const v = hello.t === "array" || hello.t === "map" ? hello.v : [];
    const field = (name: string) => {
      const i = v.findIndex((r) => r.t === "bulk" && r.v === name);
      const r = v[i + 1];
      return i >= 0 && r && (r.t === "bulk" || r.t === "status") ? r.v : undefined;
    };
    return [`redis_version:${field("version") ?? "unknown"}`, `redis_mode:${field("mode") ?? "standalone"}`];
  }
  // "Linux 6.18.44-fc-v1272 x86_64": the system and the machine, not the kernel's release and build.
  return facts.server.map(([k, v]) => (k === "os" ? `${k}:${osOf(v)}` : `${k}:${v}`));
}

export const osOf = (os: string): string => {
  const words = os.split(" ");
  return words.length >= 3 ? `${words[0]} ${words[words.length - 1]}` : words[0];
};

/** MEMORY USAGE with the default samples: cheap for any key (SAMPLES 0 would read every element). */
const MEMORY_SAMPLED: Probe = { argv: (k) => ["MEMORY", "USAGE", k], missing: (r) => r.t === "nil" };

async function memorySection(ctx: InfoContext): Promise<string[]> {
  let used = 0;
  await ctx.index.walk(ctx.conn, ctx.ns, MEMORY_SAMPLED, (found: Found[]) => {
    for (const f of found) if (f.reply.t === "integer") used += ctx.visibleMemory(f.name.length, Number(f.reply.v));
  });
  const lines = [`used_memory:${used}`, `used_memory_human:${bytesToHuman(used)}`];
  if (ctx.maxBytes !== undefined) lines.push(`maxmemory:${ctx.maxBytes}`, `maxmemory_human:${bytesToHuman(ctx.maxBytes)}`, "maxmemory_policy:noeviction");
  const allocator = (await serverFacts())?.memAllocator;
  if (allocator) lines.push(`mem_allocator:${allocator}`);
  return lines;
}

async function statsSection(ctx: InfoContext): Promise<string[]> {
  // The visitor's channels with at least one subscriber, as PUBSUB CHANNELS and SHARDCHANNELS see them in the namespace.
  const [plain, shard] = await Promise.all([
    ctx.conn.send(["PUBSUB", "CHANNELS", ctx.ns.pattern()]),
    ctx.conn.send(["PUBSUB", "SHARDCHANNELS", ctx.ns.pattern()]),
  ]);
  const lines: string[] = [];
  if (plain.t === "array") lines.push(`pubsub_channels:${plain.v.length}`);
  if (shard.t === "array") lines.push(`pubsubshard_channels:${shard.v.length}`);
  return lines;
}

async function keyspaceSection(ctx: InfoContext): Promise<string[]> {
  let keys = 0;
  let expires = 0;
  let ttlSum = 0;
  // PTTL tells both: -2 is a key that is gone (pruned), ≥ 0 one that expires.
  await ctx.index.walk(ctx.conn, ctx.ns, PTTL, (found) => {
    keys += found.length;
    for (const f of found) {
      const ms = f.reply.t === "integer" ? Number(f.reply.v) : -1;
      if (ms >= 0) {
        expires++;
        ttlSum += ms;
      }
    }
  });
  // Redis's avg_ttl is a running estimate from its expiry sampling; this is the exact mean, in ms.
  return keys > 0 ? [`db0:keys=${keys},expires=${expires},avg_ttl=${expires > 0 ? Math.floor(ttlSum / expires) : 0}`] : [];
}

/**
 * Redis's bytesToHuman (util.c): bytes below 1 KiB, then K, M, G with two
 * decimals, rounded as printf's %.2f rounds the exact binary value (half to even).
 */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units: Array<[number, string]> = [
    [1024 ** 2, "K"],
    [1024 ** 3, "M"],
    [1024 ** 4, "G"],
  ];
  for (const [below, unit] of units) {
    if (n < below || unit === "G") {
      const div = BigInt(below / 1024);
      const scaled = BigInt(n) * 100n;
      let q = scaled / div;
      const r = scaled % div;
      if (r * 2n > div || (r * 2n === div && q % 2n === 1n)) q += 1n;
      return `${q / 100n}.${String(q % 100n).padStart(2, "0")}${unit}`;
    }
  }
  return `${n}B`;
}

/** The real server's INFO, read at most every FACTS_MS by this process; null when no user here may run INFO. */
async function serverFacts(): Promise<ServerFacts | null> {
  const state = processState("sandbox.info", (): { facts: ServerFacts | null; at: number; pending: Promise<ServerFacts | null> | null } => ({
    facts: null,
    at: 0,
    pending: null,
  }));
  if (Date.now() - state.at < FACTS_MS) return state.facts;
  state.pending ??= readServerFacts()
    .catch(() => null)
    .then((facts) => {
      Object.assign(state, { facts, at: Date.now(), pending: null });
      return facts;
    });
  return state.pending;
}

const RUNTIME = Symbol.for("redis-playground.runtime"); // lib/runtime.ts keeps the process runtime there

/** INFO server and INFO memory on a short-lived connection as the subscriber hub's user, which may run INFO and touches no keys. */
async function readServerFacts(): Promise<ServerFacts | null> {
  const rt = (globalThis as typeof globalThis & { [RUNTIME]?: { config?: { hubRedis?: RedisTarget; redisTimeoutMs?: number } } })[RUNTIME];
  const target = rt?.config?.hubRedis;
  if (!target) return null;
  const conn = new RespConnection(target, "playground-info", { timeoutMs: rt?.config?.redisTimeoutMs ?? 2000 });
  try {
    await conn.waitReady(2000);
    const [server, memory] = await Promise.all([conn.send(["INFO", "server"]), conn.send(["INFO", "memory"])]);
    if (server.t !== "bulk") return null;
    const allowed = new Set<string>(SERVER_FIELDS);
    return {
      server: fields(server.v).filter(([k]) => allowed.has(k)),
      memAllocator: memory.t === "bulk" ? fields(memory.v).find(([k]) => k === "mem_allocator")?.[1] : undefined,
      at: Date.now(),
    };
  } finally {
    conn.close();
  }
}

/** `name:value` lines of an INFO reply, in order. */
export function fields(text: string): Array<[string, string]> {
  return text
    .split("\r\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)] as [string, string]);
}
