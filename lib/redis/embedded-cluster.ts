import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type EmbeddedRedis, newPasswords, type RedisPasswords, startRedisServer } from "./embedded";
import { RespConnection } from "./resp-connection";

/**
 * A local Redis Cluster on free ports (tests, `npm run demo:cluster`): one
 * redis-server per node with `--cluster-enabled yes`, the same users and
 * passwords on each (Redis does not propagate ACLs), replicas logging in to
 * their master as the admin user, joined with `redis-cli --cluster create`.
 * A short `cluster-node-timeout` makes a failover take a few seconds.
 */
export interface EmbeddedCluster {
  nodes: EmbeddedRedis[];
  passwords: RedisPasswords;
  /** URLs per user, each naming the first node: any node is a seed. */
  urls: Record<keyof RedisPasswords, string>;
  /** The admin user's connection to one node (raw checks). */
  admin(port: number): RespConnection;
  /** Stops every node still running. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  dir: string;
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout, ms: how long a silent master takes to be declared failed (default 1,000). */
  nodeTimeoutMs?: number;
}

export async function startRedisCluster(opts: ClusterOptions): Promise<EmbeddedCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const passwords = newPasswords();
  const count = masters * (1 + replicas);
  const extraArgs = [
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    "nodes.conf",
    "--cluster-node-timeout",
    String(opts.nodeTimeoutMs ?? 1000),
    "--masteruser",
    "admin",
    "--masterauth",
    passwords.admin,
    // The other masters keep serving their slots while one fails over: only its visitors wait.
    "--cluster-require-full-coverage",
    "no",
    // A replica takes over even if it lost touch with its master a while ago (a test kills masters at will).
    "--cluster-replica-validity-factor",
    "0",
  ];
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => startRedisServer({ dir: path.join(opts.dir, `node-${i}`), passwords, extraArgs })));
  const admins = new Map<number, RespConnection>();
  const admin = (port: number) => {
    let c = admins.get(port);
    if (!c) admins.set(port, (c = new RespConnection({ host: "127.0.0.1", port, username: "admin", password: passwords.admin }, "cluster-admin")));
    return c;
  };
  const stop = async () => {
    for (const c of admins.values()) c.close();
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const create = spawnSync(
      "redis-cli",
      [
        "--user",
        "admin",
        "--pass",
        passwords.admin,
        "--no-auth-warning",
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    // Every node must agree the cluster is up and see every node, and every replica must have its
    // master's data (link up), before anyone uses it.
    const until = Date.now() + 30_000;
    for (const n of nodes) {
      for (;;) {
        const c = admin(n.port);
        const ok = await c
          .waitReady(2000)
          .then(() => Promise.all([c.send(["CLUSTER", "INFO"]), c.send(["INFO", "replication"])]))
          .then(
            ([info, repl]) =>
              info.t === "bulk" &&
              info.v.includes("cluster_state:ok") &&
              info.v.includes(`cluster_known_nodes:${count}`) &&
              repl.t === "bulk" &&
              (repl.v.includes("role:master") ? repl.v.includes(`connected_slaves:${replicas}`) : repl.v.includes("master_link_status:up")),
          )
          .catch(() => false);
        if (ok) break;
        if (Date.now() > until) throw new Error(`cluster node ${n.port} did not reach cluster_state:ok; see ${path.join(opts.dir, "node-*", "redis.log")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, passwords, urls: nodes[0].urls, admin, stop };
}

/** Whether `redis-cli` is here (Debian: redis-tools, installed with redis-server). */
export function hasRedisCli(): boolean {
  const r = spawnSync("redis-cli", ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

/** Removes a cluster's folder (its nodes.conf files make a restart rejoin the old cluster). */
export function removeClusterDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
