import type { Locator, Page } from "@playwright/test";
import { expect, expectNoAxeViolations, test } from "./fixtures";
import { loadLessons } from "../lib/lessons/load";

/**
 * A lesson on a phone (390 × 844): the console and the key inspector are docked at the bottom
 * (components/lesson/dock.tsx), reachable at any scroll position; a step's output shows in the step,
 * above the dock; touch buttons stand in for ↑, ↓, Tab and Enter. And, on any screen: the prompt says
 * redis(TX)> whenever a MULTI is open on the tab's connection, across navigations and reloads; Tab
 * completes `ge` to GET first; the transcript and the step outputs survive a language switch.
 */
const PHONE = { width: 390, height: 844 };
const lessons = [...loadLessons().values()].filter((l) => l.locale === "en").sort((a, b) => a.order - b.order);
type Step = Extract<(typeof lessons)[number]["sections"][number], { kind: "step" }>;
const stepsOf = (slug: string) => (lessons.find((l) => l.slug === slug)?.sections ?? []).filter((s): s is Step => s.kind === "step");

/** The docked console, driven by touch. */
class Dock {
  readonly root: Locator;
  readonly bar: Locator;
  readonly last: Locator;
  readonly consoleButton: Locator;
  readonly keysButton: Locator;
  readonly prompt: Locator;
  readonly entries: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId("dock");
    this.bar = page.getByTestId("dock-bar");
    this.last = page.getByTestId("dock-last");
    this.consoleButton = this.bar.getByRole("button", { name: /^(Console|控制台)$/ });
    this.keysButton = this.bar.getByRole("button", { name: /^(Your keys|你的键)$/ });
    this.prompt = page.getByRole("textbox", { name: /Redis command|Redis 命令/ });
    this.entries = page.getByTestId("entry");
  }

  async openConsole() {
    if ((await this.consoleButton.getAttribute("aria-pressed")) !== "true") await this.consoleButton.tap();
    await expect(this.prompt).toBeVisible();
  }

  async close() {
    const hide = this.page.getByTestId("dock-hide");
    if (await hide.isVisible()) await hide.tap();
    await expect(this.last).toBeVisible();
  }

  /** Types a command into the docked prompt and runs it with the touch Run button; returns what it printed. */
  async run(line: string): Promise<string> {
    await this.openConsole();
    const before = await this.entries.count();
    await this.prompt.fill(line);
    await this.page.getByRole("button", { name: /^(Run the command|运行这条命令)$/ }).tap();
    const output = this.entries.nth(before).getByTestId("output");
    await expect(output).toBeVisible();
    return (await output.textContent()) ?? "";
  }
}

/** The element's box lies within the visible screen, and above the dock (whose top is `limit`). */
async function onScreen(el: Locator, limit = PHONE.height): Promise<boolean> {
  const box = await el.boundingBox();
  return !!box && box.y >= 0 && box.y + box.height <= limit + 0.5 && box.x >= 0 && box.x + box.width <= PHONE.width + 0.5;
}

async function dockTop(page: Page): Promise<number> {
  return (await page.getByTestId("dock").boundingBox())?.y ?? PHONE.height;
}

