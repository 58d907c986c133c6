import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSandboxError } from "@/lib/errors";
import type { Reply } from "@/lib/resp/reply";
import { ClusterConnection, ClusterMap } from "./cluster";
import { type EmbeddedCluster, startRedisCluster } from "./embedded-cluster";
import { keySlot } from "./slots";
import { until } from "@/test/until";

/**
 * The cluster router against a real 3 + 3 Redis Cluster on free ports: Redis
 * is the oracle for slots (CLUSTER KEYSLOT), for where keys live, and for
 * what happens when a slot moves or a master dies.
 */
let cluster: EmbeddedCluster;
let dir: string;
let map: ClusterMap;
let conn: ClusterConnection;

const text = (r: Reply) => (r.t === "bulk" || r.t === "status" ? r.v : r.t === "error" ? `ERR:${r.v}` : r.t === "integer" ? String(r.v) : r.t);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-cluster-"));
  cluster = await startRedisCluster({ dir, nodeTimeoutMs: 1000 });
  const seed = { host: "127.0.0.1", port: cluster.nodes[0].port, username: "admin", password: cluster.passwords.admin };
  map = new ClusterMap(seed, { refreshMs: 1000 });
  await map.start();
  conn = new ClusterConnection(map, seed, "cluster-test");
}, 120_000);

