import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { superviseRedisServer, type SupervisedRedis } from "./embedded";
import { RespConnection } from "./resp-connection";
import { until } from "@/test/until";

/**
 * `npm start`'s embedded Redis comes back when it dies (scripts/start.ts):
 * killed with SIGKILL, it is started again on the same port, a connection
 * made before reconnects by itself, and its snapshot's data is there; a stop
 * is not taken for a crash.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-supervise-"));
let redis: SupervisedRedis | undefined;
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the embedded redis-server under npm start", () => {
  it("is started again on the same port after a SIGKILL, and a stop is final", async () => {
    const lines: string[] = [];
    redis = await superviseRedisServer({ dir, persist: true }, (l) => lines.push(l));
    const first = redis.current;
    const conn = new RespConnection({ host: "127.0.0.1", port: first.port, username: "admin", password: first.passwords.admin }, "supervise-test");
    try {
      await conn.waitReady();
      expect(await conn.send(["SET", "kept", "yes"])).toEqual({ t: "status", v: "OK" });
      expect(await conn.send(["SAVE"])).toEqual({ t: "status", v: "OK" });
      process.kill(first.pid, "SIGKILL");
      await until(() => redis!.restarts === 1, 15_000, "the restart");
      expect(redis.current.port).toBe(first.port);
      expect(redis.current.pid).not.toBe(first.pid);
      // The old connection reconnects by itself, and the snapshot's key is back.
      await until(async () => (await conn.send(["GET", "kept"]).catch(() => null))?.t === "bulk", 10_000, "the old connection to work again");
      expect(await conn.send(["GET", "kept"])).toEqual({ t: "bulk", v: "yes" });
      expect(lines.some((l) => l.includes("starting it again"))).toBe(true);
    } finally {
      conn.close();
    }
    // Ctrl-C reaches the whole process group: redis-server exits on its SIGINT before the app stops it. Once
    // npm start has let go (its signal handler's first step), that exit is not a crash.
    const pid = redis.current.pid;
    redis.letGo();
    process.kill(pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 1500));
    expect(redis.restarts).toBe(1);
    expect(() => process.kill(pid, 0)).toThrow();
    await redis.stop();
  }, 60_000);
});
