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

test("each lesson has one title: the home page, the lesson list and the lesson page say the same, in both languages", async ({ page }) => {
  for (const locale of ["en", "zh"] as const) {
    for (const lesson of [...loadLessons().values()].filter((l) => l.locale === locale)) {
      await page.goto(`/${locale}`);
      await expect(page.locator(`main a[href="/${locale}/lessons/${lesson.slug}"]`).first()).toHaveText(lesson.title);
      await page.goto(`/${locale}/lessons`);
      await expect(page.getByTestId(`lesson-${lesson.slug}`).getByRole("link", { name: lesson.title, exact: true })).toBeVisible();
      await page.goto(`/${locale}/lessons/${lesson.slug}`);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(lesson.title);
      await expect(page).toHaveTitle(new RegExp(`^${lesson.title.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} · `));
    }
  }
});

test.describe("the notes page", () => {
  for (const [locale, w] of [
    ["en", { title: "The notes", nav: "The notes", lessonN: "Lesson 1: ", lesson: "Basics: connect, SET/GET, expiry", heading: "Keys that expire: SETEX" }],
    ["zh", { title: "笔记", nav: "笔记", lessonN: "第 1 课：", lesson: "基础：连接、SET/GET 与过期", heading: "会过期的键：SETEX" }],
  ] as const) {
    test(`${locale}: the notes as written, each part linked to its lesson, each mistake marked with its correction`, async ({ page }) => {
      await page.goto(`/${locale}/lessons`);
      await page.getByRole("navigation").getByRole("link", { name: w.nav, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/${locale}/notes$`));
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(w.title);
      // The original text, as written: the first line, a line in Chinese, the last.
      const main = page.locator("main");
      await expect(main.locator("pre").first()).toContainText("### Basic operation");
      await expect(main).toContainText("设置过期时间：");
      await expect(main.locator("pre").last()).toContainText("Master()");
      // The mistake is marked where the notes make it, and its correction follows the part.
      const part = page.getByTestId("notes-part-setex");
      await expect(part.locator("mark")).toContainText("setex(name, value, time)");
      await expect(part.getByTestId("notes-mistake")).toContainText("setex(name, time, value)");
      await expectNoAxeViolations(page, `/${locale}/notes`);
      // The part's lesson link opens the lesson at the heading that teaches it.
      await expect(part.getByTestId("notes-lesson-link")).toHaveText(`${w.lessonN}${w.lesson}`);
      await part.getByTestId("notes-lesson-link").click();
      await expect(page).toHaveURL(new RegExp(`/${locale}/lessons/basics#`));
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(w.lesson);
      await expect(page.getByRole("heading", { level: 2, name: w.heading })).toBeInViewport();
    });
  }

  test("a lesson's mention of the notes opens the notes at its part", async ({ page }) => {
    await page.goto("/en/lessons/pipelines");
    await page.locator("article").getByRole("link", { name: "The notes", exact: true }).first().click();
    await expect(page).toHaveURL(/\/en\/notes#pipeline$/);
    await expect(page.getByRole("heading", { level: 2, name: "Pipeline" })).toBeInViewport();
    await expect(page.getByTestId("notes-part-pipeline").locator("mark").first()).toContainText("据说有原子性");
  });
});

/** The lessons in order: "Lesson n of 6", previous and next links at the top and at the end, the list's summary. */
test.describe("lesson order", () => {
  const flow = {
    en: {
      of: (n: number, t: number) => `Lesson ${n} of ${t}`,
      top: "Previous and next lesson",
      bottom: "Continue with the lessons",
      prev: "Previous",
      next: "Next",
      sep: ": ",
    },
    zh: { of: (n: number, t: number) => `第 ${n} 课，共 ${t} 课`, top: "上一课与下一课", bottom: "继续学习课程", prev: "上一课", next: "下一课", sep: "：" },
  };
  for (const locale of ["en", "zh"] as const) {
    test(`${locale}: next walks through all six lessons, previous walks back`, async ({ page }) => {
      test.setTimeout(90_000);
      const w = flow[locale];
      const list = [...loadLessons().values()].filter((l) => l.locale === locale).sort((a, b) => a.order - b.order);
      expect(list).toHaveLength(6);
      await page.goto(`/${locale}/lessons/${list[0].slug}`);
      for (const [i, l] of list.entries()) {
        await expect(page).toHaveURL(new RegExp(`/${locale}/lessons/${l.slug}$`));
        await expect(page.getByRole("heading", { level: 1 })).toContainText(l.title);
        await expect(page.getByTestId("lesson-of")).toHaveText(w.of(i + 1, 6));
        const top = page.getByRole("navigation", { name: w.top });
        const bottom = page.getByRole("navigation", { name: w.bottom });
        const prev = list[i - 1];
        const next = list[i + 1];
        // The first lesson has no previous one, the last no next one: each place shows only what exists.
        await expect(top.locator('a[rel="prev"]')).toHaveCount(prev ? 1 : 0);
        await expect(bottom.locator('a[rel="prev"]')).toHaveCount(prev ? 1 : 0);
        await expect(top.locator('a[rel="next"]')).toHaveCount(next ? 1 : 0);
        await expect(bottom.locator('a[rel="next"]')).toHaveCount(next ? 1 : 0);
        if (prev) await expect(top.getByRole("link", { name: `${w.prev}${w.sep}${prev.title}` })).toHaveAttribute("href", `/${locale}/lessons/${prev.slug}`);
        if (next) {
          await expect(top.getByRole("link", { name: `${w.next}${w.sep}${next.title}` })).toHaveAttribute("href", `/${locale}/lessons/${next.slug}`);
          // The end of the lesson comes after its exercises.
          const exercises = page.getByTestId(/^exercise-/).last();
          expect(
            await exercises.evaluate((e, nav) => !!(e.compareDocumentPosition(nav as Node) & Node.DOCUMENT_POSITION_FOLLOWING), await bottom.elementHandle()),
          ).toBe(true);
          await bottom.getByRole("link", { name: new RegExp(`${w.next}.*${escapeRe(next.title)}`) }).click();
        }
      }
      if (locale === "en") await expectNoAxeViolations(page, "the last lesson's page");
      for (let i = list.length - 1; i > 0; i--) {
        await page
          .getByRole("navigation", { name: w.top })
          .getByRole("link", { name: `${w.prev}${w.sep}${list[i - 1].title}` })
          .click();
        await expect(page).toHaveURL(new RegExp(`/${locale}/lessons/${list[i - 1].slug}$`));
        await expect(page.getByTestId("lesson-of")).toHaveText(w.of(i, 6));
      }
    });
  }

  test("the list sums up this browser's progress and marks the next lesson", async ({ page }) => {
    const list = lessons.map((l) => ({ slug: l.slug, ids: l.exercises.map((e) => e.id) }));
    const total = list.reduce((n, l) => n + l.ids.length, 0);
    await page.goto("/en/lessons");
    await expect(page.getByTestId("lessons-summary")).toHaveText(`0 of 6 lessons complete · 0 of ${total} exercises`);
    await expect(page.getByTestId("lesson-next")).toHaveCount(1);
    await expect(page.getByTestId(`lesson-${list[0].slug}`).getByTestId("lesson-next")).toHaveText("Start here");
    // The first lesson done, one exercise of the third, and an id no lesson has: the second lesson is next.
    await page.evaluate(
      ([first, third]) => localStorage.setItem("pg:progress", JSON.stringify({ [first.slug]: first.ids, [third.slug]: [third.ids[0], "no-such-exercise"] })),
      [list[0], list[2]] as const,
    );
    await page.reload();
    await expect(page.getByTestId("lessons-summary")).toHaveText(`1 of 6 lessons complete · ${list[0].ids.length + 1} of ${total} exercises`);
    await expect(page.getByTestId("lesson-next")).toHaveCount(1);
    await expect(page.getByTestId(`lesson-${list[1].slug}`).getByTestId("lesson-next")).toHaveText("Next up");
    await page.goto("/zh/lessons");
    await expect(page.getByTestId("lessons-summary")).toHaveText(`已学完 1/6 课 · 已完成 ${list[0].ids.length + 1}/${total} 个练习`);
    await expect(page.getByTestId(`lesson-${list[1].slug}`).getByTestId("lesson-next")).toHaveText("接下来学这一课");
    await expectNoAxeViolations(page, "/zh/lessons with progress");
  });
});

/** Unknown URLs: the app's own page, inside the layout, in the visitor's language, with status 404. */
test.describe("page not found", () => {
  const cases = [
    { url: "/en/nope", lang: "en", final: "/en/nope" },
    { url: "/zh/lessons/nope", lang: "zh", final: "/zh/lessons/nope" },
    { url: "/en/lessons/basics/x", lang: "en", final: "/en/lessons/basics/x" },
    { url: "/zh/a/b/c", lang: "zh", final: "/zh/a/b/c" },
    // Without a language: sent to the visitor's (English here) first, then not found there.
    { url: "/nope", lang: "en", final: "/en/nope" },
    { url: "/xx/lessons", lang: "en", final: "/en/xx/lessons" },
  ] as const;
  const words = {
    en: { title: "Page not found", html: "en", nav: "Main", lessons: "Lessons" },
    zh: { title: "找不到这个页面", html: "zh-CN", nav: "主导航", lessons: "课程" },
  };
  for (const c of cases) {
    test(`${c.url}: 404, styled and in ${c.lang}`, async ({ page }) => {
      const w = words[c.lang];
      await page.emulateMedia({ colorScheme: "dark" });
      const res = await page.goto(c.url);
      expect(res?.status()).toBe(404);
      expect(new URL(page.url()).pathname).toBe(c.final);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(w.title);
      await expect(page.locator("html")).toHaveAttribute("lang", w.html);
      // The layout's header and navigation, and its dark background (Next's bare 404 is black).
      await expect(page.getByRole("banner").getByRole("navigation", { name: w.nav })).toBeVisible();
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(11, 15, 20)");
      await expectNoAxeViolations(page, c.url);
      await page.getByTestId("not-found").getByRole("link", { name: w.lessons, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/${c.lang}/lessons$`));
    });
  }

  // Not only after hydration: the server's HTML itself is the translated page inside the layout, so curl,
  // crawlers and a browser without JavaScript see it too (not Next's empty error shell).
  test("without JavaScript: the server's HTML is the translated page, inside the layout, with status 404", async ({ request, browser }) => {
    for (const c of cases) {
      const w = words[c.lang];
      const res = await request.get(c.url);
      expect(res.status(), c.url).toBe(404);
      expect(new URL(res.url()).pathname, c.url).toBe(c.final);
      const html = await res.text();
      expect(html.includes("__next_error__"), `${c.url}: Next's empty error document`).toBe(false);
      expect(html.match(/<html[^>]* lang="([^"]+)"/)?.[1], c.url).toBe(w.html);
      expect(html.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1], c.url).toBe(w.title);
      expect(html, c.url).toMatch(new RegExp(`<header[^>]*>\\s*<nav[^>]* aria-label="${w.nav}"`));
      expect(html, c.url).toContain(`href="/${c.lang}/lessons"`);
      expect(html, c.url).toMatch(/<link rel="stylesheet"/);
    }
    const ctx = await browser.newContext({ javaScriptEnabled: false, colorScheme: "dark" });
    try {
      const page = await ctx.newPage();
      for (const c of [cases[1], cases[2]]) {
        const w = words[c.lang];
        const res = await page.goto(c.url);
        expect(res?.status()).toBe(404);
        await expect(page.getByRole("heading", { level: 1 })).toHaveText(w.title);
        await expect(page.getByRole("banner").getByRole("navigation", { name: w.nav })).toBeVisible();
        await expect(page.getByRole("banner").getByRole("link", { name: c.lang === "en" ? /中文/ : /English/ })).toHaveAttribute(
          "href",
          c.final.replace(/^\/(en|zh)/, c.lang === "en" ? "/zh" : "/en"),
        );
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(11, 15, 20)");
      }
    } finally {
      await ctx.close();
    }
  });

  test("the language switch on a 404 opens the same address in the other language, also a 404", async ({ page }) => {
    // Nothing on the way answers 500 (a prefetch or client-side fetch of an unknown lesson slug did).
    const failed: string[] = [];
    page.on("response", (r) => r.status() >= 500 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto("/zh/lessons/nope");
    const res = page.waitForResponse((r) => new URL(r.url()).pathname === "/en/lessons/nope" && r.request().resourceType() === "document");
    await page
      .getByRole("banner")
      .getByRole("link", { name: /English/ })
      .click();
    expect((await res).status()).toBe(404);
    await expect(page).toHaveURL(/\/en\/lessons\/nope$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    expect(failed).toEqual([]);
  });

  test("a visitor reading Chinese gets the Chinese page for an unprefixed unknown URL", async ({ browser }) => {
    const ctx = await browser.newContext({ locale: "zh-CN" });
    const page = await ctx.newPage();
    const res = await page.goto("/nope");
    expect(res?.status()).toBe(404);
    await expect(page).toHaveURL(/\/zh\/nope$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("找不到这个页面");
    await ctx.close();
  });
});

/** The language switch keeps the reader's place: the same section of the lesson, in the other language. */
test.describe("language switch and scroll", () => {
  const lesson = (locale: "en" | "zh") => loadLessons().get(`${locale}/basics`);
  /** The lesson's section headings' ids, in order, as its page renders them. */
  const headingIds = (locale: "en" | "zh") =>
    (lesson(locale)?.sections ?? []).flatMap((s) => (s.kind === "prose" ? [...s.html.matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]) : []));

  test("a section in the middle of a lesson is still in view after switching, both ways", async ({ page }) => {
    const en = headingIds("en");
    const zh = headingIds("zh");
    expect(zh).toHaveLength(en.length);
    const i = Math.floor(en.length / 2);
    expect(i).toBeGreaterThan(1);
    await page.goto("/en/lessons/basics");
    const heading = page.locator(`[id="${en[i]}"]`);
    await heading.evaluate((h) => h.scrollIntoView({ block: "start" }));
    // The reader stops there a moment, then scrolls up to the header's switch (Playwright scrolls to it to click).
    await page.waitForTimeout(1000);
    await page.getByRole("link", { name: /中文/ }).click();
    await expect(page).toHaveURL(/\/zh\/lessons\/basics$/);
    await expect(page.locator(`[id="${zh[i]}"]`)).toBeInViewport();
    await expect(page.getByRole("heading", { level: 1 })).not.toBeInViewport();
    await page.waitForTimeout(1000);
    await page.getByRole("link", { name: /English/ }).click();
    await expect(page).toHaveURL(/\/en\/lessons\/basics$/);
    await expect(heading).toBeInViewport();
    await expect(page.getByRole("heading", { level: 1 })).not.toBeInViewport();
  });

  test("at the top of a lesson, or on a page without sections, the other language opens at its top", async ({ page }) => {
    await page.goto("/en/lessons/basics");
    await page.getByRole("link", { name: /中文/ }).click();
    await expect(page).toHaveURL(/\/zh\/lessons\/basics$/);
    await expect(page.getByRole("heading", { level: 1 })).toBeInViewport();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.goto("/en/playground");
    await page.getByRole("link", { name: /中文/ }).click();
    await expect(page).toHaveURL(/\/zh\/playground$/);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