afterAll(async () => {
  conn?.close();
  map?.close();
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Node ids and who serves what, as a node sees it. */
async function myId(port: number): Promise<string> {
  return text(await cluster.admin(port).send(["CLUSTER", "MYID"]));
}

describe("Redis Cluster: slots and routing", () => {
  it("computes every key's slot as Redis does (hash tags, empty tags, binary and NUL bytes)", async () => {
    const keys = [
      "a",
      "pg:{AbC-123_xyz}:k",
      "pg:{AbC-123_xyz}:other",
      "room:{K7QPXM}:jobs",
      "{}x",
      "x{}y{z}",
      "{a}{b}",
      "{",
      "}{a}",
      "app:rl:w:progress:1",
      "\u0000nul{\u0000}",
      "中文{键}",
      ...Array.from({ length: 200 }, (_, i) => `k${i}:${"x".repeat(i % 7)}`),
    ];
    const admin = cluster.admin(cluster.nodes[0].port);
    const theirs = await Promise.all(keys.map((k) => admin.send(["CLUSTER", "KEYSLOT", k])));
    expect(keys.map((k) => keySlot(k))).toEqual(theirs.map((r) => (r.t === "integer" ? Number(r.v) : -1)));
  });

  it("reads the map: three masters serve all 16,384 slots, six nodes in all", () => {
    expect(map.masters()).toHaveLength(3);
    expect(map.all()).toHaveLength(6);
    for (const s of [0, 5460, 5461, 10922, 10923, 16383]) expect(map.nodeFor(s)).toBeDefined();
  });

  it("sends each key to the master that owns its slot, so no command is redirected", async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `route:${i}`);
    const replies = await Promise.all(keys.map((k) => conn.sendKey(k, ["SET", k, k])));
    expect(replies.every((r) => r.t === "status")).toBe(true);
    // Each key is on the node the map named: that node's own connection reads it without MOVED.
    for (const k of keys.slice(0, 50)) {
      const owner = map.nodeForKey(k)!;
      expect(text(await cluster.admin(owner.port).send(["GET", k]))).toBe(k);
    }
    // A namespace is one slot: all its keys on one node.
    const ns = "pg:{NsForRouting1}:";
    const nodes = new Set(Array.from({ length: 20 }, (_, i) => map.nodeForKey(`${ns}${i}`)!.port));
    expect(nodes.size).toBe(1);
  });

  it("follows MOVED when a slot has moved to another master, and updates its map", async () => {
    const key = "moving:{slot-a}";
    const slot = keySlot(key);
    await conn.sendKey(key, ["SET", key, "before"]);
    const from = map.nodeFor(slot)!;
    const to = map.masters().find((m) => m.port !== from.port)!;
    const [fromId, toId] = await Promise.all([myId(from.port), myId(to.port)]);
    const src = cluster.admin(from.port);
    const dst = cluster.admin(to.port);
    // The documented migration: importing, migrating, MIGRATE the keys, then the slot's new owner everywhere.
    expect(text(await dst.send(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", fromId]))).toBe("OK");
    expect(text(await src.send(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", toId]))).toBe("OK");
    const migrate = await src.send(["MIGRATE", "127.0.0.1", String(to.port), "", "0", "5000", "AUTH2", "admin", cluster.passwords.admin, "KEYS", key]);
    expect(text(migrate)).toBe("OK");
    for (const m of map.masters()) await cluster.admin(m.port).send(["CLUSTER", "SETSLOT", String(slot), "NODE", toId]);
    // The router still thinks `from` owns the slot: it is told MOVED, goes to `to`, and remembers.
    expect(map.nodeFor(slot)!.port).toBe(from.port);
    expect(text(await conn.sendKey(key, ["GET", key]))).toBe("before");
    expect(map.nodeFor(slot)!.port).toBe(to.port);
  });

  it("follows ASK while a slot is being migrated: a key not yet moved is created on the importing node", async () => {
    const key = "asking:{slot-b}";
    const slot = keySlot(key);
    const from = map.nodeFor(slot)!;
    const to = map.masters().find((m) => m.port !== from.port)!;
    const [fromId, toId] = await Promise.all([myId(from.port), myId(to.port)]);
    const src = cluster.admin(from.port);
    const dst = cluster.admin(to.port);
    await dst.send(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", fromId]);
    await src.send(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", toId]);
    try {
      // The key is not on the source: the source answers ASK, and the router asks the target.
      expect(text(await src.send(["SET", key, "x"]))).toMatch(/^ERR:ASK \d+ /);
      expect(text(await conn.sendKey(key, ["SET", key, "asked"]))).toBe("OK");
      expect(text(await dst.send(["ASKING"]))).toBe("OK");
      expect(text(await dst.send(["GET", key]))).toBe("asked");
      // ASK moves nothing: the map still names the source until the migration ends.
      expect(map.nodeFor(slot)!.port).toBe(from.port);
    } finally {
      for (const m of map.masters()) await cluster.admin(m.port).send(["CLUSTER", "SETSLOT", String(slot), "NODE", toId]);
    }
    expect(text(await conn.sendKey(key, ["GET", key]))).toBe("asked");
  });
});

describe("Redis Cluster: a master fails", () => {
  it("fails fast while the master is gone, follows the promoted replica by itself, and keeps every acknowledged write", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `failover:{v${i}}`);
    // Writes acknowledged by a replica too (WAIT), as the app's data must be before the kill.
    for (const k of keys) {
      expect(text(await conn.sendKey(k, ["SET", k, k]))).toBe("OK");
      expect(text(await conn.sendKey(k, ["WAIT", "1", "2000"]))).toBe("1");
    }
    const victim = map.nodeForKey(keys[0])!;
    const mine = keys.filter((k) => map.nodeForKey(k)!.port === victim.port);
    expect(mine.length).toBeGreaterThan(3);
    const node = cluster.nodes.find((n) => n.port === victim.port)!;
    const killedAt = performance.now();
    process.kill(node.pid, "SIGKILL");
    // Another master's visitors are not held up (cluster-require-full-coverage no).
    const elsewhere = keys.find((k) => map.nodeForKey(k)!.port !== victim.port)!;
    expect(text(await conn.sendKey(elsewhere, ["GET", elsewhere]))).toBe(elsewhere);

    // During the gap: each try fails at once (a 503 to the visitor), never hangs.
    let slowest = 0;
    let failures = 0;
    let backAt = 0;
    await until(
      async () => {
        const t0 = performance.now();
        try {
          const r = await conn.sendKey(mine[0], ["GET", mine[0]]);
          if (r.t === "bulk") {
            backAt = performance.now();
            return true;
          }
        } catch (e) {
          if (!isSandboxError(e) || e.kind !== "redis_unavailable") throw e;
          failures++;
        }
        slowest = Math.max(slowest, performance.now() - t0);
        return false;
      },
      30_000,
      "the promoted replica to answer",
    );
    console.log(
      `failover: back ${((backAt - killedAt) / 1000).toFixed(2)} s after SIGKILL; ${failures} tries failed meanwhile, the slowest in ${slowest.toFixed(0)} ms`,
    );
    expect(failures).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(2500); // at most one command's deadline, never a hang
    expect(map.nodeForKey(mine[0])!.port).not.toBe(victim.port);
    // Every write acknowledged before the kill is there, on the new master; the other masters never stopped.
    for (const k of keys) expect(text(await conn.sendKey(k, ["GET", k])), k).toBe(k);
    // And writes work again.
    expect(text(await conn.sendKey(mine[1], ["SET", mine[1], "after"]))).toBe("OK");
  }, 60_000);
});
