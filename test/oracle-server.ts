import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type EmbeddedRedis, startRedisServer } from "@/lib/redis/embedded";

/**
 * A redis-server of the test file's own, as an oracle that nothing else
 * touches (the shared scratch server is diffed against redis-cli by
 * lib/cli/cli-diff.test.ts at the same time). Read `port` and `password`
 * (the admin user's) inside tests.
 */
export function useOracleServer(): { port: number; password: string } {
  const handle = { port: 0, password: "" };
  let redis: EmbeddedRedis | null = null;
  let dir = "";
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-oracle-"));
    redis = await startRedisServer({ dir });
    handle.port = redis.port;
    handle.password = redis.passwords.admin;
  });
  afterAll(async () => {
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return handle;
}
