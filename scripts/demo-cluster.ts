/**
 * `npm run demo:cluster`: the scaled-out setup on this machine — a 3 + 3 Redis
 * Cluster, two app instances and nginx in front (deploy/nginx.conf), all on
 * free ports. Prints the URL; Ctrl-C stops everything.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hasRedisServer, REDIS_MISSING } from "@/lib/redis/embedded";
import { hasRedisCli } from "@/lib/redis/embedded-cluster";
import { buildIsCurrent, writeBuildStamp } from "./build-stamp";
import { NGINX_MISSING, nginxPath, startTopology } from "./topology";

const root = path.resolve(import.meta.dirname, "..");

function fail(sentence: string): never {
  console.error(`\n✖ ${sentence}\n`);
  process.exit(1);
}

if (!hasRedisServer() || !hasRedisCli()) fail(REDIS_MISSING);
if (!nginxPath()) fail(NGINX_MISSING);
if (!buildIsCurrent(root)) {
  console.log("▸ Building the app (first start, or the sources changed)…");
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) fail("next build failed; see the output above.");
  writeBuildStamp(root);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-demo-cluster-"));
const verbose = process.argv.includes("--verbose");
console.log("▸ Starting a Redis Cluster (3 masters, 3 replicas), two app instances and nginx…");
let topology: Awaited<ReturnType<typeof startTopology>>;
try {
  topology = await startTopology({ dir, log: (line) => (verbose || !line.startsWith("[") ? console.log(`  ${line}`) : undefined) });
} catch (e) {
  fs.rmSync(dir, { recursive: true, force: true });
  fail((e as Error).message);
}
console.log(`\n  Redis Playground (2 instances, Redis Cluster) is running at ${topology.url}\n`);
console.log(`  Instances: ${topology.instances.map((i) => `${i.name} ${i.url}`).join(", ")} (each answer says which: X-Playground-Instance)`);
console.log(`  Kill a master to watch a failover: kill -9 ${topology.cluster.nodes[0].pid}\n  Ctrl-C stops everything.\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n▸ ${signal}: stopping…`);
  await topology.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", () => void stop("Ctrl-C"));
process.on("SIGTERM", () => void stop("SIGTERM"));
