import fs from "node:fs";
import { startRedisServer } from "@/lib/redis/embedded";
import { ConsolePage, expect, expectNoAxeViolations, test } from "./fixtures";
import { readState, writeState } from "./state";

test.describe("the console", () => {
  test("runs commands and prints replies as redis-cli does", async ({ console: c }) => {
    await c.goto();
    expect(await c.run("SET A apple")).toBe("OK");
    expect(await c.run("GET A")).toBe('"apple"');
    expect(await c.run("INCR visits")).toBe("(integer) 1");
    expect(await c.run("GET nothing-here")).toBe("(nil)");
    expect(await c.run("RPUSH l a b")).toBe("(integer) 2");
    expect(await c.run("LRANGE l 0 -1")).toBe('1) "a"\n2) "b"');
    await expect(c.entries.first().getByText(/\d+\.\d\d ms/)).toBeVisible();
  });

  test("shows error replies, including a parse error", async ({ console: c }) => {
    await c.goto();
    expect(await c.run("SETT greeting hello")).toMatch(/^\(error\) ERR unknown command 'SETT'/);
    await expect(c.page.getByTestId("did-you-mean")).toContainText("Did you mean SET");
    await c.run("SET A apple");
    expect(await c.run("LPUSH A x")).toBe("(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    // redis-cli prints only "Invalid argument(s)" (no "(error) "); the playground says why under it.
    expect(await c.run('SET A "oops')).toBe("Invalid argument(s)");
    await expect(c.entries.nth(3).getByTestId("notice")).toHaveText(
      'Unbalanced double quote: the " opened at column 7 is never closed, so redis-cli sends nothing. Close it, or escape it (\\") inside quotes.',
    );
    expect(await c.run("CONFIG GET *")).toMatch(/^\(error\) ERR CONFIG GET administers the whole server/);
    await expect(c.entries.nth(2).getByTestId("output")).toHaveClass(/text-red/);
  });

  test("keeps history across reloads, on ↑ and ↓", async ({ console: c, page }) => {
    await c.goto();
    await c.run("SET first 1");
    await c.run("GET first");
    await page.reload();
    await expect(c.prompt).toBeFocused();
    await c.prompt.press("ArrowUp");
    await expect(c.prompt).toHaveValue("GET first");
    await c.prompt.press("ArrowUp");
    await expect(c.prompt).toHaveValue("SET first 1");
    await c.prompt.press("ArrowDown");
    await expect(c.prompt).toHaveValue("GET first");
    await c.prompt.press("ArrowDown");
    await expect(c.prompt).toHaveValue("");
  });

  test("completes command names with Tab and hints their arguments", async ({ console: c, page }) => {
    await c.goto();
    await c.prompt.pressSequentially("hgeta");
    await c.prompt.press("Tab");
    await expect(c.prompt).toHaveValue("HGETALL ");
    await expect(page.getByTestId("hint")).toHaveText("key");
    await c.prompt.fill("");
    await c.prompt.pressSequentially("SETE");
    await c.prompt.press("Tab");
    await expect(c.prompt).toHaveValue("SETEX ");
    await expect(page.getByTestId("hint")).toHaveText("key seconds value");
    await c.prompt.pressSequentially("k 10 ");
    await expect(page.getByTestId("hint")).toHaveText("value");
  });

  test("HELP shows a command's summary, arguments, complexity and version", async ({ console: c }) => {
    await c.goto();
    const out = await c.run("HELP SETEX");
    expect(out).toContain("SETEX key seconds value");
    expect(out).toContain("summary: Set the value and expiration of a key");
    expect(out).toContain("since: 2.0.0");
    expect(out).toContain("complexity: O(1)");
  });

  test("HELP on a 中文 page prints the console's help in Chinese; HELP <command> stays as Redis documents it", async ({ console: c, page }) => {
    await page.goto("/zh/playground");
    await expect(c.prompt).toBeFocused();
    await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
    const out = await c.run("HELP");
    expect(out).toContain("Redis 练习场控制台");
    expect(out).toContain("例如 HELP SET");
    expect(out).not.toContain("Redis Playground console");
    expect(await c.run("HELP SETEX")).toContain("summary: Set the value and expiration of a key");
  });

  test("raw output decodes UTF-8, like redis-cli --raw", async ({ console: c, page }) => {
    await c.goto();
    await c.run("SET zh 中文");
    expect(await c.run("GET zh")).toBe('"\\xe4\\xb8\\xad\\xe6\\x96\\x87"');
    await page.getByRole("button", { name: "Raw output" }).click();
    await expect(c.output(1)).toHaveText("中文");
    await page.getByRole("button", { name: "Raw output" }).click();
    await expect(c.output(1)).toHaveText('"\\xe4\\xb8\\xad\\xe6\\x96\\x87"');
  });

  test("Ctrl+L clears the screen", async ({ console: c }) => {
    await c.goto();
    await c.run("PING");
    await expect(c.entries).toHaveCount(1);
    await c.prompt.press("Control+l");
    await expect(c.entries).toHaveCount(0);
  });

  test("Reset my data deletes only my keys, after a confirmation", async ({ console: c, page }) => {
    await c.goto();
    await c.run("MSET a 1 b 2 c 3");
    const reset = page.getByRole("button", { name: "Reset my data" });
    await reset.click();
    await page.getByRole("button", { name: "Confirm: delete all my keys" }).click();
    await expect(c.log).toContainText("Your data was reset: 3 keys deleted.");
    expect(await c.run("DBSIZE")).toBe("(integer) 0");
  });

  test("two browsers cannot see each other's keys", async ({ browser }) => {
    const a = new ConsolePage(await (await browser.newContext()).newPage());
    const b = new ConsolePage(await (await browser.newContext()).newPage());
    await a.goto();
    await b.goto();
    expect(await a.run("SET secret alice-only")).toBe("OK");
    expect(await b.run("GET secret")).toBe("(nil)");
    expect(await b.run("KEYS *")).toBe("(empty array)");
    expect(await b.run("SET secret bob")).toBe("OK");
    expect(await a.run("GET secret")).toBe('"alice-only"');
    expect(await a.run("DBSIZE")).toBe("(integer) 1");
  });

  test("shows a banner while Redis is down and recovers by itself", async ({ console: c }) => {
    await c.goto();
    expect(await c.run("PING")).toBe("PONG");
    const s = readState();
    process.kill(s.redisPid, "SIGTERM");
    await expect.poll(() => isAlive(s.redisPid), { timeout: 10_000 }).toBe(false);
    const out = await c.run("PING");
    expect(out).toMatch(/Redis is unavailable/);
    const banner = c.page.getByRole("alert").filter({ hasText: "Redis is unavailable" });
    await expect(banner).toBeVisible();
    const redis = await startRedisServer({ dir: s.redisDir, port: s.redisPort, passwords: s.redisPasswords });
    writeState({ ...s, redisPid: redis.pid });
    await expect(banner).toHaveCount(0, { timeout: 15_000 });
    await expect(c.log).toContainText("Redis is back.");
    expect(await c.run("PING")).toBe("PONG");
  });

  test("the console is usable with the keyboard alone, at phone width", async ({ console: c, page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await c.goto();
    await page.keyboard.type("SET phone yes");
    await page.keyboard.press("Enter");
    await expect(c.output(0)).toHaveText("OK");
    const box = await c.prompt.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(375);
  });
});

test.describe("accessibility", () => {
  for (const path of ["/en", "/en/playground", "/en/lessons", "/zh", "/zh/playground", "/zh/lessons"]) {
    test(`${path} has no axe violations`, async ({ page }) => {
      await page.goto(path);
      await expectNoAxeViolations(page);
    });
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2].startsWith("Z");
  } catch {
    return false;
  }
}

test.describe("transactions", () => {
  test("WATCH/MULTI/EXEC returns (nil) when another tab changes the watched key", async ({ context }) => {
    const tab1 = new ConsolePage(await context.newPage());
    const tab2 = new ConsolePage(await context.newPage());
    await tab1.goto();
    await tab2.goto();
    expect(await tab1.run("SET stock 10")).toBe("OK");
    expect(await tab1.run("WATCH stock")).toBe("OK");
    expect(await tab1.run("MULTI")).toBe("OK");
    await expect(tab1.page.getByTestId("prompt")).toHaveText(/redis\(TX\)>/);
    expect(await tab1.run("DECR stock")).toBe("QUEUED");
    expect(await tab2.run("SET stock 0")).toBe("OK");
    expect(await tab1.run("EXEC")).toBe("(nil)");
    await expect(tab1.page.getByTestId("prompt")).toHaveText(/^redis>/);
    expect(await tab1.run("GET stock")).toBe('"0"');
  });

  test("a blocking command waits for another tab's push", async ({ context }) => {
    const worker = new ConsolePage(await context.newPage());
    const master = new ConsolePage(await context.newPage());
    await worker.goto();
    await master.goto();
    await worker.prompt.fill("BRPOP jobs 5");
    await worker.prompt.press("Enter");
    await master.run("LPUSH jobs job-42");
    await expect(worker.output(0)).toHaveText('1) "jobs"\n2) "job-42"');
  });
});

test.describe("pub/sub", () => {
  test("SUBSCRIBE (and SSUBSCRIBE) in one tab receives what another tab PUBLISHes (SPUBLISHes), and not another visitor's", async ({ context, browser }) => {
    const listener = new ConsolePage(await context.newPage());
    const publisher = new ConsolePage(await context.newPage());
    const stranger = new ConsolePage(await (await browser.newContext()).newPage());
    await listener.goto();
    await publisher.goto();
    await stranger.goto();
    await listener.prompt.fill("SUBSCRIBE news");
    await listener.prompt.press("Enter");
    const messages = listener.page.getByTestId("stream-message");
    await expect(messages.first()).toHaveText('1) "subscribe"\n2) "news"\n3) (integer) 1');
    await expect(listener.page.getByRole("status")).toContainText("Subscribed to news");
    expect(await publisher.run("PUBLISH news hello")).toBe("(integer) 1");
    await expect(messages.nth(1)).toHaveText('1) "message"\n2) "news"\n3) "hello"');
    expect(await stranger.run("PUBLISH news from-a-stranger")).toBe("(integer) 0");
    await listener.prompt.press("Control+c");
    await expect(listener.log).toContainText("Left subscribed mode.");
    await expect(listener.page.getByRole("status")).toHaveCount(0);
    await expect.poll(() => publisher.run("PUBLISH news again")).toBe("(integer) 0");
    await expect(messages).toHaveCount(2);
    // Sharded pub/sub: SSUBSCRIBE hears SPUBLISH, and a classic PUBLISH does not reach it.
    await listener.prompt.fill("SSUBSCRIBE jobs");
    await listener.prompt.press("Enter");
    await expect(messages.nth(2)).toHaveText('1) "ssubscribe"\n2) "jobs"\n3) (integer) 1');
    await expect.poll(() => publisher.run("SPUBLISH jobs job-1")).toBe("(integer) 1");
    await expect(messages.nth(3)).toHaveText('1) "smessage"\n2) "jobs"\n3) "job-1"');
    expect(await publisher.run("PUBLISH jobs classic")).toBe("(integer) 0");
    expect(await stranger.run("SPUBLISH jobs from-a-stranger")).toBe("(integer) 0");
    await listener.prompt.press("Control+c");
    await expect.poll(() => publisher.run("SPUBLISH jobs again")).toBe("(integer) 0");
    await expect(messages).toHaveCount(4);
  });
});

test("in 中文, the playground's own refusals are explained under redis-cli's words", async ({ page }) => {
  await page.goto("/zh/playground");
  const c = new ConsolePage(page);
  await expect(page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
  expect(await c.run("SELECT 1")).toMatch(/^\(error\) ERR SELECT would switch/);
  await expect(page.getByTestId("explain")).toHaveText("SELECT 会把共享连接切换到另一个数据库；你的键放在你自己的命名空间里。");
  expect(await c.run("INCR nothing-wrong")).toBe("(integer) 1");
  await expect(page.getByTestId("explain")).toHaveCount(1);
  // Redis's own common errors get a Chinese explanation too; its words stay.
  expect(await c.run("LPUSH nothing-wrong x")).toBe("(error) WRONGTYPE Operation against a key holding the wrong kind of value");
  await expect(page.getByTestId("explain")).toHaveCount(2);
  await expect(page.getByTestId("explain").last()).toContainText("类型");
  // A line redis-cli cannot split: its words as they are, the reason in Chinese under them.
  expect(await c.run("SET a 'b")).toBe("Invalid argument(s)");
  await expect(c.entries.last().getByTestId("notice")).toHaveText(
    "第 7 列开始的单引号没有闭合，所以 redis-cli 什么也没有发送。请闭合它，或者在引号里把它转义（\\'）。",
  );
  // A live stream the playground refuses says why, in red, explained the same way.
  await c.prompt.fill(`PSUBSCRIBE ${"*".repeat(130)}`);
  await c.prompt.press("Enter");
  const log = page.getByTestId("console");
  await expect(log.getByText("(error) ERR The pattern of this PSUBSCRIBE is 130 bytes")).toBeVisible();
  await expect(log.getByText("这条 PSUBSCRIBE 的模式有 130 字节；练习场允许的模式最多 128 字节")).toBeVisible();
});
