import type { Page } from "@playwright/test";
import { test, expect, expectNoAxeViolations, ConsolePage } from "./fixtures";

/** The job-queue lab on the message-queue lesson, driven through its labelled controls. */
class JobQueueLab {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto("/en/lessons/message-queue");
    await expect(this.page.getByRole("heading", { name: "Run the job queue" })).toBeVisible();
  }

  async set(options: { variant?: RegExp; jobs?: number; channels?: number; workers?: number; workMs?: number; intervalMs?: number; crash?: number }) {
    const p = this.page;
    if (options.variant) await p.getByRole("radio", { name: options.variant }).check();
    if (options.jobs !== undefined) await p.getByLabel("Jobs", { exact: true }).fill(String(options.jobs));
    if (options.channels !== undefined) await p.getByLabel("Channels").fill(String(options.channels));
    if (options.workers !== undefined) await p.getByLabel("Workers", { exact: true }).fill(String(options.workers));
    if (options.workMs !== undefined) await p.getByLabel("Work time (ms)").fill(String(options.workMs));
    if (options.intervalMs !== undefined) await p.getByLabel("Pause between jobs (ms)").fill(String(options.intervalMs));
    if (options.crash !== undefined) await p.getByLabel("Crash a worker mid-job").selectOption(String(options.crash));
  }

  run(variant: string) {
    return this.page.getByTestId(`run-${variant}`);
  }

  stat(variant: string, name: string) {
    return this.run(variant).getByTestId(`stat-${name}`);
  }
}

test.describe("the job queue, live", () => {
  test("runs the notes' pub/sub queue to the end, every result shown", async ({ page }) => {
    const lab = new JobQueueLab(page);
    await lab.goto();
    await lab.set({ jobs: 12, channels: 3, workers: 3, workMs: 50, intervalMs: 0 });
    await page.getByRole("button", { name: "Run pub/sub" }).click();
    const run = lab.run("pubsub");
    await expect(run.getByRole("status")).toHaveText(/finished in/, { timeout: 20_000 });
    await expect(lab.stat("pubsub", "done")).toHaveText("12");
    await expect(lab.stat("pubsub", "lost")).toHaveText("0");
    await expect(run.getByText("← 12 results")).toBeVisible();
    await expect(run.getByTestId("receivers").first()).toHaveText("last PUBLISH → (integer) 1");
    await expect(run.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "12");
    await expect(run.getByRole("list", { name: "pub/sub commands" })).toContainText("PUBLISH CHANNEL_DISPATCH_");
    await expectNoAxeViolations(page, "after a run");
  });

  test("a crashed worker's job is lost on pub/sub and recovered on the stream", async ({ page }) => {
    const lab = new JobQueueLab(page);
    await lab.goto();
    await lab.set({ jobs: 8, workers: 2, channels: 2, workMs: 200, intervalMs: 0, crash: 1 });
    await page.getByRole("button", { name: "Compare all four side by side" }).click();
    for (const v of ["pubsub", "list", "reliable-list", "stream"]) {
      await expect(lab.run(v).getByRole("status")).toHaveText(/finished in|never came back/, { timeout: 30_000 });
      await expect(lab.run(v)).toContainText("crashed");
    }
    await expect(lab.stat("stream", "done")).toHaveText("8");
    await expect(lab.stat("stream", "lost")).toHaveText("0");
    await expect(lab.stat("stream", "recovered")).not.toHaveText("0");
    await expect(lab.stat("stream", "pending")).toHaveText("0");
    await expect(lab.stat("reliable-list", "done")).toHaveText("8");
    await expect(lab.stat("list", "lost")).toHaveText("1");
    await expect(lab.stat("pubsub", "lost")).not.toHaveText("0");
  });

  test("the learner joins from the console: SUBSCRIBE to a lane, then answer as a worker", async ({ page }) => {
    const lab = new JobQueueLab(page);
    const c = new ConsolePage(page);
    await lab.goto();
    await c.prompt.fill("SUBSCRIBE CHANNEL_DISPATCH_1");
    await c.prompt.press("Enter");
    const messages = page.getByTestId("stream-message");
    await expect(messages.first()).toHaveText('1) "subscribe"\n2) "CHANNEL_DISPATCH_1"\n3) (integer) 1');
    await lab.set({ jobs: 2, channels: 1, workers: 0, workMs: 0, intervalMs: 0 });
    await page.getByRole("button", { name: "Run pub/sub" }).click();
    await expect(messages.nth(1)).toHaveText('1) "message"\n2) "CHANNEL_DISPATCH_1"\n3) "0"');
    await expect(messages.nth(2)).toHaveText('1) "message"\n2) "CHANNEL_DISPATCH_1"\n3) "1"');
    await expect(lab.stat("pubsub", "dispatched")).toHaveText("2");
    await c.prompt.press("Control+c");
    expect(await c.run("PUBLISH CHANNEL_RESULT 0")).toBe("(integer) 1");
    expect(await c.run("PUBLISH CHANNEL_RESULT 1")).toBe("(integer) 1");
    await expect(lab.run("pubsub").getByRole("status")).toHaveText(/finished in/);
    await expect(lab.stat("pubsub", "done")).toHaveText("2");
  });

  test("Cancel stops a run", async ({ page }) => {
    const lab = new JobQueueLab(page);
    await lab.goto();
    await lab.set({ variant: /Reliable list/, jobs: 50, workers: 2, workMs: 1000 });
    await page.getByRole("button", { name: "Run reliable list" }).click();
    await expect(lab.run("reliable-list").getByRole("status")).toHaveText("running…");
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(lab.run("reliable-list").getByRole("status")).toHaveText("cancelled");
    await expect(page.getByRole("button", { name: "Run reliable list" })).toBeEnabled();
    // Picking another variant afterwards starts nothing by itself.
    await page.getByRole("radio", { name: /Pub\/sub/ }).check();
    await page.waitForTimeout(300);
    await expect(lab.run("pubsub")).toHaveCount(0);
  });
});

