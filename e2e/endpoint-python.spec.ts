import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConsolePage, expect, test } from "./fixtures";
import { fixedJobQueue } from "../test/lesson-python";

/**
 * Issue 14, end to end: lesson 6's job queue, fixed as the lesson teaches it (a master and five worker threads,
 * redis-py from Debian's /usr/bin/python3), runs as a learner's own program against the Redis endpoint, signed in
 * with what the "Connect your own client" panel shows; the console of the same visitor, subscribed in the browser,
 * prints every message the program publishes as redis-cli would.
 */

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; past `timeoutMs` it is killed (and the test sees the signal). */
function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** The four lines redis-cli prints for a message that reached a PSUBSCRIBE. */
const pmessage = (pattern: string, channel: string, payload: string) => `1) "pmessage"\n2) "${pattern}"\n3) "${channel}"\n4) "${payload}"`;

test("lesson 6's job queue, fixed, runs in Python against the endpoint; the browser's console hears every message", async ({ page }) => {
  test.setTimeout(90_000);
  const c = new ConsolePage(page);
  await c.goto();

  const panel = page.getByTestId("endpoint-panel");
  await panel.locator("summary").click();
  await expect(panel).toHaveAttribute("data-state", "ready");
  const text = async (what: string) => ((await panel.getByTestId(`endpoint-${what}`).textContent()) ?? "").trim();
  const shown = { host: await text("host"), port: Number(await text("port")), user: await text("user"), password: await text("password") };
  // The program connects as the lesson writes it, by host, port and password only: user default, on this machine.
  expect(shown).toMatchObject({ host: "127.0.0.1", user: "default" });
  expect(shown.port).toBeGreaterThan(0);
  expect(shown.password).toMatch(/^pg-[A-Za-z0-9_-]{32}$/);

  // A pattern, as in lib/endpoint/clients.test.ts: the master dispatches once PUBSUB NUMSUB counts a subscriber on
  // CHANNEL_RESULT and on every dispatch channel. The console on those channels would be counted too, and the master
  // could dispatch to a worker not yet listening; a pattern subscription is not counted.
  await c.prompt.fill("PSUBSCRIBE CHANNEL_*");
  await c.prompt.press("Enter");
  const messages = page.getByTestId("stream-message");
  // Sent once the subscription is in place in Redis (lib/http/stream.ts): nothing published after it is missed.
  await expect(messages).toHaveText(['1) "psubscribe"\n2) "CHANNEL_*"\n3) (integer) 1']);
  const subscribed = page.getByTestId("console").getByRole("status").filter({ hasText: "Subscribed to" });
  await expect(subscribed).toContainText("CHANNEL_*");

  // The lesson's program as written, only pointed at the endpoint with the panel's port and password (test/lesson-python.ts).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-e2e-python-"));
  const file = path.join(dir, "job_queue.py");
  fs.writeFileSync(file, fixedJobQueue());
  const r = await run("/usr/bin/python3", [file], { PG_PORT: String(shown.port), PG_PASSWORD: shown.password }, 30_000).finally(() =>
    fs.rmSync(dir, { recursive: true, force: true }),
  );
  expect(r.signal, r.stdout).toBeNull();
  expect(r.stderr).toBe("");
  expect(r.code, r.stdout).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines[lines.length - 1]).toBe("10 of 10 jobs done");
  expect(r.stdout).not.toMatch(/failed|nobody heard/);
  // Read across lines, not line by line: print() writes a line's text and its newline apart, and another thread's
  // text can come between them ("Dispatch job 7 to CHANNEL_DISPATCH_3Worker 3 runs job 6\n\n").
  const dispatched = [...r.stdout.matchAll(/Dispatch job (\d+) to (CHANNEL_DISPATCH_[1-5])/g)].map((m) => ({ job: m[1], channel: m[2] }));
  const jobs = Array.from({ length: 10 }, (_, i) => String(i));
  expect(dispatched.map((d) => d.job)).toEqual(jobs);

  // Every dispatch, in the order the master sent them, and every worker's result, once each: 20 messages after the confirmation.
  await expect(messages).toHaveCount(21, { timeout: 10_000 });
  const seen = (await messages.allTextContents()).slice(1);
  const isResult = (m: string) => m.includes('\n3) "CHANNEL_RESULT"\n');
  const results = seen.filter(isResult);
  expect(seen.filter((m) => !isResult(m))).toEqual(dispatched.map((d) => pmessage("CHANNEL_*", d.channel, d.job)));
  expect(results.sort()).toEqual(jobs.map((j) => pmessage("CHANNEL_*", "CHANNEL_RESULT", j)).sort());
  // Still subscribed, nothing went missing on the way: no gap, no closed stream.
  await expect(page.getByTestId("console-log")).not.toContainText(/lost|closed/i);
  await expect(subscribed).toContainText("CHANNEL_*");

  await c.prompt.press("Control+c");
  await expect(c.log).toContainText("Left subscribed mode.");
});
