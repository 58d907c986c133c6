import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startRedisServer } from "../lib/redis/embedded";

/**
 * One private redis-server for the whole unit/integration run, on a free port
 * (never the machine's 6379), with the same ACL users as the embedded Redis.
 * Namespaces keep the tests apart.
 */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-redis-"));
  const redis = await startRedisServer({ dir });
  project.provide("redisUrl", redis.urls.admin);
  project.provide("sandboxUrl", redis.urls.playground);
  project.provide("appUrl", redis.urls.app);
  project.provide("hubUrl", redis.urls.hub);
  project.provide("redisPort", redis.port);
  project.provide("adminPassword", redis.passwords.admin);
  return async () => {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The admin user: raw checks that must see the whole server. */
    redisUrl: string;
    /** The sandbox user the app's shared connection uses. */
    sandboxUrl: string;
    /** The app-data user (app:* only). */
    appUrl: string;
    /** The subscriber hub's user (subscribe only). */
    hubUrl: string;
    redisPort: number;
    adminPassword: string;
  }
}
