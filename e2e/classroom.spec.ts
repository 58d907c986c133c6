import type { Browser, Page } from "@playwright/test";
import { test, expect, ConsolePage, expectNoAxeViolations } from "./fixtures";
import { loadLessons } from "../lib/lessons/load";

/** A workshop end to end: one instructor and three students, each in a browser of their own. */
async function student(browser: Browser, code: string, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`/en/join?code=${code}`);
  await expect(page.getByLabel("Join code")).toHaveValue(code);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join" }).click();
  return page;
}

test("an instructor runs a workshop: students join, progress and shared keys show live, broadcasts reach everyone", async ({ browser }) => {
  test.setTimeout(90_000);
  const teacher = await (await browser.newContext()).newPage();
  await teacher.goto("/en/rooms/new");
  await teacher.getByLabel("Title").fill("Redis at the library");
  await teacher.getByRole("button", { name: "Open the room" }).click();
  await expect(teacher).toHaveURL(/\/en\/rooms\/[A-Z2-9]{6}\/dashboard#.+/);
  const code = (await teacher.getByTestId("join-code").textContent())!.trim();
  expect(code).toMatch(/^[A-HJ-KMNP-Z2-9]{6}$/);
  await expect(teacher.getByText("● live")).toBeVisible();
  await expect(teacher.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expectNoAxeViolations(teacher, "dashboard");

  const ann = await student(browser, code, "Ann");
  await expect(ann).toHaveURL(new RegExp(`/en/rooms/${code}$`));
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("Redis at the library");
  const bo = await student(browser, code, "Bo");
  const taken = await student(browser, code, "ann");
  await expect(taken.getByRole("alert").filter({ hasText: /./ })).toContainText('The name "ann" is taken');
  await taken.getByLabel("Your name").fill("Cy");
  await taken.getByRole("button", { name: "Join" }).click();
  await expect(taken).toHaveURL(new RegExp(`/en/rooms/${code}$`));
  await expect(teacher.getByTestId("roster-row")).toHaveCount(3);
  // In 中文 the same refusals read in Chinese: a taken name, and a code that does not exist.
  const zh = await (await browser.newContext()).newPage();
  await zh.goto(`/zh/join?code=${code}`);
  await zh.getByLabel("你的名字").fill("BO");
  await zh.getByRole("button", { name: "加入" }).click();
  await expect(zh.getByRole("alert").filter({ hasText: /./ })).toHaveText("名字“BO”在这个工作坊里已经有人用了，请换一个。");
  await zh.getByLabel("加入码").fill("ZZZZZ9");
  await zh.getByRole("button", { name: "加入" }).click();
  await expect(zh.getByRole("alert").filter({ hasText: /./ })).toHaveText("没有加入码为 ZZZZZ9 的工作坊。请核对屏幕上的加入码。");
  await zh.context().close();
  // After a reload a student is still in the room; the dashboard keeps its key across a language switch.
  await ann.reload();
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("Redis at the library");
  await teacher.getByRole("link", { name: /中文/ }).click();
  await expect(teacher).toHaveURL(new RegExp(`/zh/rooms/${code}/dashboard#.+`));
  await expect(teacher.getByText("● 实时")).toBeVisible();
  await teacher.getByRole("link", { name: /English/ }).click();
  await expect(teacher.getByText("● live")).toBeVisible();

  // Progress appears on the dashboard.
  await ann.goto("/en/lessons/basics");
  await ann.getByRole("button", { name: "Run PING" }).click();
  await expect(ann.getByTestId("step-ping").getByTestId("step-output")).toContainText("PONG");
  await ann.getByRole("button", { name: "Run SET A apple and 2 more commands" }).click();
  const annRow = teacher.getByTestId("roster-row").filter({ hasText: "Ann" });
  await expect(annRow.getByTestId("progress-basics")).toContainText("2/8 steps", { timeout: 5000 });

  // A shared lesson: the class's keys are the same for everyone.
  await ann.goto("/en/lessons/social-circles");
  const annConsole = new ConsolePage(ann);
  expect(await annConsole.run("SADD game:WOW user:ann")).toBe("(integer) 1");
  await bo.goto("/en/lessons/social-circles");
  const boConsole = new ConsolePage(bo);
  expect(await boConsole.run("SADD game:WOW user:bo")).toBe("(integer) 1");
  expect(await boConsole.run("SCARD game:WOW")).toBe("(integer) 2");
  await expect(bo.getByTestId("venn-regions")).toContainText("user:ann user:bo");
  // …and a private lesson is not shared.
  await bo.goto("/en/lessons/basics");
  expect(await boConsole.run("GET A")).toBe("(nil)");

  // The class job queue: the instructor's master dispatches, a student's console is the worker.
  await ann.goto("/en/lessons/message-queue");
  await annConsole.prompt.fill("SUBSCRIBE CHANNEL_DISPATCH_1");
  await annConsole.prompt.press("Enter");
  const messages = ann.getByTestId("stream-message");
  await expect(messages.first()).toHaveText('1) "subscribe"\n2) "CHANNEL_DISPATCH_1"\n3) (integer) 1');
  await teacher.getByLabel("Jobs", { exact: true }).fill("2");
  await teacher.getByLabel("Channels", { exact: true }).fill("1");
  await teacher.getByLabel("Pause between jobs (ms)").fill("0");
  await teacher.getByRole("button", { name: "Dispatch jobs" }).click();
  await expect(messages.nth(2)).toHaveText('1) "message"\n2) "CHANNEL_DISPATCH_1"\n3) "1"');
  await annConsole.prompt.press("Control+c");
  expect(await annConsole.run("PUBLISH CHANNEL_RESULT 0")).toBe("(integer) 1");
  expect(await annConsole.run("PUBLISH CHANNEL_RESULT 1")).toBe("(integer) 1");
  const jobs = teacher.getByTestId("class-job");
  await expect(jobs).toHaveCount(2);
  for (const row of [jobs.nth(0), jobs.nth(1)]) await expect(row).toContainText("Ann");

  // A broadcast reaches every student's page.
  await teacher.getByLabel("Message to every student").fill("Break until 11:00");
  await teacher.getByRole("button", { name: "Broadcast" }).click();
  for (const p of [ann, bo, taken]) await expect(p.getByTestId("broadcast")).toContainText("Break until 11:00");

  // A student cannot open the dashboard: the key is the instructor's alone.
  await bo.goto(`/en/rooms/${code}/dashboard#not-the-key`);
  await expect(bo.getByRole("alert").filter({ hasText: /./ })).toContainText("has no key");
  await expect(bo.getByTestId("roster")).toHaveCount(0);

  // Reset the shared data, then end the workshop.
  await teacher.getByRole("button", { name: "Reset shared data" }).click();
  await teacher.getByRole("button", { name: "Confirm: delete the class's keys" }).click();
  await expect(teacher.getByRole("status").filter({ hasText: "Shared data reset" })).toContainText("1 key deleted");
  await teacher.getByRole("button", { name: "End the workshop" }).click();
  await teacher.getByRole("button", { name: "Confirm: end it for everyone" }).click();
  await expect(teacher.getByText("This workshop has ended.")).toBeVisible();
  await expect(ann.getByText("The workshop has ended.")).toBeVisible();
});

/** Opens a room with every lesson from the form; returns the instructor's page (on the dashboard) and the join code. */
async function openRoom(browser: Browser, title: string, options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ teacher: Page; code: string }> {
  const teacher = await (await browser.newContext(options)).newPage();
  await teacher.goto("/en/rooms/new");
  await teacher.getByLabel("Title").fill(title);
  await teacher.getByRole("button", { name: "Open the room" }).click();
  await expect(teacher).toHaveURL(/\/en\/rooms\/[A-Z2-9]{6}\/dashboard#.+/);
  await expect(teacher.getByText("● live")).toBeVisible();
  return { teacher, code: (await teacher.getByTestId("join-code").textContent())!.trim() };
}

const socialSteps = [...loadLessons().values()]
  .find((l) => l.locale === "en" && l.slug === "social-circles")!
  .sections.flatMap((s) => (s.kind === "step" ? [{ id: s.id, commands: s.commands.length }] : []));

test("a shared lesson walked by three students one after another: no reply is flagged for anyone, and every step counts on the dashboard", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { teacher, code } = await openRoom(browser, "Sets together");
  const names = ["Ann", "Bo", "Cy"];
  for (const [i, name] of names.entries()) {
    const page = await student(browser, code, name);
    await expect(page).toHaveURL(new RegExp(`/en/rooms/${code}$`));
    await page.goto("/en/lessons/social-circles");
    // The page says the keys are the class's, beside the heading and on Your keys.
    await expect(page.getByTestId("shared-badge")).toHaveText("Shared with your class");
    await expect(page.getByTestId("shared-note")).toContainText("the lesson runs in the class's keys");
    await expect(page.getByTestId("inspector-shared")).toHaveText("The class's keys: everyone in your workshop sees and changes them.");
    // In the class's keys Run all deletes nothing, so it asks nothing, and says so.
    const runAll = page.getByRole("button", { name: "Run all steps" });
    await runAll.click();
    await expect(runAll).toBeEnabled({ timeout: 90_000 });
    await expect(page.getByTestId("console-log")).toContainText("Run all steps runs in the class's keys and deletes nothing");
    for (const s of socialSteps)
      await expect(page.getByTestId(`step-${s.id}`).getByTestId("step-output").getByRole("listitem"), `${name}: ${s.id}`).toHaveCount(s.commands);
    await expect(page.getByTestId("step-output").getByText("⚠")).toHaveCount(0);
    await expect(page.getByText("differs from what the lesson expects")).toHaveCount(0);
    if (i === 0)
      await expect(page.getByTestId("step-note-ok")).toHaveCount(0); // the first one meets every reply as the lesson shows it
    else {
      // The later ones get SADD's 0s, told why, and the step is checked by the keys it leaves.
      const sadd = page.getByTestId("step-sadd");
      await expect(sadd.getByTestId("step-note-info").first()).toContainText("a classmate ran this first");
      await expect(sadd.getByTestId("step-note-ok")).toHaveText("✓ the class's keys hold what this step leaves");
    }
    const row = teacher.getByTestId("roster-row").filter({ hasText: name });
    await expect(row.getByTestId("progress-social-circles")).toContainText(`${socialSteps.length}/${socialSteps.length} steps`, { timeout: 10_000 });
    // "Start over" in the class's keys deletes nothing (no confirmation), and says what it did.
    await page.getByRole("button", { name: "Start over" }).click();
    await expect(page.getByTestId("console-log")).toContainText("Nothing was deleted: the class's keys stay");
    await expect(page.getByTestId("step-output")).toHaveCount(0);
    await page.context().close();
  }
  // Nobody is flagged as stuck: none of the later students' steps failed.
  await expect(teacher.getByTestId("roster-row").filter({ hasText: "stuck" })).toHaveCount(0);
});

test("destructive buttons ask first: Start over and Run all steps (with keys to delete), Reset shared data", async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await (await browser.newContext()).newPage();
  await page.goto("/en/lessons/basics");
  // No keys yet: Start over and Run all steps have nothing to delete, and do not ask.
  await page.getByRole("button", { name: "Start over" }).click();
  await expect(page.getByTestId("console-log")).toContainText("Started over: your sandbox had no keys.");
  await page.getByTestId("step-set-get").getByRole("button", { name: /^Run / }).click();
  await expect(page.getByTestId("step-set-get").getByTestId("step-output")).toContainText('"apple"');
  // With a key: the button asks, naming how many; moving away cancels; the key is still there.
  await page.getByRole("button", { name: "Start over" }).click();
  const confirmStart = page.getByRole("button", { name: "Confirm: delete your 1 key" });
  await expect(confirmStart).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Start over" })).toBeVisible();
  await expect(page.getByTestId("inspector-key").filter({ hasText: "A" })).toHaveCount(1);
  await page.getByRole("button", { name: "Run all steps" }).click();
  await page.getByRole("button", { name: "Confirm: delete your 1 key and run all" }).click();
  await expect(page.getByRole("button", { name: "Run all steps" })).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId("console-log")).toContainText("Run all steps starts from an empty sandbox: 1 key deleted.");
  await page.getByRole("button", { name: "Start over" }).click();
  await page.getByRole("button", { name: /^Confirm: delete your \d+ keys?$/ }).click();
  await expect(page.getByTestId("console-log")).toContainText(/Started over: your \d+ keys? (was|were) deleted\./);
  await expect(page.getByTestId("key-inspector")).toContainText("No keys yet.");

  // The dashboard: its link is its only key, said plainly, with a copy button; Reset shared data asks first.
  const { teacher, code } = await openRoom(browser, "Careful now", { permissions: ["clipboard-read", "clipboard-write"] });
  const save = teacher.getByTestId("save-link");
  await expect(save.getByRole("heading")).toHaveText("Save this link: it is the only key to this dashboard.");
  await expect(save).toContainText("no recovery");
  await save.getByRole("button", { name: "Copy the dashboard link" }).click();
  await expect(save.getByRole("status")).toHaveText("Copied: paste it somewhere safe.");
  expect(await teacher.evaluate(() => navigator.clipboard.readText())).toBe(teacher.url());
  expect(teacher.url()).toMatch(new RegExp(`/en/rooms/${code}/dashboard#.+`));
  const ann = await student(browser, code, "Ann");
  await expect(ann).toHaveURL(new RegExp(`/en/rooms/${code}$`)); // joined (the join page navigates by itself): only then leave it
  await ann.goto("/en/lessons/social-circles");
  expect(await new ConsolePage(ann).run("SADD game:WOW user:ann")).toBe("(integer) 1");
  const reset = teacher.getByRole("button", { name: "Reset shared data" });
  await reset.click();
  await expect(teacher.getByRole("button", { name: "Confirm: delete the class's keys" })).toBeFocused();
  await teacher.keyboard.press("Tab");
  await expect(reset).toBeVisible();
  await expect(teacher.getByText("Shared data reset")).toHaveCount(0);
  await reset.click();
  await teacher.getByRole("button", { name: "Confirm: delete the class's keys" }).click();
  await expect(teacher.getByRole("status").filter({ hasText: "Shared data reset" })).toHaveText("Shared data reset: 1 key deleted.");
  // The roster says how long ago, not a clock time.
  await expect(teacher.getByTestId("roster-row").filter({ hasText: "Ann" }).getByTestId("last-seen")).toHaveText(/^(just now|\d+ min ago)$/);
});

