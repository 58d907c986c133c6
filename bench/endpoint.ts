/**
 * `npm run bench` part, also alone as `npm run bench:endpoint`: the Redis
 * endpoint for learners' own clients against Redis itself, measured by
 * Debian's redis-benchmark (`-t set,get -c 50`), with and without `-P 16`
 * pipelining. The endpoint runs in a child process on its own redis-server
 * (bench/serve-endpoint.ts); the raw figures are the same redis-server, as
 * its admin user. Every command of the endpoint takes the console's path
 * (policy, rewriting, quotas, budgets, the per-visitor ACL user); the
 * per-session and per-address rate, work and connection caps are raised so
 * that one load generator measures the path, not the caps. The goal (issue
 * 14): at least 0.5× raw Redis at -P 1. Env: BENCH_ENDPOINT_REQUESTS (per
 * test at -P 1, default 50,000; 4× that with -P 16).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { startChild } from "./children";

interface Ready {
  endpointPort: number;
  redisPort: number;
  redisPassword: string;
  password: string;
}

const LIFTED = {
  PLAYGROUND_RESP_CONNECTIONS_PER_SESSION: "1000",
  PLAYGROUND_RESP_CONNECTIONS_PER_IP: "10000",
  PLAYGROUND_RATE_PER_SESSION: "1000000000",
  PLAYGROUND_RATE_PER_IP: "1000000000",
  PLAYGROUND_WORK_PER_SESSION: "1000000000",
  PLAYGROUND_WORK_PER_IP: "1000000000",
  PLAYGROUND_COMMANDS_IN_FLIGHT: "100000",
  PLAYGROUND_RESP_READ_AHEAD: "1024",
  PLAYGROUND_RESP_PORT: "0",
};

export interface EndpointFigures {
  rows: Array<{ test: string; pipeline: number; endpoint: number; raw: number }>;
}

function benchmark(port: number, user: string, password: string, pipeline: number, n: number): Record<string, number> {
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "--user",
    user,
    "-a",
    password,
    "-t",
    "set,get",
    "-c",
    "50",
    "-n",
    String(n),
    "-P",
    String(pipeline),
    "-q",
    "--csv",
  ];
  const r = spawnSync("redis-benchmark", args, { encoding: "utf8", timeout: 300_000 });
  if (r.error) throw new Error(`redis-benchmark: ${r.error.message} (Debian: apt-get install redis-tools)`);
  const out: Record<string, number> = {};
  // CSV: "test","rps","avg_latency_ms",…
  for (const line of r.stdout.split("\n")) {
    const m = /^"([A-Z_]+)","([\d.]+)"/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  if (!out.SET || !out.GET) throw new Error(`redis-benchmark printed no figures:\n${r.stdout}\n${r.stderr}`);
  return out;
}

export async function endpointBench(): Promise<EndpointFigures> {
  const n = Number(process.env.BENCH_ENDPOINT_REQUESTS || 50_000);
  const child = await startChild<Ready>("endpoint", path.join(import.meta.dirname, "serve-endpoint.ts"), LIFTED);
  try {
    const { endpointPort, redisPort, redisPassword, password } = child.msg;
    const rows: EndpointFigures["rows"] = [];
    for (const pipeline of [1, 16]) {
      const count = pipeline === 1 ? n : n * 4;
      const ep = benchmark(endpointPort, "default", password, pipeline, count);
      const raw = benchmark(redisPort, "admin", redisPassword, pipeline, count);
      for (const test of ["SET", "GET"]) rows.push({ test, pipeline, endpoint: ep[test], raw: raw[test] });
    }
    return { rows };
  } finally {
    await child.stop();
  }
}

export function formatEndpointBench(f: EndpointFigures): string[] {
  const lines = ["  test  -P   endpoint req/s   raw Redis req/s   ratio"];
  for (const r of f.rows) {
    lines.push(
      `  ${r.test.padEnd(4)}  ${String(r.pipeline).padStart(2)}   ${Math.round(r.endpoint).toLocaleString("en").padStart(14)}   ${Math.round(r.raw).toLocaleString("en").padStart(15)}   ${(r.endpoint / r.raw).toFixed(2)}×`,
    );
  }
  const p1 = f.rows.filter((r) => r.pipeline === 1);
  const worst = Math.min(...p1.map((r) => r.endpoint / r.raw));
  lines.push(`  goal: at least 0.5× raw Redis at -P 1: ${worst >= 0.5 ? "met" : "not met"} (lowest ${worst.toFixed(2)}×)`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("▸ The Redis endpoint against Redis itself: redis-benchmark -t set,get -c 50, -P 1 and -P 16 (bench/endpoint.ts)…");
  endpointBench()
    .then((f) => {
      for (const line of formatEndpointBench(f)) console.log(line);
      process.exit(0);
    })
    .catch((e) => {
      console.error(`✖ ${(e as Error).message}`);
      process.exit(1);
    });
}
