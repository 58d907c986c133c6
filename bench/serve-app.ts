/**
 * Bench child: a private redis-server on a free port (never 6379) in a temp
 * dir, and the app (server.ts) pointed at it, in its own process so the load
 * generator does not share the app's event loop. Started by bench/run.ts over
 * IPC; stops its redis-server when told to, on signals, or when the parent goes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appEnv, freePort, startRedisServer } from "@/lib/redis/embedded";

process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.SESSION_SECRET ||= "bench-secret-bench-secret-bench-secret";
delete process.env.PLAYGROUND_REDIS_URL;

const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-bench-redis-"));
let stopping = false;
let stopServer: () => Promise<void> = async () => {};
let stopRedis: () => Promise<void> = async () => {};
let redisPid = 0;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => {
    try {
      if (redisPid) process.kill(redisPid, "SIGKILL");
    } catch {}
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(code || 1);
  }, 8000);
  force.unref();
  await stopServer().catch(() => {});
  await stopRedis().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
// Ctrl-C reaches the whole process group; the parent also sends SIGTERM.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void stop(0));
process.on("disconnect", () => void stop(0)); // the parent went away, even by SIGKILL
// …and then our stdout/stderr pipes are broken: a log line must not crash the cleanup.
for (const s of [process.stdout, process.stderr]) s.on("error", () => {});

try {
  const redis = await startRedisServer({ dir });
  stopRedis = () => redis.stop();
  redisPid = redis.pid;
  Object.assign(process.env, appEnv(redis));
  process.env.REDIS_URL = redis.urls.playground;
  process.env.REDIS_APP_URL = redis.urls.app;
  process.env.REDIS_HUB_URL = redis.urls.hub;
  const { startServer } = await import("../server");
  const { runtime } = await import("@/lib/runtime");
  const server = await startServer({ port: await freePort(), host: "127.0.0.1", dir: root });
  stopServer = () => server.close();
  const { flattenConfig } = await import("./limits");
  process.send?.({
    ready: true,
    port: server.port,
    redisUrl: redis.urls.admin,
    playgroundUrl: redis.urls.playground,
    redisPort: redis.port,
    redisPid: redis.pid,
    config: flattenConfig(runtime().config as unknown as Record<string, unknown>),
  });
} catch (e) {
  console.error(`[bench app] ${(e as Error).stack ?? e}`);
  await stop(1);
}
