import { test, expect, ConsolePage } from "./fixtures";
import { loadLessons } from "../lib/lessons/load";

/**
 * Exercises that check how (lib/lessons/practice.ts): each exercise done the
 * wrong way in the browser's console — the keys right, the method not — is
 * told "not yet" with the reason; then the hint, the solution offer, and a ✓
 * that follows the latest check.
 */
const lessons = [...loadLessons().values()].filter((l) => l.locale === "en").sort((a, b) => a.order - b.order);

for (const lesson of lessons) {
  const wrong = lesson.exercises.filter((e) => e.mistakes.length > 0);
  if (wrong.length === 0) continue;
  test(`${lesson.slug}: each exercise done the wrong way is told "not yet", with the reason`, async ({ browser }) => {
    test.setTimeout(90_000);
    for (const ex of wrong) {
      // A fresh visitor per exercise: another exercise's keys and checks stay out of it.
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`/en/lessons/${lesson.slug}`);
        const c = new ConsolePage(page);
        await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
        for (const line of ex.mistakes[0]) await c.run(line);
        const card = page.getByTestId(`exercise-${ex.id}`);
        await card.getByRole("button", { name: "Check" }).click();
        const status = card.getByRole("status");
        await expect(status, ex.id).toContainText("Not yet:");
        await expect(status.getByRole("listitem").first(), ex.id).toContainText(/Not done the way the exercise asks|asks for another way/);
        await expect(status).toContainText("since your last “Not yet”");
      } finally {
        await context.close();
      }
    }
  });
}

test("after misses: a hint, then a solution on request; the ✓ follows the latest check", async ({ page }) => {
  await page.goto("/en/lessons/basics");
  const c = new ConsolePage(page);
  await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
  const card = page.getByTestId("exercise-lock");
  const check = card.getByRole("button", { name: "Check" });
  await c.run("SET lock:job worker-1 EX 60"); // right keys, no NX
  for (let miss = 1; miss <= 4; miss++) {
    await check.click();
    await expect(card.getByRole("status")).toContainText("Not yet:");
    await expect(card.getByTestId("hint")).toHaveCount(miss >= 2 ? 1 : 0);
    await expect(card.getByRole("button", { name: "Show a solution" })).toHaveCount(miss >= 4 ? 1 : 0);
    await expect(check).toBeEnabled();
  }
  await expect(card.getByTestId("hint")).toContainText("NX");
  await card.getByRole("button", { name: "Show a solution" }).click();
  await expect(card.getByTestId("solution")).toContainText("SET lock:job worker-1 NX EX 60");
  await c.run("DEL lock:job");
  await c.run("SET lock:job worker-1 NX EX 60");
  await check.click();
  await expect(card.getByRole("status")).toHaveText("Done!");
  await expect(card.getByRole("heading")).toContainText("✓");
  // The lock released: the latest check says not yet, and the ✓ goes.
  await c.run("DEL lock:job");
  await check.click();
  await expect(card.getByRole("status")).toContainText("Not yet:");
  await expect(card.getByRole("heading")).not.toContainText("✓");
});

test("a check mentions a transaction left open in the console", async ({ page }) => {
  await page.goto("/en/lessons/pipelines");
  const c = new ConsolePage(page);
  await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
  await c.run("MULTI");
  await c.run("SET balance:alice 70");
  const card = page.getByTestId("exercise-transfer");
  await card.getByRole("button", { name: "Check" }).click();
  await expect(card.getByRole("status").getByRole("listitem").first()).toContainText("A transaction is open in the console (1 command queued)");
  await c.run("SET balance:bob 30");
  await c.run("EXEC");
  await card.getByRole("button", { name: "Check" }).click();
  await expect(card.getByRole("status")).toHaveText("Done!");
});
