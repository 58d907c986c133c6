import type { Browser, Page } from "@playwright/test";
import { test, expect, ConsolePage, expectNoAxeViolations } from "./fixtures";

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
  await ann.getByRole("button", { name: "Run step ping" }).click();
  await expect(ann.getByTestId("step-ping").getByTestId("step-output")).toContainText("PONG");
  await ann.getByRole("button", { name: "Run step set-get" }).click();
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
  await expect(teacher.getByRole("status").filter({ hasText: "Shared data reset" })).toContainText("1 key deleted");
  await teacher.getByRole("button", { name: "End the workshop" }).click();
  await teacher.getByRole("button", { name: "Confirm: end it for everyone" }).click();
  await expect(teacher.getByText("This workshop has ended.")).toBeVisible();
  await expect(ann.getByText("The workshop has ended.")).toBeVisible();
});
