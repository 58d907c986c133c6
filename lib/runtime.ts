import { loadConfig, type Config } from "@/lib/config";
import { RespConnection } from "@/lib/redis/resp-connection";
import { parseCommandTable, type CommandTable } from "@/lib/sandbox/command-table";
import { parseCommandDocs, type CommandDoc } from "@/lib/command-docs";
import { SandboxError } from "@/lib/errors";
import { LeasePool } from "@/lib/sandbox/leases";
import { QuotaKeeper } from "@/lib/sandbox/limits";
import { SubscriberHub } from "@/lib/streaming/subscriber-hub";

/**
 * The process-wide state: one shared connection and the live server's command
 * table and docs. Kept on globalThis because the custom server and Next's
 * server bundle each load their own copy of lib/; they must share one runtime.
 */
export interface Runtime {
  config: Config;
  /** Shared sandbox connection: every session's plain commands. */
  conn: RespConnection;
  /** The app's own data (app:*), under another ACL user. */
  appConn: RespConnection;
  /** Dedicated connections for transactions and blocking commands. */
  leases: LeasePool;
  quotas: QuotaKeeper;
  /** The process's one subscriber connection, created on first use. */
  hub(): SubscriberHub;
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
  const conn = new RespConnection(config.redis, "playground");
  const appConn = new RespConnection(config.appRedis, "playground-app");
  const leases = new LeasePool(config.redis, config.leases);
  let hub: SubscriberHub | null = null;
  const quotas = new QuotaKeeper({ maxKeys: config.quota.maxKeys, maxBytes: config.quota.maxBytes, staleMs: 2000 });
  let table: Promise<CommandTable> | null = null;
  let docs: Promise<CommandDoc[]> | null = null;
  // The server may be upgraded or restarted: re-read its commands when it comes back.
  conn.on("ready", () => {
    table = null;
    docs = null;
  });
  const load = async <T>(argv: string[], parse: (r: import("@/lib/resp/reply").Reply) => T): Promise<T> => {
    await conn.waitReady();
    const r = await conn.send(argv);
    if (r.t === "error") throw new SandboxError("internal", `${argv.join(" ")} failed: ${r.v}`);
    return parse(r);
  };
  return {
    config,
    conn,
    appConn,
    leases,
    quotas,
    hub() {
      return (hub ??= new SubscriberHub(config.hubRedis));
    },
    commandTable() {
      return (table ??= load(["COMMAND"], parseCommandTable).catch((e) => {
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
      leases.close();
      hub?.close();
    },
  };
}
