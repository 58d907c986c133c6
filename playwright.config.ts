import { defineConfig, devices } from "@playwright/test";
import { chromiumPath } from "./scripts/chromium";

/**
 * End-to-end tests in Chromium against the production build, served by
 * e2e/serve.ts with a redis-server of its own (never the machine's 6379).
 * `npm test` picks free ports and builds first; see scripts/test.ts.
 */
const port = Number(process.env.E2E_PORT || 3210);
const executablePath = chromiumPath();

export default defineConfig({
  testDir: "e2e",
  globalTeardown: "./e2e/teardown.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Generous: CI shares two cores between Chromium, the app and Redis, and a slow machine is not a failure.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // PW_TRACE=retain-on-failure keeps a trace of each failed test; recording one for every test cost
    // about 15 % of the run's time on two cores, so it is off by default.
    trace: (process.env.PW_TRACE as "on" | "off" | "retain-on-failure" | undefined) ?? "off",
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    command: "node --import tsx e2e/serve.ts",
    url: `http://127.0.0.1:${port}/api/health`,
    env: { PORT: String(port) },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
