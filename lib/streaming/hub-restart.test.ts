import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { SubscriberHub, type HubMessage } from "./subscriber-hub";
import { until } from "@/test/until";

/**
 * The hub survives a Redis restart: a redis-server of this test's own (the
 * shared test server is left alone) is killed and started again on the same
 * port; listeners hear "gap", then "resumed", and the subscriptions are back.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-hub-restart-"));
let redis: EmbeddedRedis | null = null;
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("resubscribes by itself after redis-server is killed and restarted on the same port", async () => {
  redis = await startRedisServer({ dir });
  const { port, passwords } = redis;
  const hub = new SubscriberHub(parseRedisUrl(redis.urls.hub));
  const got: string[] = [];
  const heard: string[] = [];
  const listener = {
    onMessage: (m: HubMessage) => got.push(m.payload.toString()),
    onGap: () => heard.push("gap"),
    onResumed: () => heard.push("resumed"),
  };
  const channel = Buffer.from("pg:{restart-test-01}:news");
  await hub.add(listener, "channel", [channel]);
  await hub.add(listener, "pattern", [Buffer.from("pg:{restart-test-01}:n*")]);
  await hub.add(listener, "shard", [channel]);
  let pub = new RespConnection(parseRedisUrl(redis.urls.admin), "restart-pub");
  await pub.waitReady();
  expect(await pub.send(["PUBLISH", channel, "before"])).toEqual({ t: "integer", v: 2 }); // the channel and the pattern
  expect(await pub.send(["SPUBLISH", channel, "sharded"])).toEqual({ t: "integer", v: 1 });
  await until(() => got.length === 3, 10_000);

  process.kill(redis.pid, "SIGKILL");
  await until(() => heard.includes("gap"), 10_000);
  expect(hub.ready).toBe(false);
  pub.close();

  redis = await startRedisServer({ dir, port, passwords });
  await until(() => heard.includes("resumed"), 10_000);
  expect(heard).toEqual(["gap", "resumed"]);
  pub = new RespConnection(parseRedisUrl(redis.urls.admin), "restart-pub-2");
  await pub.waitReady();
  // Resubscribed: the channel and the pattern each reach the hub again.
  const r = await pub.send(["PUBSUB", "NUMSUB", channel]);
  expect(r).toEqual({
    t: "array",
    v: [
      { t: "bulk", v: channel.toString() },
      { t: "integer", v: 1 },
    ],
  });
  expect(await pub.send(["PUBLISH", channel, "after"])).toEqual({ t: "integer", v: 2 });
  // The shard channel too (ioredis SSUBSCRIBEs it again).
  expect(await pub.send(["SPUBLISH", channel, "sharded after"])).toEqual({ t: "integer", v: 1 });
  await until(() => got.length === 6, 10_000);
  expect(got).toEqual(["before", "before", "sharded", "after", "after", "sharded after"]);
  expect(hub.counts()).toEqual({ channels: 1, patterns: 1, shards: 1, listeners: 1 });
  await hub.remove(listener);
  expect(hub.counts()).toEqual({ channels: 0, patterns: 0, shards: 0, listeners: 0 });
  pub.close();
  hub.close();
}, 30_000);
