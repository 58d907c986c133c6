/**
 * What the per-visitor ACL wall costs (lib/sandbox/acl-users.ts): the same
 * commands through the app's one command path (execCommand), from 50 sessions
 * at once, with every namespace running as its own ACL user (each command sent
 * as AUTH <user>, the command, AUTH pg-rest, pipelined) and with one shared
 * sandbox user. Prints throughput and p50/p99 latency of each, and the ratio.
 *
 * `node --import tsx bench/acl-cost.ts` (own redis-server on a free port), or
 * from `npm run bench` (BENCH_ACL=0 skips it). Env: BENCH_ACL_COMMANDS (20000).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { appEnv, startRedisServer } from "@/lib/redis/embedded";
import { resetRuntime, runtime } from "@/lib/runtime";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";

export interface AclCost {
  perVisitor: { opsPerSec: number; p50: number; p99: number };
  shared: { opsPerSec: number; p50: number; p99: number };
}

const COMMANDS = Number(process.env.BENCH_ACL_COMMANDS ?? 20_000);
const CONCURRENCY = 50;

async function measure(label: string): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  resetRuntime();
  const rt = runtime();
  await rt.conn.waitReady();
  const sessions: Session[] = Array.from({ length: CONCURRENCY }, () => issueSession(rt.config.sessionSecret).session);
  for (const s of sessions) await execCommand(s, { command: "SET bench:key hello" });
  const lat: number[] = [];
  let next = 0;
  const worker = async (s: Session) => {
    while (next < COMMANDS) {
      next++;
      const t = performance.now();
      const r = await execCommand(s, { command: "GET bench:key" });
      lat.push(performance.now() - t);
      if (r.reply.t !== "bulk") throw new Error(`${label}: GET answered ${r.text}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(sessions.map(worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 100) / 100;
  return { opsPerSec: Math.round(lat.length / secs), p50: q(0.5), p99: q(0.99) };
}

export async function aclCost(): Promise<AclCost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-bench-acl-"));
  const redis = await startRedisServer({ dir });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, appEnv(redis), {
      SESSION_SECRET: process.env.SESSION_SECRET ?? "bench-acl-secret-0123456789",
      PLAYGROUND_RATE_PER_SESSION: "1000000000",
      PLAYGROUND_RATE_PER_IP: "1000000000",
      PLAYGROUND_WORK_PER_SESSION: "1000000000",
      PLAYGROUND_WORK_PER_IP: "1000000000",
    });
    const perVisitor = await measure("per-visitor users");
    delete process.env.PLAYGROUND_ACL_REDIS_URL;
    const shared = await measure("one shared user");
    return { perVisitor, shared };
  } finally {
    resetRuntime();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatAclCost(c: AclCost): string[] {
  const row = (name: string, m: AclCost["shared"]) =>
    `  ${name.padEnd(34)} ${String(m.opsPerSec).padStart(7)} cmd/s   p50 ${m.p50.toFixed(2)} ms   p99 ${m.p99.toFixed(2)} ms`;
  return [
    `Per-visitor ACL users (execCommand GET, ${CONCURRENCY} sessions at once, ${COMMANDS} commands each way):`,
    row("each namespace as its own user", c.perVisitor),
    row("one shared sandbox user", c.shared),
    `  ratio: ${(c.perVisitor.opsPerSec / c.shared.opsPerSec).toFixed(2)}× the throughput`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  aclCost()
    .then((c) => {
      for (const l of formatAclCost(c)) console.log(l);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
