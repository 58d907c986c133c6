/**
 * `npm start`: build when needed, start an embedded redis-server unless
 * REDIS_URL is set, then serve the app on PORT (3000). Ctrl-C or SIGTERM stops
 * the app and the redis-server it started.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { appEnv, hasRedisServer, newPasswords, REDIS_MISSING, superviseRedisServer, type EmbeddedRedis, type SupervisedRedis } from "@/lib/redis/embedded";
import { buildIsCurrent, writeBuildStamp } from "./build-stamp";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(root, process.env.PLAYGROUND_DATA_DIR || ".data");
const dev = process.argv.includes("--dev");

function fail(sentence: string): never {
  console.error(`\n✖ ${sentence}\n`);
  process.exit(1);
}

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

async function main() {
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a port number (got "${process.env.PORT}").`);
  if (!process.env.REDIS_URL && !hasRedisServer()) fail(REDIS_MISSING);

  if (!dev && !buildIsCurrent(root)) {
    console.log("▸ Building the app (first start, or the sources changed)…");
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) fail("next build failed; see the output above.");
    writeBuildStamp(root);
  }

  fs.mkdirSync(dataDir, { recursive: true });
  process.env.SESSION_SECRET ||= readOrCreate(path.join(dataDir, "session-secret"), () => randomBytes(32).toString("base64url"));

  let redis: SupervisedRedis | null = null;
  if (process.env.REDIS_URL) {
    console.log(`▸ Using Redis at ${redactUrl(process.env.REDIS_URL)} (REDIS_URL)`);
  } else {
    // Users added in later versions get a password too (older .data/ files lack them).
    const passwords = { ...newPasswords(), ...JSON.parse(readOrCreate(path.join(dataDir, "redis-passwords.json"), () => JSON.stringify(newPasswords()))) };
    fs.writeFileSync(path.join(dataDir, "redis-passwords.json"), JSON.stringify(passwords), { mode: 0o600 });
    // Started again on the same port if it dies (lib/redis/embedded.ts superviseRedisServer): the app reconnects by itself.
    const runtimeFile = (r: EmbeddedRedis) =>
      fs.writeFileSync(path.join(dataDir, "runtime.json"), JSON.stringify({ host: "127.0.0.1", port: r.port, pid: r.pid }), { mode: 0o600 });
    redis = await superviseRedisServer({ dir: path.join(dataDir, "redis"), passwords, persist: true }, console.log, runtimeFile);
    const r = redis.current;
    Object.assign(process.env, appEnv(r));
    runtimeFile(r);
    console.log(
      `▸ Started an embedded redis-server on 127.0.0.1:${r.port} (data in ${path.relative(process.cwd(), path.join(dataDir, "redis")) || "."}; npm run redis-cli opens it)`,
    );
  }

  const { startServer } = await import("../server");
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ port, dev, dir: root });
  } catch (e) {
    await redis?.stop();
    const err = e as NodeJS.ErrnoException;
    fail(
      err.code === "EADDRINUSE"
        ? `Port ${port} is already in use: stop what is using it, or set PORT to another port.`
        : `The server did not start: ${err.message}`,
    );
  }
  console.log(`\n  Redis Playground is running at http://localhost:${server.port}`);
  const ep = server.endpoint;
  if (ep) {
    console.log(
      `  Redis endpoint for your own clients: ${ep.tls ? "TLS " : ""}${ep.host}:${ep.port} (redis-cli -p ${ep.port}${ep.tls ? " --tls" : ""} --user default --pass <password from the "Connect your own client" panel>)\n`,
    );
  } else {
    console.log("  Redis endpoint for your own clients: off (PLAYGROUND_RESP_PORT=off)\n");
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    redis?.letGo(); // Ctrl-C signals the whole process group: redis-server may exit first, and must not be started again
    console.log(`\n▸ ${signal}: stopping…`);
    // Redis writes its snapshot before it exits (measured: 3.8 s for 2 million keys, 350 MB): wait for it.
    const force = setTimeout(() => process.exit(1), 75_000);
    force.unref();
    await server.close().catch(() => {});
    if (redis) {
      await redis.stop();
      fs.rmSync(path.join(dataDir, "runtime.json"), { force: true });
      console.log("▸ Embedded redis-server stopped.");
    }
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
}

function readOrCreate(file: string, make: () => string): string {
  try {
    const v = fs.readFileSync(file, "utf8").trim();
    if (v) return v;
  } catch {}
  const v = make();
  fs.writeFileSync(file, `${v}\n`, { mode: 0o600 });
  return v;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}

main().catch((e) => fail((e as Error).message));
