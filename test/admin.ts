import Redis, { Cluster } from "ioredis";
import { inject } from "vitest";
import { ClusterConnection, ClusterMap } from "@/lib/redis/cluster";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { keySlot } from "@/lib/redis/slots";
import type { Reply } from "@/lib/resp/reply";

/**
 * The admin user's view of the test's Redis, for audits from outside: one
 * server, or on the cluster suite (PLAYGROUND_TEST_CLUSTER=1) every command
 * sent to the master of its key's slot, so a namespace's keys and channels
 * are read where they live.
 */
export interface AdminConnection {
  /** Sent to the master of the slot of `routeKey`, else of the first argument after the name with a `{hash tag}`, else of argv[1]. */
  send(argv: readonly (Uint8Array | string)[], routeKey?: string): Promise<Reply>;
  close(): void;
}

const text = (a: Uint8Array | string) => (typeof a === "string" ? a : Buffer.from(a).toString("latin1"));

function routingArg(argv: readonly (Uint8Array | string)[]): Uint8Array | string {
  return argv.slice(1).find((a) => /\{[^}]+\}/.test(text(a))) ?? argv[1] ?? "";
}

export async function adminConnection(name = "test-admin"): Promise<AdminConnection> {
  const target = parseRedisUrl(inject("redisUrl"));
  if (!inject("cluster")) {
    const conn = new RespConnection(target, name);
    await conn.waitReady();
    return { send: (argv) => conn.send(argv), close: () => conn.close() };
  }
  const map = new ClusterMap(target);
  await map.start();
  const conns = new ClusterConnection(map, target, name);
  return {
    send: (argv, routeKey) => conns.send(keySlot(routeKey ?? routingArg(argv)), argv),
    close: () => {
      conns.close();
      map.close();
    },
  };
}

/** An ioredis admin client: a Redis, or a Cluster (which routes each keyed command by its slot). */
export async function adminRedis(): Promise<Redis | Cluster> {
  const url = new URL(inject("redisUrl"));
  if (!inject("cluster")) {
    const r = new Redis(inject("redisUrl"), { lazyConnect: true });
    await r.connect();
    return r;
  }
  const auth = { username: decodeURIComponent(url.username) || undefined, password: decodeURIComponent(url.password) || undefined };
  const c = new Cluster([{ host: url.hostname, port: Number(url.port) }], { redisOptions: auth, lazyConnect: true });
  await c.connect();
  return c;
}

/** KEYS on every master (one server: on it). */
export async function keysEverywhere(admin: Redis | Cluster, pattern: string): Promise<string[]> {
  if (!(admin instanceof Cluster)) return admin.keys(pattern);
  const all = await Promise.all(admin.nodes("master").map((n) => n.keys(pattern)));
  return all.flat();
}
