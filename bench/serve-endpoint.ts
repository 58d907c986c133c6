/**
 * A private redis-server and the endpoint for learners' own clients on it,
 * without the web app (no Next build): for trying clients by hand and for
 * bench/endpoint.ts. Prints one JSON line {endpointPort, redisPort,
 * redisPassword, password} and runs until Ctrl-C or SIGTERM. Extra
 * environment (PLAYGROUND_RESP_*, PLAYGROUND_RATE_*) is applied as given.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appEnv, startRedisServer } from "@/lib/redis/embedded";

process.env.SESSION_SECRET ||= "endpoint-bench-secret-endpoint-bench";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-endpoint-"));
const redis = await startRedisServer({ dir });
Object.assign(process.env, appEnv(redis));
const { runtime } = await import("@/lib/runtime");
const { startEndpoint } = await import("@/lib/endpoint/server");
const { endpointConfig } = await import("@/lib/config");
const { issueSession } = await import("@/lib/session");
const { endpointCredentials } = await import("@/lib/endpoint/credentials");
const rt = runtime();
await Promise.all([rt.conn.waitReady(), rt.appConn.waitReady()]);
const ep = await startEndpoint({ ...endpointConfig(), port: Number(process.env.PLAYGROUND_RESP_PORT || 0) });
if (!ep) throw new Error("PLAYGROUND_RESP_PORT=off");
const { session } = issueSession(rt.config.sessionSecret);
const { password } = await endpointCredentials(rt.appConn, rt.config.sessionSecret, session.id, "en", 3_600_000);
// A second visitor, for trying one visitor's client against another's keys.
const other = issueSession(rt.config.sessionSecret).session;
const otherPassword = (await endpointCredentials(rt.appConn, rt.config.sessionSecret, other.id, "en", 3_600_000)).password;
console.log(
  JSON.stringify({
    endpointPort: ep.port,
    redisPort: redis.port,
    redisPassword: redis.passwords.admin,
    password,
    session: session.id,
    otherPassword,
    otherSession: other.id,
  }),
);
process.send?.({ ready: true, endpointPort: ep.port, redisPort: redis.port, redisPassword: redis.passwords.admin, password });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await ep.close();
  rt.close();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void stop());
process.on("disconnect", () => void stop());
