import { loadConfig, type Config } from "@/lib/config";
import { RespConnection, type ConnectionOptions, type RedisLink, type RedisTarget } from "@/lib/redis/resp-connection";
import { ClusterMap } from "@/lib/redis/cluster";
import { RoutedConnection } from "@/lib/redis/routed";
import { keySlot } from "@/lib/redis/slots";
import { decodeBudget } from "@/lib/resp/truncate";
import { attachDocTokens, parseCommandTable, type CommandTable } from "@/lib/sandbox/command-table";
import { NamespaceUsers, type Sender } from "@/lib/sandbox/acl-users";
import type { Namespace } from "@/lib/sandbox/namespace";
import { parseCommandDocs, type CommandDoc } from "@/lib/command-docs";
import { internalError, SandboxError } from "@/lib/errors";
import { LeasePool } from "@/lib/sandbox/leases";
import { AddressMemory, QuotaKeeper } from "@/lib/sandbox/limits";
import { WorkBudget } from "@/lib/sandbox/work-budget";
import { Hooks } from "@/lib/hooks";
import { installClassroom } from "@/lib/classroom/plugin";
import { SubscriberHub } from "@/lib/streaming/subscriber-hub";

/**
 * The process-wide state: one shared connection and the live server's command
 * table and docs. Kept on globalThis because the custom server and Next's
 * server bundle each load their own copy of lib/; they must share one runtime.
 */
export interface Runtime {
  config: Config;
  /**
   * Shared sandbox connection: every session's plain commands, each run as the
   * namespace's own ACL user through `scoped(ns)` (never send on it directly
   * for a namespace).
   */
  conn: RedisLink;
  /** The cluster's slot map, when REDIS_CLUSTER is set (lib/redis/cluster.ts); null on a single Redis. */
  cluster: ClusterMap | null;
  /** Where dedicated sandbox connections connect, as whom: the resting user when there are per-namespace users. */
  sandboxTarget: RedisTarget;
  /** Deadline, blocking allowance and reply cap of every connection a visitor's commands travel on. */
  visitorConn: ConnectionOptions;
  /** Per-namespace ACL users; null when no warden is configured (one shared sandbox user). */
  users: NamespaceUsers | null;
  /** Sends as the namespace's own ACL user on the shared connection. */
  scoped(ns: Namespace): Sender;
  /** Authenticates a dedicated connection (lease, worker) as the namespace's user. */
  login(conn: RespConnection, ns: Namespace): Promise<void>;
  /** Where a namespace's dedicated connections (leases, scenario workers) connect: its master on a cluster. */
  targetFor(ns: Namespace): RedisTarget;
  /** The app's own data (app:*), under another ACL user. */
  appConn: RedisLink;
  /** Dedicated connections for transactions and blocking commands. */
  leases: LeasePool;
  quotas: QuotaKeeper;
  /** The process's one subscriber connection, created on first use. */
  hub(): SubscriberHub;
  /** The hub if a stream opened it, without opening it. */
  openHub(): SubscriberHub | null;
  /** Work per second per session and per address (lib/sandbox/work-budget.ts). */
  work: WorkBudget;
  /** Where features plug into the command path and the reaper (lib/hooks.ts). */
  hooks: Hooks;
  commandTable(): Promise<CommandTable>;
  commandDocs(): Promise<CommandDoc[]>;
  close(): void;
}

const KEY = Symbol.for("redis-playground.runtime");
type G = typeof globalThis & { [KEY]?: Runtime };

export function runtime(): Runtime {
  const g = globalThis as G;
  return (g[KEY] ??= createRuntime(loadConfig()));
}

/** Replaces the process runtime (tests point it at their own redis-server). */
export function resetRuntime(): void {
  const g = globalThis as G;
  g[KEY]?.close();
  delete g[KEY];
}

