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
import { TIMED_FILES } from "../vitest.config";

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

/** "file › test name: first line of the error" for each failed vitest test. */
function vitestFailures(file: string): string[] {
  try {
    const j = JSON.parse(fs.readFileSync(file, "utf8"));
    const out: string[] = [];
    for (const suite of j.testResults ?? []) {
      const rel = path.relative(root, suite.name ?? "");
      const failed = (suite.assertionResults ?? []).filter((a: any) => a.status === "failed");
      for (const a of failed) out.push(`${rel} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
      if (failed.length === 0 && suite.status === "failed") out.push(`${rel}: ${firstLine(suite.message)}`);
    }
    return out;
  } catch {
    return [];
  }
}

/** The same for Playwright's JSON report. */
function playwrightFailures(file: string): string[] {
  const out: string[] = [];
  const walk = (suite: any, trail: string[]) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== "unexpected") continue;
        const err = t.results?.at(-1)?.error?.message;
        out.push(`${spec.file}:${spec.line} › ${[...trail, spec.title].join(" › ")}: ${firstLine(err)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, suite.title && !suite.title.endsWith(".ts") ? [...trail, suite.title] : trail);
  };
  try {
    for (const s of JSON.parse(fs.readFileSync(file, "utf8")).suites ?? []) walk(s, []);
  } catch {}
  return out;
}

function firstLine(text: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours from error text
  const plain = String(text ?? "").replace(/\x1b\[[0-9;]*m/g, "");
  return (plain.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 300);
}

/**
 * One vitest suite in two runs: every file but TIMED_FILES two at a time (most
 * tests wait on Redis, not the CPU: one at a time left the two cores 60 % idle),
 * then TIMED_FILES one at a time with nothing else running. Reports go to
 * `${report}-{parallel,timed}.json`.
 */
function vitest(config: string[], report: string, runEnv: NodeJS.ProcessEnv): { passed: number; failed: number; ok: boolean } {
  const total = { passed: 0, failed: 0, ok: true };
  const runs: [string, string[]][] = [
    ["parallel", ["--maxWorkers=2", ...TIMED_FILES.flatMap((f) => ["--exclude", f])]],
    ["timed", ["--maxWorkers=1", "--passWithNoTests", ...TIMED_FILES]],
  ];
  for (const [name, args] of runs) {
    const file = `${report}-${name}.json`;
    const status = run(bin("vitest"), ["run", ...config, ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`], { env: runEnv });
    const c = counts(file, (j) => ({ passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0) }));
    if (status !== 0 && c.failed === 0) c.failed = 1;
    total.passed += c.passed;
    total.failed += c.failed;
    total.ok &&= status === 0;
  }
  return total;
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
  const vitestJson = path.join(out, "vitest");
  const unit = vitest([], vitestJson, env);

  console.log("\n▸ The integration suite on a 3 + 3 Redis Cluster (vitest.cluster.config.ts)");
  const clusterJson = path.join(out, "vitest-cluster");
  const onCluster = vitest(["--config", "vitest.cluster.config.ts"], clusterJson, { ...env, PLAYGROUND_TEST_CLUSTER: "1" });

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
  const failures = [
    ...["parallel", "timed"].flatMap((n) => vitestFailures(`${vitestJson}-${n}.json`)),
    ...["parallel", "timed"].flatMap((n) => vitestFailures(`${clusterJson}-${n}.json`).map((f) => `[cluster] ${f}`)),
    ...playwrightFailures(pwJson).map((f) => `[e2e] ${f}`),
  ];
  if (failures.length > 0) console.log(`\nFailed:\n${failures.map((f) => `  ✖ ${f}`).join("\n")}`);
  console.log(`(${Math.round((Date.now() - t0) / 1000)} s)`);
  console.log(`total: ${passed} passed, ${failed} failed`);
  fs.rmSync(out, { recursive: true, force: true });
  process.exit(failed === 0 && unit.ok && onCluster.ok && e2eStatus === 0 ? 0 : 1);
}

main().catch((e) => fail((e as Error).message));
