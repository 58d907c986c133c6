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

it("one listener's SSUBSCRIBE and SUNSUBSCRIBE leave another's channels and patterns delivering, and a reconnect brings every name back as its bytes", async () => {
  redis ??= await startRedisServer({ dir });
  const hub = new SubscriberHub(parseRedisUrl(redis.urls.hub));
  const admin = new RespConnection(parseRedisUrl(redis.urls.admin), "hub-mix-admin");
  await admin.waitReady();
  const got: string[] = [];
  const heard: string[] = [];
  const a = { onMessage: (m: HubMessage) => got.push(`${m.kind} ${m.payload.toString()}`), onResumed: () => heard.push("resumed") };
  const b = { onMessage: (m: HubMessage) => got.push(`b ${m.kind} ${m.payload.toString()}`) };
  const p = "pg:{hub-mix-01}:";
  // Names that are not UTF-8: their bytes must come back after a reconnect, not U+FFFD.
  const binary = Buffer.concat([Buffer.from(p), Buffer.from([0xff, 0x80])]);
  const channel = Buffer.from(`${p}news`);
  await hub.add(a, "channel", [channel, binary]);
  await hub.add(a, "pattern", [Buffer.from(`${p}n*`)]);
  // b takes a shard channel and gives it back: Redis answers that SUNSUBSCRIBE with 0 shard channels left.
  await hub.add(b, "shard", [Buffer.from(`${p}s`)]);
  await hub.remove(b, "shard", [Buffer.from(`${p}s`)]);
  expect(await admin.send(["PUBLISH", channel, "one"])).toEqual({ t: "integer", v: 2 });
  await until(() => got.length === 2, 5000, "the channel's and the pattern's message after b's SUNSUBSCRIBE");
  await hub.add(a, "shard", [binary]);
  expect(await admin.send(["PUBLISH", binary, "two"])).toEqual({ t: "integer", v: 1 });
  expect(await admin.send(["SPUBLISH", binary, "three"])).toEqual({ t: "integer", v: 1 });
  await until(() => got.length === 4, 5000, "four messages");
  expect(got.sort()).toEqual(["message one", "message two", "pmessage one", "smessage three"]);

  // Both subscriber connections dropped (as a Redis restart or a network blip would): everything comes back.
  got.length = 0;
  expect(await admin.send(["CLIENT", "KILL", "USER", "hub"])).toMatchObject({ t: "integer" });
  await until(() => heard.length >= 1, 10_000, "resumed");
  await until(async () => {
    const r = await admin.send(["PUBSUB", "SHARDNUMSUB", binary]);
    return r.t === "array" && r.v[1]?.t === "integer" && Number(r.v[1].v) === 1;
  }, 10_000);
  const channels = await admin.send(["PUBSUB", "CHANNELS", `${p}*`]);
  expect(
    channels.t === "array" && channels.v.map((c) => (c.t === "bulk" ? Buffer.from(c.v, c.b64 ? "base64" : "utf8") : Buffer.alloc(0))).sort(Buffer.compare),
  ).toEqual([binary, channel].sort(Buffer.compare));
  expect(await admin.send(["PUBLISH", binary, "four"])).toEqual({ t: "integer", v: 1 });
  expect(await admin.send(["SPUBLISH", binary, "five"])).toEqual({ t: "integer", v: 1 });
  expect(await admin.send(["PUBLISH", channel, "six"])).toEqual({ t: "integer", v: 2 });
  await until(() => got.length === 4, 5000, "four messages after the reconnect");
  expect(got.sort()).toEqual(["message four", "message six", "pmessage six", "smessage five"]);
  expect(heard).toEqual(["resumed"]); // once, though both of its connections dropped
  await hub.remove(a);
  await hub.remove(b);
  expect(hub.counts()).toEqual({ channels: 0, patterns: 0, shards: 0, listeners: 0 });
  admin.close();
  hub.close();
}, 30_000);
