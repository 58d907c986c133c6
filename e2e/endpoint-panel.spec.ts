import Redis from "ioredis";
import type { Locator, Page } from "@playwright/test";
import { expect, expectNoAxeViolations, test } from "./fixtures";

/**
 * "Connect your own client" (components/endpoint-panel.tsx), on the console page and in a lesson's
 * side panel, in English and 中文: collapsed until opened, then the endpoint's host and port and the
 * visitor's username and password, each copied by a button, and lines for redis-cli, redis-py,
 * ioredis and Redis Insight that hold them; a new password replaces the old one everywhere on the
 * panel, and the old one stops working. A real ioredis client signs in with what the panel shows, and
 * what it writes appears in the lesson's key inspector within a second or two.
 */
const words = {
  en: {
    summary: "Connect your own client",
    host: "Copy the host",
    password: "Copy the password",
    cli: "Copy the redis-cli command",
    copied: "Copied the password.",
    rotate: "New password",
    confirm: "Confirm: new password",
    cancel: "Cancel",
    rotated: "New password set. The old one no longer works.",
    note: "Commands you run from your own client act on the same keys as this page and show up in the key inspector.",
  },
  zh: {
    summary: "连接你自己的客户端",
    host: "复制主机",
    password: "复制密码",
    cli: "复制 redis-cli 命令",
    copied: "已复制密码。",
    rotate: "换新密码",
    confirm: "确认：换新密码",
    cancel: "取消",
    rotated: "新密码已生效，旧密码不再可用。",
    note: "你从自己的客户端运行的命令，操作的是和本页相同的键，也会显示在“你的键”里。",
  },
} as const;

type Locale = keyof typeof words;

