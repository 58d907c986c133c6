import { afterAll, beforeAll, inject } from "vitest";
import { resetRuntime, runtime, type Runtime } from "@/lib/runtime";
import { appEnv, type RedisPasswords } from "@/lib/redis/embedded";

/** Limits a test sends far past (a learner never would). */
const LIFTED = {
  PLAYGROUND_WORK_PER_SESSION: "1000000000",
  PLAYGROUND_WORK_PER_IP: "1000000000",
  PLAYGROUND_COMMANDS_IN_FLIGHT: "100000",
  PLAYGROUND_RATE_PER_SESSION: "1000000",
  PLAYGROUND_RATE_PER_IP: "1000000",
  PLAYGROUND_ROOMS_PER_IP_HOUR: "1000000",
  PLAYGROUND_SESSIONS_PER_IP_MINUTE: "1000000",
};

/**
 * Points the process runtime at the test redis-server, with any limits the
 * test file needs (`{ PLAYGROUND_MAX_KEYS: "20" }`). Rate limits are lifted
 * unless given: tests send commands far faster than a learner.
 */
export function useTestRuntime(env: Record<string, string> = {}) {
  Object.assign(process.env, LIFTED, env);
  process.env.PLAYGROUND_REDIS_URL = inject("sandboxUrl");
  process.env.PLAYGROUND_APP_REDIS_URL = inject("appUrl");
  process.env.PLAYGROUND_HUB_REDIS_URL = inject("hubUrl");
  process.env.PLAYGROUND_ACL_REDIS_URL = inject("wardenUrl");
  if (inject("cluster")) process.env.REDIS_CLUSTER = "1";
  else delete process.env.REDIS_CLUSTER;
  process.env.SESSION_SECRET ??= "test-secret-test-secret-test-secret";
  resetRuntime();
  const rt = runtime();
  return rt;
}

/**
 * The JSON API (lib/http/api.ts) on a real HTTP server on a free port for the
 * file's tests, closed after them. `api.base` is set once the server listens.
 */
export function useApiServer(rt: { conn: { waitReady(): Promise<void> } }): { base: string } {
  const api = { base: "" };
  let server: import("node:http").Server;
  beforeAll(async () => {
    const http = await import("node:http");
    const { handleApi } = await import("@/lib/http/api");
    await rt.conn.waitReady();
    server = http.createServer((req, res) => void handleApi(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api.base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return api;
}

/**
 * Points the process runtime at a redis-server the test started itself
 * (startRedisServer: its own users, warden included), with the rate limits
 * lifted and `env` on top. `perVisitor: false` runs every visitor as the one
 * shared sandbox user, as a REDIS_URL setup without a warden does.
 */
export async function useRuntimeOn(
  redis: { urls: Record<keyof RedisPasswords, string> },
  env: Record<string, string> = {},
  opts: { perVisitor?: boolean; cluster?: boolean } = {},
): Promise<Runtime> {
  Object.assign(process.env, appEnv(redis), LIFTED, env);
  // A server of the test's own is one node, unless the test started a cluster.
  if (opts.cluster) process.env.REDIS_CLUSTER = "1";
  else delete process.env.REDIS_CLUSTER;
  if (opts.perVisitor === false) delete process.env.PLAYGROUND_ACL_REDIS_URL;
  process.env.SESSION_SECRET ??= "test-secret-test-secret-test-secret";
  resetRuntime();
  const rt = runtime();
  await Promise.all([rt.conn.waitReady(), rt.appConn.waitReady()]);
  return rt;
}
