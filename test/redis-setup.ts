import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startRedisServer } from "../lib/redis/embedded";

/**
 * One private redis-server for the whole unit/integration run, on a free port
 * (never the machine's 6379). Namespaces keep the tests apart.
 */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-redis-"));
  const redis = await startRedisServer({ dir });
  project.provide("redisUrl", redis.url);
  project.provide("redisPort", redis.port);
  project.provide("redisPassword", redis.password);
  process.env.PLAYGROUND_REDIS_URL = redis.url;
  return async () => {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    redisPort: number;
    redisPassword: string;
  }
}