interface Shown {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Opens the panel by keyboard (its summary is a button) and waits for what the server answered. */
async function open(page: Page, locale: Locale): Promise<Locator> {
  const panel = page.getByTestId("endpoint-panel");
  await expect(panel).not.toHaveAttribute("open", "");
  // Nothing is asked before the panel is opened.
  await expect(panel).toHaveAttribute("data-state", "closed");
  const summary = panel.locator("summary");
  await expect(summary).toHaveText(new RegExp(words[locale].summary));
  await summary.focus();
  await page.keyboard.press("Enter");
  await expect(panel).toHaveAttribute("data-state", "ready");
  return panel;
}

async function shown(panel: Locator): Promise<Shown> {
  const text = async (what: string) => ((await panel.getByTestId(`endpoint-${what}`).textContent()) ?? "").trim();
  return { host: await text("host"), port: Number(await text("port")), user: await text("user"), password: await text("password") };
}

/** The lines to paste hold exactly what the panel shows. */
async function expectLines(panel: Locator, s: Shown) {
  const cli = `redis-cli -h ${s.host} -p ${s.port} --user ${s.user} --pass ${s.password}`;
  await expect(panel.getByTestId("endpoint-line-cli")).toHaveText(cli);
  await expect(panel.getByTestId("endpoint-line-python")).toContainText(
    `r = redis.Redis(host="${s.host}", port=${s.port}, username="${s.user}", password="${s.password}", decode_responses=True)`,
  );
  await expect(panel.getByTestId("endpoint-line-node")).toContainText(
    `const redis = new Redis({ host: "${s.host}", port: ${s.port}, username: "${s.user}", password: "${s.password}" });`,
  );
  await expect(panel.getByTestId("endpoint-line-insight")).toHaveText(`redis://${s.user}:${s.password}@${s.host}:${s.port}`);
}

/** A real client, made as the panel's Node line makes it; it gives up at once instead of retrying. */
function newClient(s: Shown): Redis {
  const r = new Redis({
    host: s.host,
    port: s.port,
    username: s.user,
    password: s.password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  r.on("error", () => {});
  return r;
}

async function client(s: Shown): Promise<Redis> {
  const r = newClient(s);
  await r.connect();
  return r;
}

/** What the endpoint answered a client signing in with `s`: "connected", or its error (ioredis reports it as an error event, then gives up). */
async function signIn(s: Shown): Promise<string> {
  const r = newClient(s);
  let said = "";
  r.on("error", (e: Error) => {
    said ||= e.message;
  });
  try {
    await r.connect();
    return "connected";
  } catch (e) {
    return said || (e as Error).message;
  } finally {
    r.disconnect();
  }
}

for (const locale of ["en", "zh"] as const) {
  for (const where of ["console", "lesson"] as const) {
    test(`${locale} ${where} page: the panel shows the endpoint and a password to copy, and a new one on request`, async ({ page, context }) => {
      await context.grantPermissions(["clipboard-read", "clipboard-write"]);
      const w = words[locale];
      await page.goto(where === "console" ? `/${locale}/playground` : `/${locale}/lessons/basics`);
      const panel = await open(page, locale);
      if (where === "lesson") await expect(panel.getByText(w.note)).toBeVisible();
      await expect(panel.getByTestId("endpoint-off")).toHaveCount(0);
      await expect(panel.getByTestId("endpoint-room")).toHaveCount(0);

      const before = await shown(panel);
      expect(before.host).toBe("127.0.0.1");
      expect(before.port).toBeGreaterThan(0);
      expect(before.user).toBe("default");
      expect(before.password).toMatch(/^pg-[A-Za-z0-9_-]{32}$/);
      await expectLines(panel, before);

      // Copy: the clipboard holds it, and a screen reader hears so.
      await panel.getByRole("button", { name: w.password }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(before.password);
      await expect(panel.getByTestId("endpoint-announce")).toHaveText(w.copied);
      await panel.getByRole("button", { name: w.cli }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(`--pass ${before.password}`);
      await panel.getByRole("button", { name: w.host }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(before.host);

      // The password works: a real client signs in with it (and stays connected, until the password changes).
      const held = await client(before);
      expect(await held.ping()).toBe("PONG");

      await expectNoAxeViolations(page, "panel open");

      // New password, by keyboard: the warning first, with the focus on Confirm; Escape backs out.
      const rotate = panel.getByRole("button", { name: w.rotate, exact: true });
      await rotate.focus();
      await page.keyboard.press("Enter");
      const confirm = panel.getByRole("button", { name: w.confirm });
      await expect(confirm).toBeFocused();
      await expect(rotate).toHaveAttribute("aria-expanded", "true");
      await expectNoAxeViolations(page, "asking to confirm a new password");
      await page.keyboard.press("Escape");
      await expect(rotate).toBeFocused();
      await expect(confirm).toBeHidden();
      expect((await shown(panel)).password).toBe(before.password);

      await page.keyboard.press("Enter");
      await expect(confirm).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(panel.getByTestId("endpoint-rotation")).toHaveText(w.rotated);
      await expect(rotate).toBeFocused();
      await expect(panel.getByTestId("endpoint-password")).not.toHaveText(before.password);
      const after = await shown(panel);
      expect(after.password).toMatch(/^pg-[A-Za-z0-9_-]{32}$/);
      expect({ ...after, password: "" }).toEqual({ ...before, password: "" });
      await expectLines(panel, after);
      await expect(panel.getByTestId("endpoint-line-cli")).not.toContainText(before.password);

      // The old password is refused from now on, and the client signed in with it was disconnected, as the panel warned; the new one signs in.
      expect(await signIn(before)).toMatch(/^WRONGPASS/);
      await expect.poll(() => held.status, { timeout: 10_000 }).toBe("end");
      const again = await client(after);
      expect(await again.ping()).toBe("PONG");
      again.disconnect();

      // Shown again after a reload: the same (new) password, not another.
      await page.reload();
      const reopened = await open(page, locale);
      expect(await shown(reopened)).toEqual(after);
    });
  }
}

test("past ten new passwords a minute, the panel says why in the page's language, and keeps the last password", async ({ page }) => {
  await page.goto("/zh/playground");
  const panel = await open(page, "zh");
  const rotate = panel.getByRole("button", { name: words.zh.rotate, exact: true });
  const status = panel.getByTestId("endpoint-rotation");
  let last = (await shown(panel)).password;
  for (let i = 0; i < 10; i++) {
    await rotate.click();
    await panel.getByRole("button", { name: words.zh.confirm }).click();
    await expect(panel.getByTestId("endpoint-password")).not.toHaveText(last);
    await expect(status).toHaveText(words.zh.rotated);
    last = (await shown(panel)).password;
  }
  await rotate.click();
  await panel.getByRole("button", { name: words.zh.confirm }).click();
  await expect(status).toHaveText(/^为你自己的客户端换新密码太多了：每 60 秒最多 10 次。.*请 \d+ 秒后再试。$/);
  await expect(status).toHaveClass(/text-red/);
  await expect(panel.getByTestId("endpoint-password")).toHaveText(last);
  await expect(rotate).toBeFocused();
});

test("a command from the learner's own client shows in the lesson's key inspector", async ({ page }) => {
  await page.goto("/en/lessons/basics");
  const inspector = page.getByTestId("key-inspector");
  await expect(inspector.getByText("No keys yet.")).toBeVisible();
  const panel = await open(page, "en");
  const r = await client(await shown(panel));
  try {
    await r.set("from:my:client", "hello", "EX", 600);
    await expect(inspector.getByTestId("inspector-name")).toHaveText(["from:my:client"], { timeout: 3000 });
    await expect(inspector.getByTestId("inspector-key")).toContainText("hello");
    // And again, for a change to a key the inspector already shows.
    await r.rpush("from:my:list", "a", "b");
    await expect(inspector.getByTestId("inspector-name")).toHaveText(["from:my:client", "from:my:list"], { timeout: 3000 });
  } finally {
    r.disconnect();
  }
});

test("in a workshop's shared lesson the panel gives user room, and what that client writes is the class's", async ({ browser }) => {
  test.setTimeout(90_000);
  const teacher = await (await browser.newContext()).newPage();
  await teacher.goto("/en/rooms/new");
  await teacher.getByLabel("Title").fill("Own clients");
  await teacher.getByRole("button", { name: "Open the room" }).click();
  await expect(teacher).toHaveURL(/\/en\/rooms\/[A-Z2-9]{6}\/dashboard#.+/);
  const code = ((await teacher.getByTestId("join-code").textContent()) ?? "").trim();
  const join = async (name: string) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`/en/join?code=${code}`);
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Join" }).click();
    await expect(page).toHaveURL(new RegExp(`/en/rooms/${code}$`));
    await page.goto("/en/lessons/social-circles");
    await expect(page.getByTestId("shared-badge")).toBeVisible();
    return page;
  };
  const ann = await join("Ann");
  const bo = await join("Bo");

  const panel = await open(ann, "en");
  await expect(panel.getByTestId("endpoint-room")).toHaveText("This lesson works in your workshop's shared keys: user room.");
  const s = await shown(panel);
  expect(s.user).toBe("room");
  await expectLines(panel, s);
  await expectNoAxeViolations(ann, "shared lesson, panel open");

  const r = await client(s);
  try {
    expect(await r.sadd("game:WOW", "user:own-client")).toBe(1);
    // The class's keys: a classmate's inspector shows it too.
    await expect(bo.getByTestId("key-inspector").getByTestId("inspector-key").filter({ hasText: "game:WOW" })).toContainText("user:own-client", {
      timeout: 10_000,
    });
  } finally {
    r.disconnect();
  }
  // Off the shared lesson, the same visitor's panel is their own sandbox again.
  await ann.goto("/en/playground");
  const own = await open(ann, "en");
  expect(await shown(own)).toEqual({ ...s, user: "default" });
  await expect(own.getByTestId("endpoint-room")).toHaveCount(0);
});

test("on a phone, the panel sits under the docked key inspector and fits the screen", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto("/en/lessons/basics");
  await page
    .getByTestId("dock")
    .getByRole("button", { name: /^Your keys$/ })
    .tap();
  const panel = await open(page, "en");
  await expect(panel.getByTestId("endpoint-password")).toBeVisible();
  // A long password wraps: nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  for (const button of await panel.getByRole("button").all()) {
    if (!(await button.isVisible())) continue;
    const box = await button.boundingBox();
    expect(box?.height, (await button.textContent()) ?? "").toBeGreaterThanOrEqual(44);
  }
  await expectNoAxeViolations(page, "phone, panel open");
  await context.close();
});
