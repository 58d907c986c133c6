import fs from "node:fs";

/**
 * The Chromium the tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium
 * (or Ubuntu's chromium-browser), else undefined — Playwright's own download,
 * on machines that can fetch it.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[];
  return candidates.find((p) => fs.existsSync(p));
}
