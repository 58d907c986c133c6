import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startRedisServer } from "../lib/redis/embedded";
import { startRedisCluster } from "../lib/redis/embedded-cluster";

/**
 * One private redis-server for the whole unit/integration run, on a free port
 * (never the machine's 6379), with the same ACL users as the embedded Redis.
 * Namespaces keep the tests apart.
 */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-redis-"));
  // `npm run test:cluster` (PLAYGROUND_TEST_CLUSTER=1): the same tests on a 3 + 3 Redis Cluster, the URLs naming its first node.
  const onCluster = process.env.PLAYGROUND_TEST_CLUSTER === "1";
  const cluster = onCluster ? await startRedisCluster({ dir: path.join(dir, "cluster") }) : null;
  const redis = cluster ? { ...cluster.nodes[0], urls: cluster.urls, stop: () => cluster.stop() } : await startRedisServer({ dir });
  project.provide("cluster", onCluster);
  // A second, empty server where redis-cli runs the same lines as the app (cli-diff):
  // the app's server has one database, all of it shared with the other test files.
  const scratch = await startRedisServer({ dir: path.join(dir, "scratch") });
  project.provide("scratchPort", scratch.port);
  project.provide("scratchPassword", scratch.passwords.admin);
  project.provide("redisUrl", redis.urls.admin);
  project.provide("sandboxUrl", redis.urls.playground);
  project.provide("appUrl", redis.urls.app);
  project.provide("hubUrl", redis.urls.hub);
  project.provide("wardenUrl", redis.urls.warden);
  project.provide("redisPort", redis.port);
  project.provide("adminPassword", redis.passwords.admin);
  return async () => {
    await Promise.all([redis.stop(), scratch.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The URLs name a node of a Redis Cluster (npm run test:cluster): the runtime routes by slot. */
    cluster: boolean;
    /** The admin user: raw checks that must see the whole server. */
    redisUrl: string;
    /** The sandbox user the app's shared connection uses. */
    sandboxUrl: string;
    /** The app-data user (app:* only). */
    appUrl: string;
    /** The subscriber hub's user (subscribe only). */
    hubUrl: string;
    /** The warden: creates the per-namespace ACL users. */
    wardenUrl: string;
    redisPort: number;
    /** A second server for redis-cli's side of a comparison (admin user). */
    scratchPort: number;
    scratchPassword: string;
    adminPassword: string;
  }
}
