/**
 * The e2e web server: a private redis-server (the tests stop and restart it to
 * check the outage banner) and the app pointed at it through REDIS_URL.
 * Writes e2e/.state.json so specs can find that Redis.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appEnv, startRedisServer } from "@/lib/redis/embedded";
import { statePath } from "./state";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-e2e-redis-"));
const redis = await startRedisServer({ dir });
fs.writeFileSync(statePath, JSON.stringify({ redisPort: redis.port, redisPasswords: redis.passwords, redisDir: dir, redisPid: redis.pid }));
Object.assign(process.env, appEnv(redis));
// Every browser context is a new visitor from 127.0.0.1: lift the per-address session cap for the suite.
process.env.PLAYGROUND_SESSIONS_PER_IP_MINUTE ??= "100000";
process.env.REDIS_URL = redis.urls.playground;
process.env.REDIS_APP_URL = redis.urls.app;
process.env.REDIS_HUB_URL = redis.urls.hub;
process.env.SESSION_SECRET ||= "e2e-secret-e2e-secret-e2e-secret";

const { startServer } = await import("../server");
const server = await startServer({ port: Number(process.env.PORT), dir: path.resolve(import.meta.dirname, "..") });
console.log(`e2e server on ${server.port}, redis on ${redis.port}`);

const stop = async () => {
  await server.close().catch(() => {});
  await redis.stop();
  // A redis-server restarted by a spec is not our child: stop it by its port's pid file.
  try {
    const s = JSON.parse(fs.readFileSync(statePath, "utf8"));
    if (s.redisPid && s.redisPid !== redis.pid) process.kill(s.redisPid, "SIGTERM");
  } catch {}
  fs.rmSync(statePath, { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
