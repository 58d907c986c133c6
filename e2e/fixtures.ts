import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Locator, type Page } from "@playwright/test";

/** The console, driven as a learner would: keyboard into the prompt. */
export class ConsolePage {
  readonly prompt: Locator;
  readonly log: Locator;
  readonly entries: Locator;

  constructor(readonly page: Page) {
    this.prompt = page.getByRole("textbox", { name: /Redis command|Redis 命令/ });
    this.log = page.getByRole("log", { name: "Console output" });
    this.entries = page.getByTestId("entry");
  }

  async goto() {
    await this.page.goto("/en/playground");
    await expect(this.prompt).toBeFocused();
    // Completion and hints come from the live server's COMMAND DOCS, loaded after the page.
    await expect(this.page.getByTestId("console")).toHaveAttribute("data-docs", "ready");
  }

  /** Types a command, presses Enter, and returns its printed output. */
  async run(command: string): Promise<string> {
    const before = await this.entries.count();
    await this.prompt.fill(command);
    await this.prompt.press("Enter");
    const entry = this.entries.nth(before);
    const output = entry.getByTestId("output");
    await expect(output).toBeVisible();
    return (await output.textContent()) ?? "";
  }

  output(n: number): Locator {
    return this.entries.nth(n).getByTestId("output");
  }
}

export const test = base.extend<{ console: ConsolePage }>({
  console: async ({ page }, use) => {
    await use(new ConsolePage(page));
  },
});

export { expect };

/** Checks the page as it is now with axe; the list of violations must be empty. */
export async function expectNoAxeViolations(page: Page, when?: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
    when,
  ).toEqual([]);
}