test.describe("a lesson on a phone", () => {
  test.use({ viewport: PHONE, hasTouch: true, isMobile: true });

  for (const lesson of lessons) {
    test(`${lesson.slug}: after running a step, its output is in view and the console one tap away`, async ({ page }) => {
      test.setTimeout(60_000);
      const steps = stepsOf(lesson.slug);
      const picks = [...new Set([steps[0], steps[Math.floor(steps.length / 2)], steps[steps.length - 1]])];
      await page.goto(`/en/lessons/${lesson.slug}`);
      const dock = new Dock(page);
      for (const step of picks) {
        const section = page.getByTestId(`step-${step.id}`);
        const run = section.getByRole("button", { name: /^Run / });
        await run.scrollIntoViewIfNeeded();
        // Named for what it runs, never by its id.
        await expect(run).toHaveAccessibleName(new RegExp(`^Run .*${escapeRegExp(step.commands[0].line.slice(0, 20))}`));
        await run.tap();
        await expect(run).toBeEnabled({ timeout: 20_000 });
        const output = section.getByTestId("step-output");
        await expect(output.getByRole("listitem").first()).toBeVisible();
        // The output starts on screen, above the docked bar (scrolled there if it had to be).
        await expect
          .poll(async () => {
            const box = await output.boundingBox();
            return !!box && box.y >= 0 && box.y < (await dockTop(page));
          }, `the output of ${step.id} on screen`)
          .toBe(true);
        // The bar shows the newest reply, and the console is one visible tap away.
        await expect(dock.last).not.toHaveText(/Replies appear here/);
        expect(await onScreen(dock.consoleButton), "the Console button on screen").toBe(true);
        await dock.consoleButton.tap();
        await expect(dock.prompt).toBeVisible();
        expect(await onScreen(dock.prompt), `the prompt on screen after ${step.id}`).toBe(true);
        await dock.close();
      }
    });
  }

  test("basics, walked with the docked console alone: every reply as the lesson shows it, every exercise done", async ({ page }) => {
    test.setTimeout(90_000);
    const lesson = lessons.find((l) => l.slug === "basics")!;
    await page.goto("/en/lessons/basics");
    const dock = new Dock(page);
    for (const step of stepsOf("basics")) {
      for (const cmd of step.commands) {
        const text = await dock.run(cmd.line);
        if (step.nocheck || cmd.expect === null) continue;
        // Typed by touch, a TTL read right after its SETEX may be a second lower than Run all's.
        const ttl = /^TTL /.test(cmd.line) && /^\(integer\) [1-9]\d*$/.test(cmd.expect) ? Number(cmd.expect.slice(10)) : null;
        if (ttl !== null) expect([`(integer) ${ttl}`, `(integer) ${ttl - 1}`], `${step.id}: ${cmd.line}`).toContain(text);
        else expect(text, `${step.id}: ${cmd.line}`).toBe(cmd.expect);
      }
    }
    // Your keys, one tap away.
    await dock.keysButton.tap();
    await expect(page.getByTestId("key-inspector")).toBeVisible();
    expect(await onScreen(page.getByTestId("key-inspector").getByRole("heading"))).toBe(true);
    for (const ex of lesson.exercises) {
      for (const line of ex.solution) await dock.run(line);
      await dock.close();
      const card = page.getByTestId(`exercise-${ex.id}`);
      await card.getByRole("button", { name: "Check" }).tap();
      await expect(card.getByRole("status")).toHaveText("Done!");
    }
  });

  test("fields are 16 px or more (no zoom on focus) and buttons 44 px tall", async ({ page }) => {
    for (const path of ["/en/lessons/basics", "/en/playground", "/zh/lessons/basics"]) {
      await page.goto(path);
      if (path.includes("lessons")) {
        await page
          .getByTestId("step-ping")
          .getByRole("button", { name: /^(Run|运行) PING/ })
          .tap();
        await new Dock(page).openConsole();
      }
      const fields = page.locator("input:visible, textarea:visible, select:visible");
      expect(await fields.count()).toBeGreaterThan(0);
      for (const size of await fields.evaluateAll((els) => els.map((e) => Number.parseFloat(getComputedStyle(e).fontSize)))) {
        expect(size, `a field's font size on ${path}`).toBeGreaterThanOrEqual(16);
      }
      // The console's buttons (toolbar, ↑ ↓ Tab Run), the dock's, and every .btn (Run all steps, each step's Run).
      const buttons = page.locator('[data-testid="console"] button:visible, [data-testid="dock-bar"] button:visible, .btn:visible, .btn-primary:visible');
      expect(await buttons.count()).toBeGreaterThan(5);
      for (const [name, height] of await buttons.evaluateAll((els) => els.map((e) => [e.textContent ?? "", e.getBoundingClientRect().height] as const))) {
        expect(height, `"${name}" on ${path}`).toBeGreaterThanOrEqual(44);
      }
      // Every tap target in the site's header (its links and the language switch) and in the lesson's
      // header and previous/next navigation: 44 × 44 px or more.
      const targets = page.locator('header a:visible, header button:visible, [data-testid="lesson-nav-bottom"] a:visible');
      expect(await targets.count(), `tap targets on ${path}`).toBeGreaterThanOrEqual(path.includes("lessons") ? 7 : 5);
      for (const [name, width, height] of await targets.evaluateAll((els) =>
        els.map((e) => [e.textContent ?? "", e.getBoundingClientRect().width, e.getBoundingClientRect().height] as const),
      )) {
        expect(height, `the height of "${name}" on ${path}`).toBeGreaterThanOrEqual(44);
        expect(width, `the width of "${name}" on ${path}`).toBeGreaterThanOrEqual(44);
      }
    }
  });

  test("the Console page works by touch: Run, ↑ and Tab", async ({ page }) => {
    await page.goto("/en/playground");
    const prompt = page.getByRole("textbox", { name: "Redis command" });
    await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
    expect(await onScreen(prompt)).toBe(true);
    await prompt.fill("SET phone yes");
    await page.getByRole("button", { name: "Run the command" }).tap();
    await expect(page.getByTestId("output").first()).toHaveText("OK");
    await page.getByRole("button", { name: "Previous command" }).tap();
    await expect(prompt).toHaveValue("SET phone yes");
    await expect(prompt).toBeFocused(); // a touch button leaves the keyboard up
    await page.getByRole("button", { name: "Next command" }).tap();
    await expect(prompt).toHaveValue("");
    await prompt.fill("ge");
    await page.getByRole("button", { name: "Complete the command name" }).tap();
    await expect(prompt).toHaveValue("GET ");
    await expect(page.getByTestId("touch-keys")).toBeVisible();
    await expectNoAxeViolations(page, "the Console page on a phone");
  });

  test("a lesson page on a phone has no axe violations, the dock closed and open", async ({ page }) => {
    await page.goto("/en/lessons/pipelines");
    await expectNoAxeViolations(page, "dock closed");
    await new Dock(page).openConsole();
    await expectNoAxeViolations(page, "dock open");
  });
});

