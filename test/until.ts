import { vi } from "vitest";

/**
 * Waits until `cond` holds, polling every 10 ms, for at most `ms`; then fails
 * naming `what`. The one polling helper of the tests (vi.waitFor underneath).
 */
export async function until(cond: () => boolean | Promise<boolean>, ms = 3000, what = "the condition"): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    },
    { timeout: ms, interval: 10 },
  );
}
