/**
 * `npm test`: every test — typecheck, unit/integration (vitest, against a
 * private redis-server), then end-to-end (Playwright in Chromium against the
 * production build). Installs redis-server and Chromium with apt when they are
 * missing and it can; otherwise stops with one sentence naming what to install.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { hasRedisServer, freePort } from "@/lib/redis/embedded";
import { chromiumPath } from "./chromium";
import { nginxPath } from "./topology";
import { buildIsCurrent, writeBuildStamp } from "./build-stamp";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

function fail(sentence: string): never {
  console.error(`\n✖ ${sentence}\n`);
  process.exit(1);
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...opts });
  if (r.error) fail(`${cmd} could not be started: ${r.error.message}`);
  return r.status ?? 1;
}

function canApt(): boolean {
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  const sudo = !isRoot && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
  return hasApt && (isRoot || sudo);
}

function aptInstall(packages: string[]): boolean {
  console.log(`▸ Installing ${packages.join(", ")} with apt-get…`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const [cmd, ...pre] = [...sudo, "apt-get"];
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  run(cmd, [...pre, "update", "-qq"], { env: aptEnv });
  return run(cmd, [...pre, "install", "-y", "-qq", ...packages], { env: aptEnv }) === 0;
}

function ensurePrerequisites() {
  const missing: string[] = [];
  if (!hasRedisServer()) missing.push("redis-server");
  if (!chromiumPath() && !playwrightChromium()) missing.push("chromium");
  if (!hasPythonRedis()) missing.push("python3-redis");
  if (!nginxPath()) missing.push("nginx");
  if (missing.length === 0) return;
  if (canApt() && aptInstall(missing) && hasRedisServer() && (chromiumPath() || playwrightChromium()) && hasPythonRedis() && nginxPath()) return;
  if (missing.includes("chromium") && hasRedisServer()) {
    // Machines that can download may use Playwright's own Chromium.
    if (run(bin("playwright"), ["install", "chromium"]) === 0 && playwrightChromium()) return;
  }
  fail(
    `The tests need ${missing.join(" and ")}: install ${missing
      .map((m) =>
        m === "chromium"
          ? "Chromium (Debian: apt-get install chromium; or set CHROMIUM_PATH)"
          : m === "python3-redis"
            ? "redis-py for /usr/bin/python3, which runs the lessons' Python tabs (Debian: apt-get install python3-redis)"
            : m === "nginx"
              ? "nginx, the proxy in front of two instances in e2e/proxy.spec.ts (Debian: apt-get install nginx)"
              : "Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)",
      )
      .join(" and ")}, then run npm test again.`,
  );
}

function hasPythonRedis(): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import redis"], { stdio: "ignore" }).status === 0;
}

function playwrightChromium(): boolean {
  const r = spawnSync(process.execPath, ["-e", "const {chromium}=require('@playwright/test');process.stdout.write(chromium.executablePath())"], {
    cwd: root,
    encoding: "utf8",
  });
  return r.status === 0 && !!r.stdout && fs.existsSync(r.stdout);
}

function counts(file: string, pick: (j: any) => { passed: number; failed: number }) {
  try {
    return pick(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return { passed: 0, failed: 1 };
  }
}

async function main() {
  ensurePrerequisites();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-report-"));
  const t0 = Date.now();

  console.log("\n▸ Lint and format (Biome)");
  if (run(bin("biome"), ["ci", ".", "--colors=off", "--error-on-warnings"]) !== 0) fail("Lint or format errors: see above (npm run format fixes what it can).");

  console.log("\n▸ Typecheck");
  if (run(bin("tsc"), ["--noEmit", "-p", "."]) !== 0) fail("Type errors: see above.");

  console.log("\n▸ Unit and integration tests (vitest, private redis-server)");
  const vitestJson = path.join(out, "vitest.json");
  const unitStatus = run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
  const unit = counts(vitestJson, (j) => ({ passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0) }));
  if (unitStatus !== 0 && unit.failed === 0) unit.failed = 1;

  console.log("\n▸ The integration suite on a 3 + 3 Redis Cluster (vitest.cluster.config.ts)");
  const clusterJson = path.join(out, "vitest-cluster.json");
  const clusterStatus = run(
    bin("vitest"),
    ["run", "--config", "vitest.cluster.config.ts", "--reporter=default", "--reporter=json", `--outputFile.json=${clusterJson}`],
    {
      env: { ...env, PLAYGROUND_TEST_CLUSTER: "1" },
    },
  );
  const onCluster = counts(clusterJson, (j) => ({ passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0) }));
  if (clusterStatus !== 0 && onCluster.failed === 0) onCluster.failed = 1;

  if (!buildIsCurrent(root)) {
    console.log("\n▸ Building the app for the browser tests");
    if (run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"]) !== 0) fail("next build failed: see above.");
    writeBuildStamp(root);
  }

  console.log("\n▸ End-to-end tests (Playwright, Chromium)");
  const pwJson = path.join(out, "playwright.json");
  const port = await freePort();
  const e2eStatus = run(bin("playwright"), ["test", "--reporter=list,json"], {
    env: { ...env, E2E_PORT: String(port), PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  });
  const e2e = counts(pwJson, (j) => ({ passed: j.stats.expected + (j.stats.flaky ?? 0), failed: j.stats.unexpected }));
  if (e2eStatus !== 0 && e2e.failed === 0) e2e.failed = 1;

  const passed = unit.passed + onCluster.passed + e2e.passed;
  const failed = unit.failed + onCluster.failed + e2e.failed;
  console.log(`\nunit/integration: ${unit.passed} passed, ${unit.failed} failed`);
  console.log(`on a Redis Cluster: ${onCluster.passed} passed, ${onCluster.failed} failed`);
  console.log(`end-to-end: ${e2e.passed} passed, ${e2e.failed} failed`);
  console.log(`(${Math.round((Date.now() - t0) / 1000)} s)`);
  console.log(`total: ${passed} passed, ${failed} failed`);
  fs.rmSync(out, { recursive: true, force: true });
  process.exit(failed === 0 && unitStatus === 0 && clusterStatus === 0 && e2eStatus === 0 ? 0 : 1);
}

main().catch((e) => fail((e as Error).message));
