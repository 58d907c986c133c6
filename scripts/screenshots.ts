/**
 * Screenshots of every page at desktop and phone widths, light and dark, for a
 * look before shipping: BASE_URL=http://localhost:3000 node --import tsx scripts/screenshots.ts [outdir]
 */
import { chromium } from "@playwright/test";
import { chromiumPath } from "./chromium";

const base = process.env.BASE_URL ?? "http://localhost:3000";
const out = process.argv[2] ?? "screenshots";
const pages = [
  "/",
  "/playground",
  "/lessons",
  "/lessons/basics",
  "/lessons/message-queue",
  "/lessons/pipelines",
  "/lessons/page-counter",
  "/notes",
  "/rooms/new",
  "/nope",
  "/zh/lessons",
  "/zh/lessons/social-circles",
  "/zh/notes",
];
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--disable-background-networking", "--disable-component-update"] });
for (const scheme of ["light", "dark"] as const) {
  for (const [label, viewport] of Object.entries(sizes)) {
    const ctx = await browser.newContext({ viewport, colorScheme: scheme });
    const page = await ctx.newPage();
    for (const p of pages) {
      await page.goto(base + p);
      if (p === "/playground") {
        const prompt = page.getByRole("textbox", { name: "Redis command" });
        for (const cmd of ["SET A apple", "GET A", "HSET user:1 name Ann city 北京", "HGETALL user:1", "LPUSH A x", "SET"]) {
          await prompt.fill(cmd);
          await prompt.press("Enter");
          await page.waitForTimeout(150);
        }
        await prompt.pressSequentially("SETE");
        await prompt.press("Tab");
      }
      if (p === "/lessons/message-queue") {
        await page.getByLabel("Jobs", { exact: true }).fill("20");
        await page.getByLabel("Work time (ms)").fill("200");
        await page.getByLabel("Crash a worker mid-job").selectOption("2");
        await page.getByRole("button", { name: /Compare all four/ }).click();
        await page.waitForTimeout(6000);
      }
      if (p === "/lessons/pipelines") await page.getByRole("button", { name: "Run the race" }).click();
      if (p === "/lessons/page-counter") await page.getByRole("button", { name: "Send the visitors" }).click();
      if (p !== "/lessons/message-queue") await page.waitForTimeout(1500);
      const name = `${out}/${p === "/" ? "home" : p.slice(1).replaceAll("/", "-")}-${label}-${scheme}.png`;
      await page.screenshot({ path: name, fullPage: true });
      console.log(name);
      // On a phone a lesson's console is docked (components/lesson/dock.tsx): a step run, then the screen as
      // the learner sees it with the dock closed, then with the console and the keys open.
      if (label === "phone" && /^(\/zh)?\/lessons\//.test(p)) {
        await page
          .getByRole("button", { name: /^(Run (?!all steps)|运行 )/ })
          .first()
          .click();
        await page.waitForTimeout(1500);
        const base = name.replace(/\.png$/, "");
        await page.screenshot({ path: `${base}-dock.png` });
        for (const panel of ["console", "keys"]) {
          await page.getByTestId(`dock-${panel}-button`).click();
          await page.waitForTimeout(500);
          await page.screenshot({ path: `${base}-dock-${panel}.png` });
          console.log(`${base}-dock-${panel}.png`);
        }
        await page.getByTestId("dock-hide").click();
      }
    }
    await ctx.close();
  }
}
await browser.close();