test("the room's own address fills in its code for a student who has not joined", async ({ browser }) => {
  const { code } = await openRoom(browser, "Walk-in");
  const page = await (await browser.newContext()).newPage();
  await page.goto(`/en/rooms/${code}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Join a workshop");
  await expect(page.getByLabel("Join code")).toHaveValue(code);
  await page.getByLabel("Your name").fill("Dee");
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Walk-in");
  // The same in 中文.
  const zh = await (await browser.newContext()).newPage();
  await zh.goto(`/zh/rooms/${code}`);
  await expect(zh.getByLabel("加入码")).toHaveValue(code);
});

test("the roster on a phone: the names stay, a cue says more lessons lie sideways, the progress tracks show in dark mode", async ({ browser }) => {
  const { teacher, code } = await openRoom(browser, "Small screens");
  const ann = await student(browser, code, "Ann");
  await expect(ann).toHaveURL(new RegExp(`/en/rooms/${code}$`));
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" })).newPage();
  await phone.goto(teacher.url());
  await expect(phone.getByTestId("roster-row")).toHaveCount(1);
  await expect(phone.getByTestId("scroll-cue")).toHaveText("Scroll sideways for more lessons →");
  const region = phone.getByRole("region", { name: "Students", exact: true });
  await region.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
  await expect(phone.getByTestId("scroll-cue")).toHaveCount(0);
  // The name column stays in view while the lessons scroll.
  const name = phone.getByTestId("roster-row").getByRole("rowheader");
  const box = await name.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x).toBeLessThan(40);
  // The empty track stands out from the page in dark mode.
  const [track, page] = await phone
    .getByTestId("progress-track")
    .first()
    .evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(document.body).backgroundColor]);
  expect(track).not.toBe(page);
  await expectNoAxeViolations(phone, "dashboard on a phone, dark");
});
