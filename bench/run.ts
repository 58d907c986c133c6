/**
 * `npm run bench`: throughput and p50/p99 latency at 50 connections, one
 * session per connection, for three targets run one after another —
 *   1. POST /api/v1/exec  GET bench:key   (the app's hot path)
 *   2. GET  /api/health                  (same server: HTTP + one PING)
 *   3. a bare node:http + ioredis server doing GET bench:key (Node's floor)
 * then the sandbox layer's CPU cost per command beside raw ioredis round
 * trips (bench/sandbox-cost.ts; BENCH_SANDBOX_* env there), then SSE fan-out:
 * 1,000 subscribers on one app process at a steady publish rate (bench/sse.ts;
 * BENCH_SSE_* env there, BENCH_SSE=0 skips it); then, with the app stopped, big
 * replies and a stalled Redis in this process (bench/big-reply.ts: event-loop
 * delay while a million-element reply streams, another visitor's PING, a
 * SIGSTOPped redis-server; BENCH_BIG_* env there, BENCH_BIG=0 skips it); the
 * namespace commands at 0 and 500,000 foreign keys (bench/namespace-cost.ts,
 * BENCH_NAMESPACE=0 skips it); and the per-visitor ACL users' cost
 * (bench/acl-cost.ts, BENCH_ACL=0 skips it).
 * The app and the bare server each run in a child process, against a private
 * redis-server on a free port. Env: BENCH_SECONDS (10), BENCH_WARMUP (2),
 * BENCH_CONNECTIONS (50), BENCH_VERBOSE=1 to show the children's output.
 */
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { hasRedisServer, REDIS_MISSING } from "@/lib/redis/embedded";
import { buildIsCurrent, writeBuildStamp } from "../scripts/build-stamp";
import { installCleanup, startChild, stopAll } from "./children";
import { measure, perConnection, stopLoad, type Figure } from "./load";
import { report } from "./report";
import { appLimits } from "./limits";
import { sandboxCost } from "./sandbox-cost";
import { sseFanout, type SseResult } from "./sse";
import { bigReply, type BigReplyResult } from "./big-reply";
import { benchNamespaceCost } from "./namespace-cost";
import { aclCost, formatAclCost } from "./acl-cost";
import { endpointBench, formatEndpointBench } from "./endpoint";

const root = path.resolve(import.meta.dirname, "..");
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] || fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number of seconds/connections (got "${process.env[name]}")`);
  return v;
};
const SECONDS = num("BENCH_SECONDS", 10);
const WARMUP = num("BENCH_WARMUP", 2);
const CONNECTIONS = Math.max(1, Math.round(num("BENCH_CONNECTIONS", 50)));
const VALUE = "hello from the bench";
const t0 = performance.now();

interface AppReady {
  port: number;
  redisUrl: string;
  playgroundUrl: string;
  redisPort: number;
  redisPid: number;
  config: string[];
}
interface BareReady {
  port: number;
}

/** Our redis-server, if it is still running (others' redis-servers are not ours to judge). */
function stillRunning(pid: number, port: number): string[] {
  const r = spawnSync("pgrep", ["-a", "redis-server"], { encoding: "utf8" });
  const ours = r.error ? [] : r.stdout.split("\n").filter((l) => l.startsWith(`${pid} `) || l.includes(`:${port}`));
  try {
    process.kill(pid, 0);
    return ours.length ? ours : [`${pid} redis-server 127.0.0.1:${port}`];
  } catch {
    return ours;
  }
}

async function build(): Promise<void> {
  if (buildIsCurrent(root)) return console.log("▸ Next build is current.");
  console.log("▸ Building the app (next build)…");
  const code = await new Promise<number | null>((resolve) => {
    const p = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    p.on("exit", resolve);
  });
  if (code !== 0) throw new Error("next build failed; run `npx next build` to see why.");
  writeBuildStamp(root);
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function waitHealthy(base: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  let last = "";
  while (Date.now() < end) {
    try {
      const r = await json(`${base}/api/health`);
      if (r.status === 200) return;
      last = `${r.status} ${JSON.stringify(r.body)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`/api/health did not answer 200 within ${ms / 1000} s (last: ${last})`);
}