test.describe("on a desktop", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("the console and keys stay a sticky column beside the lesson, without the phone's bar", async ({ page }) => {
    await page.goto("/en/lessons/basics");
    const dock = page.getByTestId("dock");
    expect(await dock.evaluate((e) => getComputedStyle(e).position)).toBe("sticky");
    await expect(page.getByTestId("dock-bar")).toBeHidden();
    await expect(page.getByTestId("touch-keys")).toBeHidden();
    await expect(page.getByRole("textbox", { name: "Redis command" })).toBeVisible();
    await expect(page.getByTestId("key-inspector")).toBeVisible();
  });
});

test.describe("the transaction on the prompt", () => {
  test("redis(TX)> after MULTI, after Console → lesson → Console, and after a reload", async ({ console: c, page }) => {
    await c.goto();
    const prompt = page.getByTestId("prompt");
    expect(await c.run("MULTI")).toBe("OK");
    await expect(prompt).toHaveText(/^redis\(TX\)>/);
    expect(await c.run("SET a 1")).toBe("QUEUED");
    await page.getByRole("navigation").getByRole("link", { name: "Lessons" }).click();
    await page.getByTestId("lesson-basics").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/en\/lessons\/basics$/);
    await expect(prompt).toHaveText(/^redis\(TX\)>/);
    // A step run there answers QUEUED, and says why.
    await page.getByRole("button", { name: "Run PING" }).click();
    const ping = page.getByTestId("step-ping");
    await expect(ping.getByTestId("step-output")).toContainText("QUEUED");
    await expect(ping.getByTestId("step-tx-open")).toHaveText("ℹ A transaction is open: EXEC or DISCARD it.");
    await page.getByRole("navigation").getByRole("link", { name: "Console" }).click();
    await expect(page).toHaveURL(/\/en\/playground$/);
    await expect(prompt).toHaveText(/^redis\(TX\)>/);
    await page.reload();
    await expect(prompt).toHaveText(/^redis\(TX\)>/);
    const exec = await c.run("EXEC");
    expect(exec).toBe("1) OK\n2) PONG");
    await expect(prompt).toHaveText(/^redis>/);
    await page.reload();
    await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
    await expect(prompt).toHaveText(/^redis>/);
  });

  test("a step that leaves a MULTI open says so until EXEC runs", async ({ page }) => {
    await page.goto("/en/lessons/pipelines");
    const queue = page.getByTestId("step-multi-queue");
    await queue.getByRole("button", { name: /^Run SET account:ann 100/ }).click();
    await expect(queue.getByTestId("step-tx-open")).toHaveText("ℹ A transaction is open: EXEC or DISCARD it.");
    await expect(page.getByTestId("prompt")).toHaveText(/^redis\(TX\)>/);
    // The other client's step does not end it.
    const peek = page.getByTestId("step-multi-peek");
    await peek.getByRole("button", { name: /^Run / }).click();
    await expect(peek.getByTestId("step-output")).toBeVisible();
    await expect(queue.getByTestId("step-tx-open")).toBeVisible();
    await page
      .getByTestId("step-multi-exec")
      .getByRole("button", { name: /^Run EXEC/ })
      .click();
    await expect(queue.getByTestId("step-tx-open")).toHaveCount(0);
    await expect(page.getByTestId("prompt")).toHaveText(/^redis>/);
  });
});

