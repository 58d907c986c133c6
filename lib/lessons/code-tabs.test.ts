import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/redis/embedded";
import { loadLessons } from "./load";
import type { CodeTab } from "./parse";

/**
 * Every Python tab runs with redis-py (Debian's python3-redis, for
 * /usr/bin/python3) and every TypeScript tab with ioredis, against a
 * redis-server of this test's own — a plain one, as a learner's would be:
 * the tabs connect to localhost:6379, and the test points them at its port.
 */
const PYTHON = "/usr/bin/python3";
const root = path.resolve(import.meta.dirname, "../..");
const scratch = path.join(root, "node_modules", ".cache", "code-tabs");
let server: ChildProcess;
let port = 0;
let dir = "";

beforeAll(async () => {
  port = await freePort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-code-tabs-"));
  server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "PING"], { encoding: "utf8" }).stdout?.trim() === "PONG") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.mkdirSync(scratch, { recursive: true });
});
afterAll(() => {
  server?.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Each distinct tab once (the languages share code; comments may differ). */
const tabs = new Map<string, { where: string; tab: CodeTab }>();
for (const l of loadLessons().values()) {
  for (const s of l.sections) {
    const list = s.kind === "step" ? s.tabs : s.kind === "code" ? [s.tab] : [];
    for (const tab of list) {
      if (tab.norun) continue;
      const key = `${tab.lang}\n${tab.code.replace(/(#|\/\/).*$/gm, "")}`;
      if (!tabs.has(key)) tabs.set(key, { where: `lessons/${l.order.toString().padStart(2, "0")}-${l.slug}/lesson.${l.locale}.md:${tab.line}`, tab });
    }
  }
}

function run(tab: CodeTab, n: number): { status: number | null; out: string } {
  const code = tab.code.replaceAll("6379", String(port));
  spawnSync("redis-cli", ["-p", String(port), "FLUSHALL"]);
  if (tab.lang === "python") {
    const r = spawnSync(PYTHON, ["-c", code], { encoding: "utf8", timeout: 20_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }
  const file = path.join(scratch, `tab-${process.pid}-${n}.mts`);
  fs.writeFileSync(file, code);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", timeout: 20_000 });
  fs.rmSync(file, { force: true });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("code tabs run for real", () => {
  it("has redis-py for /usr/bin/python3 (Debian: apt-get install python3-redis)", () => {
    const r = spawnSync(PYTHON, ["-c", "import redis; print(redis.__version__)"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  let n = 0;
  for (const [, { where, tab }] of tabs) {
    const i = n++;
    it(`${tab.lang} at ${where}`, () => {
      const r = run(tab, i);
      expect(r.status, r.out).toBe(0);
    }, 30_000);
  }
});