test.describe("finite streams", () => {
  test("1,000 INCRs one by one against pipelined, with a progress bar", async ({ page }) => {
    await page.goto("/en/lessons/pipelines");
    await page.getByRole("button", { name: "Run the race" }).click();
    const result = page.getByTestId("race-result");
    await expect(result).toContainText("one by one (1000 commands)", { timeout: 20_000 });
    await expect(result).toContainText("× faster");
    await expect(page.getByRole("progressbar", { name: "INCRs sent" })).toHaveAttribute("aria-valuenow", "1000");
  });

  test("100 concurrent visitors: GET+SET loses updates, INCR counts every one", async ({ page }) => {
    await page.goto("/en/lessons/page-counter");
    await page.getByRole("button", { name: "Send the visitors" }).click();
    const results = page.getByTestId("visitors-result");
    await expect(results).toHaveCount(2, { timeout: 20_000 });
    await expect(results.nth(0)).toContainText("lost updates");
    await expect(results.nth(1)).toContainText("counted 100 of 100 visits — none lost");
  });
});

test.describe("the job-queue lab's layout and defaults", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("Compare all four puts the cards side by side at 1440 px; the form's fields line up and its buttons stay on one line", async ({ page }) => {
    const lab = new JobQueueLab(page);
    await lab.goto();
    // The form: every input on one baseline per row, Cancel beside the run buttons.
    const inputs = ["Jobs", "Channels", "Workers", "Work time (ms)"].map((l) => page.getByLabel(l, { exact: true }));
    const tops = await Promise.all(inputs.map(async (i) => Math.round((await i.boundingBox())!.y)));
    expect(new Set(tops).size, `input tops ${tops}`).toBe(1);
    const buttons = ["Run pub/sub", "Compare all four side by side", "Cancel"].map((n) => page.getByRole("button", { name: n, exact: true }));
    const rows = await Promise.all(buttons.map(async (b) => Math.round((await b.boundingBox())!.y)));
    expect(new Set(rows).size, `button tops ${rows}`).toBe(1);

    await lab.set({ jobs: 4, channels: 2, workers: 2, workMs: 50, intervalMs: 0 });
    await page.getByRole("button", { name: "Compare all four side by side" }).click();
    for (const v of ["pubsub", "list", "reliable-list", "stream"]) await expect(lab.run(v).getByRole("status")).toHaveText(/finished in/, { timeout: 20_000 });
    const [a, b, c, d] = await Promise.all(["pubsub", "list", "reliable-list", "stream"].map(async (v) => (await lab.run(v).boundingBox())!));
    // Two by two: pub/sub beside the list, the reliable list beside the stream.
    expect(Math.abs(a.y - b.y)).toBeLessThan(2);
    expect(b.x).toBeGreaterThanOrEqual(a.x + a.width);
    expect(Math.abs(c.y - d.y)).toBeLessThan(2);
    expect(d.x).toBeGreaterThanOrEqual(c.x + c.width);
    expect(c.y).toBeGreaterThanOrEqual(a.y + a.height);
  });

  test("a run with the defaults finishes in well under 15 s", async ({ page }) => {
    const lab = new JobQueueLab(page);
    await lab.goto();
    await expect(page.getByLabel("Jobs", { exact: true })).toHaveValue("20");
    await expect(page.getByLabel("Work time (ms)")).toHaveValue("500");
    const t0 = Date.now();
    await page.getByRole("button", { name: "Run pub/sub" }).click();
    await expect(lab.run("pubsub").getByRole("status")).toHaveText(/finished in/, { timeout: 15_000 });
    expect(Date.now() - t0).toBeLessThan(12_000);
    await expect(lab.stat("pubsub", "done")).toHaveText("20");
  });
});

test("the class queue's dispatch message gives way once every job is out", async ({ page }) => {
  await page.goto("/en/rooms/new");
  await page.getByLabel("Title").fill("Queue class");
  await page.getByRole("button", { name: "Open the room" }).click();
  await expect(page.getByText("● live")).toBeVisible();
  await page.getByLabel("Jobs", { exact: true }).fill("3");
  await page.getByLabel("Channels", { exact: true }).fill("1");
  await page.getByLabel("Pause between jobs (ms)").fill("0");
  await page.getByRole("button", { name: "Dispatch jobs" }).click();
  const status = page.getByTestId("dispatch-status");
  await expect(status).toHaveText(/^(The master is dispatching\.|The master dispatched all 3 jobs\.)$/);
  await expect(page.getByTestId("class-job")).toHaveCount(3);
  await expect(status).toHaveText("The master dispatched all 3 jobs.");
});
