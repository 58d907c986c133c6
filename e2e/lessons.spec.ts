import { test, expect, expectNoAxeViolations, ConsolePage } from "./fixtures";
import { loadLessons } from "../lib/lessons/load";

/**
 * Every lesson walked as a learner would, in English (and the first one in
 * 中文 too): Run all steps — every reply as the lesson shows it — then every
 * exercise solved in the console and checked; the lesson list shows the
 * progress. Axe checks the lesson page once it is full of output.
 */
const lessons = [...loadLessons().values()].filter((l) => l.locale === "en").sort((a, b) => a.order - b.order);
const words = {
  en: {
    runAll: "Run all steps",
    check: "Check",
    done: "Done!",
    lessons: "Lessons",
    allDone: "all exercises done",
    differs: "differs from what the lesson expects",
    matches: "as the lesson expects",
  },
  zh: {
    runAll: "运行全部步骤",
    check: "检查",
    done: "完成！",
    lessons: "课程",
    allDone: "练习已全部完成",
    differs: "与课程预期不同",
    matches: "与课程预期一致",
  },
};

for (const [locale, list] of [
  ["en", lessons],
  ["zh", lessons.slice(0, 1)],
] as const) {
  for (const lesson of list) {
    test(`${locale}/${lesson.slug}: every step runs as the lesson shows it, every exercise can be done`, async ({ page }) => {
      test.setTimeout(90_000);
      const w = words[locale];
      await page.goto(`/${locale}/lessons/${lesson.slug}`);
      await expect(page.locator("html")).toHaveAttribute("lang", locale === "zh" ? "zh-CN" : "en");
      const runAll = page.getByRole("button", { name: w.runAll });
      await runAll.click();
      await expect(runAll).toBeEnabled({ timeout: 60_000 });
      const steps = lesson.sections.filter((s) => s.kind === "step");
      for (const s of steps) {
        const out = page.getByTestId(`step-${s.id}`).getByTestId("step-output").getByRole("listitem");
        await expect(out, `step ${s.id}`).toHaveCount(s.commands.length);
      }
      await expect(page.getByText(w.differs)).toHaveCount(0);
      // And every reply the lesson checks was compared and matched: a page that compared nothing would show no "differs" either.
      const checked = steps.reduce((n, s) => n + (s.kind === "step" && !s.nocheck ? s.commands.filter((c) => c.expect !== null).length : 0), 0);
      expect(checked).toBeGreaterThan(0);
      await expect(page.getByText(`✓ ${w.matches}`)).toHaveCount(checked);
      if (locale === "en") await expectNoAxeViolations(page, "after Run all steps");

      const c = new ConsolePage(page);
      for (const ex of lesson.exercises) {
        for (const line of ex.solution) await c.run(line);
        const card = page.getByTestId(`exercise-${ex.id}`);
        await card.getByRole("button", { name: w.check }).click();
        await expect(card.getByRole("status")).toHaveText(w.done);
      }
      await page.getByRole("navigation").getByRole("link", { name: w.lessons }).click();
      await expect(page.getByTestId(`lesson-${lesson.slug}`).getByTestId("lesson-progress")).toContainText(w.allDone);
    });
  }
}

test("an exercise says what is still wrong", async ({ page }) => {
  const lesson = lessons[0];
  const ex = lesson.exercises[0];
  await page.goto(`/en/lessons/${lesson.slug}`);
  const card = page.getByTestId(`exercise-${ex.id}`);
  await card.getByRole("button", { name: "Check" }).click();
  await expect(card.getByRole("status")).toContainText("Not yet:");
  await expect(card.getByRole("status").getByRole("listitem").first()).toContainText(ex.checks[0].key);
});

test("the key inspector shows keys as they change, and a TTL running out", async ({ page }) => {
  await page.goto("/en/lessons/basics");
  const c = new ConsolePage(page);
  await c.run("SET flash bye PX 1500");
  const inspector = page.getByTestId("key-inspector");
  const key = inspector.getByTestId("inspector-key").filter({ hasText: "flash" });
  await expect(key.getByTestId("inspector-ttl")).toContainText("expires in");
  await expect(key).toContainText('"bye"');
  await expect(key).toHaveCount(0, { timeout: 5000 });
  await c.run("RPUSH queue a b c");
  await expect(inspector.getByTestId("inspector-key").filter({ hasText: "queue" })).toContainText("3 items");
});

test("the language switch keeps the page, and unprefixed URLs follow it", async ({ page }) => {
  await page.goto("/lessons/basics");
  await expect(page).toHaveURL(/\/en\/lessons\/basics$/);
  await page.getByRole("link", { name: /中文/ }).click();
  await expect(page).toHaveURL(/\/zh\/lessons\/basics$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("button", { name: "运行全部步骤" })).toBeVisible();
  await page.goto("/playground");
  await expect(page).toHaveURL(/\/zh\/playground$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("控制台");
});

test("Accept-Language picks the language of an unprefixed URL", async ({ browser }) => {
  const ctx = await browser.newContext({ locale: "zh-CN" });
  const page = await ctx.newPage();
  await page.goto("/");
  await expect(page).toHaveURL(/\/zh$/);
  await ctx.close();
});
