import { defineConfig } from "vitest/config";
import path from "node:path";

/**
 * Files whose tests time something against a bound (another visitor's PING
 * under 50 ms, a deadline between 1.9 and 2.6 s): `npm test` runs them alone,
 * after the rest, which it runs two files at a time (scripts/test.ts).
 * A plain `vitest run` keeps vitest's default of one file at a time here.
 */
export const TIMED_FILES = [
  "lib/sandbox/work-budget.test.ts",
  "lib/sandbox/fairness.test.ts",
  "lib/sandbox/transactions.test.ts",
  // Another visitor's PING under 50 ms while one matches the slowest glob or floods patterned channels.
  "lib/sandbox/glob.test.ts",
  "lib/resp/big-reply.test.ts",
  "lib/http/stream-fanout.test.ts",
  "lib/redis/deadline.test.ts",
  // A cluster of their own, a master SIGKILLed: the slowest command during failover under 2.5 s.
  "lib/redis/cluster.test.ts",
  "lib/cluster-app.test.ts",
];

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["./test/redis-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
