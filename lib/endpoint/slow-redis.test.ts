import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appEnv, type EmbeddedRedis, startRedisServer } from "@/lib/redis/embedded";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { resetRuntime, runtime } from "@/lib/runtime";
import { endpointConfig } from "@/lib/config";
import { RawClient, newVisitor } from "@/test/endpoint";
import { type RunningEndpoint, startEndpoint } from "./server";

/**
 * The endpoint over a redis-server of this file's own, which the test can
 * pause (CLIENT PAUSE would stall every other test file on the shared one):
 * a client that closes while Redis has not answered its SUBSCRIBE yet leaves
 * no subscription behind (the hostile review leaked 200 per close).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-endpoint-slow-"));
let redis: EmbeddedRedis;
let ep: RunningEndpoint;
let admin: RespConnection;
beforeAll(async () => {
  redis = await startRedisServer({ dir });
  Object.assign(process.env, { SESSION_SECRET: "endpoint-slow-secret-endpoint-slow", PLAYGROUND_RESP_PORT: "0", ...appEnv(redis) });
  delete process.env.REDIS_CLUSTER;
  resetRuntime();
  const rt = runtime();
  await Promise.all([rt.conn.waitReady(), rt.appConn.waitReady()]);
  const started = await startEndpoint({ ...endpointConfig(), port: 0 });
  if (!started) throw new Error("endpoint off");
  ep = started;
  admin = new RespConnection(parseRedisUrl(redis.urls.admin), "slow-admin");
  await admin.waitReady();
});
afterAll(async () => {
  await ep?.close();
  admin?.close();
  runtime().close();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it.each(["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"])("%s from a client that closes before Redis answers leaves nothing subscribed", async (command) => {
  const { password } = await newVisitor();
  const hub = runtime().hub();
  const c = await RawClient.connect(ep.port);
  expect(await c.call("AUTH", password)).toEqual({ t: "status", v: "OK" });
  expect(await admin.send(["CLIENT", "PAUSE", "500", "ALL"])).toEqual({ t: "status", v: "OK" });
  c.send(command, "slow:a*", "slow:b*");
  await new Promise((r) => setTimeout(r, 150));
  c.socket.resetAndDestroy();
  await new Promise((r) => setTimeout(r, 1200));
  expect(hub.counts()).toMatchObject({ channels: 0, patterns: 0, shards: 0 });
  for (const what of [["CHANNELS"], ["SHARDCHANNELS"]]) expect(await admin.send(["PUBSUB", ...what])).toEqual({ t: "array", v: [] });
  expect(await admin.send(["PUBSUB", "NUMPAT"])).toEqual({ t: "integer", v: 0 });
});