function createRuntime(config: Config): Runtime {
  // On a Redis Cluster every shared connection is routed by slot (lib/redis/routed.ts); the map is read as the app's user.
  const cluster = config.redisCluster ? new ClusterMap(config.appRedis, { timeoutMs: config.redisTimeoutMs }) : null;
  const mapReady = cluster?.start(30_000);
  mapReady?.catch((e) => console.error(`[cluster] could not read the slot map: ${(e as Error).message}`));
  const link = (target: RedisTarget, name: string, options: ConnectionOptions): RedisLink =>
    cluster ? new RoutedConnection(cluster, target, name, options, mapReady) : new RespConnection(target, name, options);
  const warden = config.aclRedis ? link(config.aclRedis, "playground-warden", { timeoutMs: config.redisTimeoutMs, noEvict: true }) : null;
  const users = warden ? new NamespaceUsers(warden, config.sessionSecret) : null;
  // With per-namespace users, shared and pooled connections rest as a user that can do nothing.
  const sandboxTarget = users ? { ...config.redis, ...users.rest() } : config.redis;
  if (warden && users) {
    warden.on("ready", () => void users.ensureRest().catch((e) => console.error(`[acl] ${(e as Error).message}`)));
  }
  // Visitors' replies are capped while they are read; every connection has a deadline (lib/redis/resp-connection.ts).
  const visitorConn = {
    timeoutMs: config.redisTimeoutMs,
    maxBlockMs: config.maxBlockSeconds * 1000,
    replyCap: decodeBudget(config.reply, { items: config.maxArgs + 16, bytes: config.maxCommandBytes }),
  };
  // The shared connections are exempt from client eviction (maxmemory-clients): every visitor depends on them.
  const conn = link(sandboxTarget, "playground", { ...visitorConn, noEvict: true });
  const appConn = link(config.appRedis, "playground-app", { timeoutMs: config.redisTimeoutMs, noEvict: true });
  const leases = new LeasePool({ ...sandboxTarget, connection: visitorConn }, config.leases, cluster ?? undefined);
  let hub: SubscriberHub | null = null;
  const addresses = new AddressMemory(appConn, { maxBytes: config.quota.maxBytesPerIp, idleMs: config.namespaceIdleMs, staleMs: 2000 });
  // The composition root: the classroom plugs in here, the core never imports it.
  const hooks = new Hooks();
  installClassroom(hooks);
  const quotas = new QuotaKeeper({ maxKeys: config.quota.maxKeys, maxBytes: config.quota.maxBytes, staleMs: 2000 }, addresses);
  let table: Promise<CommandTable> | null = null;
  let docs: Promise<CommandDoc[]> | null = null;
  // The server may be upgraded or restarted: re-read its commands when it comes back.
  conn.on("ready", () => {
    table = null;
    docs = null;
  });
  const load = async <T>(argv: string[], parse: (r: import("@/lib/resp/reply").Reply) => T): Promise<T> => {
    await conn.waitReady();
    const r = await conn.send(argv, { replyCap: null }); // COMMAND, COMMAND DOCS: whole
    if (r.t === "error") throw internalError(`${argv.join(" ")} failed: ${r.v}`);
    return parse(r);
  };
  const scopedCache = new Map<string, Sender>();
  return {
    config,
    conn,
    cluster,
    appConn,
    users,
    sandboxTarget,
    visitorConn,
    scoped(ns) {
      if (!users) return conn;
      let s = scopedCache.get(ns.prefix);
      if (!s) {
        s = users.scoped(conn, ns);
        if (scopedCache.size >= 10_000) scopedCache.delete(scopedCache.keys().next().value!);
        scopedCache.set(ns.prefix, s);
      }
      return s;
    },
    async login(c, ns) {
      if (users) await users.login(c, ns);
    },
    targetFor(ns) {
      const node = cluster?.nodeFor(keySlot(ns.prefix));
      if (cluster && !node) throw new SandboxError("redis_unavailable");
      return node ? { ...sandboxTarget, host: node.host, port: node.port } : sandboxTarget;
    },
    leases,
    quotas,
    work: new WorkBudget(config.work),
    hooks,
    openHub() {
      return hub;
    },
    hub() {
      return (hub ??= new SubscriberHub({ ...config.hubRedis, connection: { timeoutMs: config.redisTimeoutMs } }, cluster ?? undefined));
    },
    commandTable() {
      // Key specs from COMMAND, keyword tokens from COMMAND DOCS (args.ts reads both).
      return (table ??= Promise.all([load(["COMMAND"], parseCommandTable), load(["COMMAND", "DOCS"], (r) => r)])
        .then(([t, d]) => attachDocTokens(t, d))
        .catch((e) => {
          table = null;
          throw e;
        }));
    },
    commandDocs() {
      return (docs ??= load(["COMMAND", "DOCS"], parseCommandDocs).catch((e) => {
        docs = null;
        throw e;
      }));
    },
    close() {
      conn.close();
      appConn.close();
      warden?.close();
      leases.close();
      hub?.close();
      cluster?.close();
    },
  };
}