async function sessions(base: string, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await json(`${base}/api/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    if (r.status !== 201 || typeof r.body?.session !== "string") throw new Error(`POST /api/v1/sessions → ${r.status} ${JSON.stringify(r.body)}`);
    tokens.push(r.body.session);
  }
  return tokens;
}

async function exec(base: string, token: string, command: string): Promise<any> {
  const r = await json(`${base}/api/v1/exec`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ command }),
  });
  if (r.status !== 200) throw new Error(`exec ${command} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function main(): Promise<void> {
  installCleanup(stopLoad);
  if (!hasRedisServer()) throw new Error(REDIS_MISSING);
  const load = os.loadavg();
  await build();

  console.log("▸ Starting the app (child process, own redis-server)…");
  const { env: limitEnv, limits } = appLimits(root);
  const app = await startChild<AppReady>("app", path.join(root, "bench/serve-app.ts"), limitEnv);
  const base = `http://127.0.0.1:${app.msg.port}`;
  await waitHealthy(base);
  console.log(`  app on 127.0.0.1:${app.msg.port}, redis-server on 127.0.0.1:${app.msg.redisPort} (pid ${app.msg.redisPid})`);

  console.log(`▸ Creating ${CONNECTIONS} sessions and SET bench:key in each…`);
  const tokens = await sessions(base, CONNECTIONS);
  for (const t of tokens) await exec(base, t, `SET bench:key "${VALUE}"`);
  const check = await exec(base, tokens[0], "GET bench:key");
  if (check.reply?.v !== VALUE) throw new Error(`GET bench:key returned ${JSON.stringify(check)}`);

  console.log("▸ Starting the bare node:http + ioredis server (child process, same redis-server)…");
  const bare = await startChild<BareReady>("bare", path.join(root, "bench/serve-bare.ts"), { REDIS_URL: app.msg.redisUrl, BENCH_VALUE: VALUE });
  const bareBase = `http://127.0.0.1:${bare.msg.port}`;
  const bareCheck = await json(bareBase, { method: "POST", headers: { "content-type": "application/json" }, body: '{"command":"GET bench:key"}' });
  if (bareCheck.body?.reply?.v !== VALUE) throw new Error(`bare server returned ${JSON.stringify(bareCheck)}`);

  const headers = tokens.map((t) => ({ "content-type": "application/json", authorization: `Bearer ${t}` }));
  const body = JSON.stringify({ command: "GET bench:key" });
  console.log(`▸ Load: ${CONNECTIONS} connections, warm-up ${WARMUP} s then ${SECONDS} s per target, one target at a time`);
  const figures: Figure[] = [];
  figures.push(
    await measure(
      "exec   POST /api/v1/exec GET",
      { url: `${base}/api/v1/exec`, connections: CONNECTIONS, method: "POST", body, setupClient: perConnection(headers) },
      WARMUP,
      SECONDS,
    ),
  );
  figures.push(
    await measure(
      "health GET /api/health",
      {
        url: `${base}/api/health`,
        connections: CONNECTIONS,
        method: "GET",
        setupClient: perConnection(headers.map((h) => ({ authorization: h.authorization }))),
      },
      WARMUP,
      SECONDS,
    ),
  );
  figures.push(
    await measure(
      "bare   node:http + ioredis GET",
      { url: bareBase, connections: CONNECTIONS, method: "POST", body, setupClient: perConnection(headers) },
      WARMUP,
      SECONDS,
    ),
  );

  console.log("▸ Sandbox layer cost per command, in this process, on the app's redis-server as the playground user (bench/sandbox-cost.ts)…");
  const sandbox = await sandboxCost(app.msg.playgroundUrl);

  let sse: SseResult | undefined;
  if (process.env.BENCH_SSE !== "0") {
    console.log("▸ SSE fan-out: subscribers on GET /api/v1/stream, steady PUBLISH rate (bench/sse.ts)…");
    sse = await sseFanout(base, app.msg.redisUrl);
  }

  await stopAll();
  const leftover = stillRunning(app.msg.redisPid, app.msg.redisPort);

  let big: BigReplyResult | undefined;
  if (process.env.BENCH_BIG !== "0") {
    console.log("▸ Big replies and a stalled Redis, in this process, on a redis-server of its own (bench/big-reply.ts)…");
    big = await bigReply();
  }
  report({
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? "?",
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      mem: os.totalmem(),
      load,
    },
    limits,
    config: app.msg.config,
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmup: WARMUP,
    figures,
    sandbox,
    sse,
    big,
    leftover,
    elapsed: (performance.now() - t0) / 1000,
  });
  if (process.env.BENCH_NAMESPACE !== "0") await benchNamespaceCost(); // KEYS, SCAN, DBSIZE… at 0 and 500,000 foreign keys (BENCH_NS_* env there)
  if (process.env.BENCH_ACL !== "0") {
    console.log("\n▸ Per-visitor ACL users against one shared user, in this process (bench/acl-cost.ts)…");
    for (const line of formatAclCost(await aclCost())) console.log(line);
  }
  if (process.env.BENCH_ENDPOINT !== "0") {
    console.log("\n▸ The Redis endpoint against Redis itself: redis-benchmark -t set,get -c 50, -P 1 and -P 16 (bench/endpoint.ts)…");
    for (const line of formatEndpointBench(await endpointBench())) console.log(line);
  }
  process.exitCode = leftover.length ? 1 : 0;
}

main().catch(async (e) => {
  console.error(`\n✖ ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
});