test.describe("the console", () => {
  test("ge + Tab completes GET first", async ({ console: c }) => {
    await c.goto();
    await c.prompt.pressSequentially("ge");
    await c.prompt.press("Tab");
    await expect(c.prompt).toHaveValue("GET ");
    await c.prompt.press("Tab");
    await expect(c.prompt).toHaveValue("GETDEL ");
  });

  test("escaped UTF-8 points to Raw output, and not once Raw is on", async ({ console: c, page }) => {
    await c.goto();
    await c.run("SET zh 中文");
    expect(await c.run("GET zh")).toBe('"\\xe4\\xb8\\xad\\xe6\\x96\\x87"');
    const hints = page.getByTestId("raw-hint");
    await expect(hints).toHaveCount(1);
    await expect(hints).toHaveText("redis-cli shows bytes outside ASCII as \\x escapes: turn on Raw output to read them as text.");
    await c.run("GET missing");
    await expect(hints).toHaveCount(1);
    await page.getByRole("button", { name: "Raw output" }).click();
    await expect(hints).toHaveCount(0);
  });

  test("step buttons are named for what they run, in both languages", async ({ page }) => {
    await page.goto("/en/lessons/basics");
    await expect(page.getByTestId("step-ping").getByRole("button", { name: /^Run/ })).toHaveAccessibleName("Run PING");
    await expect(page.getByTestId("step-set-get").getByRole("button", { name: /^Run/ })).toHaveAccessibleName("Run SET A apple and 2 more commands");
    await page.goto("/en/lessons/page-counter");
    await expect(page.getByTestId("step-race-b").getByRole("button", { name: /^Run/ })).toHaveAccessibleName(/^Run App server B: GET page:2/);
    await page.goto("/zh/lessons/basics");
    await expect(page.getByTestId("step-ping").getByRole("button", { name: /^运行/ })).toHaveAccessibleName("运行 PING");
    await expect(page.getByTestId("step-set-get").getByRole("button", { name: /^运行/ })).toHaveAccessibleName("运行 SET A apple 等 3 条命令");
  });

  test("a language switch keeps the transcript and the step outputs; the other page keeps its own", async ({ page }) => {
    await page.goto("/en/lessons/basics");
    await page.getByRole("button", { name: "Run SET A apple and 2 more commands" }).click();
    const output = page.getByTestId("step-set-get").getByTestId("step-output");
    await expect(output.getByRole("listitem")).toHaveCount(3);
    await expect(page.getByTestId("entry")).toHaveCount(3);
    await page.getByRole("link", { name: /中文/ }).click();
    await expect(page).toHaveURL(/\/zh\/lessons\/basics$/);
    await expect(page.getByTestId("entry")).toHaveCount(3);
    await expect(page.getByTestId("entry").nth(1).getByTestId("output")).toHaveText('"apple"');
    await expect(output.getByRole("listitem")).toHaveCount(3);
    await expect(output).toContainText("与课程预期一致");
    // The Console page has a transcript of its own, empty so far.
    await page.goto("/zh/playground");
    await expect(page.getByTestId("entry")).toHaveCount(0);
    await page.goto("/en/lessons/basics");
    await expect(page.getByTestId("entry")).toHaveCount(3);
    // Clearing clears what is kept too.
    await page.getByRole("button", { name: /^Clear/ }).click();
    await page.reload();
    await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
    await expect(page.getByTestId("entry")).toHaveCount(0);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
