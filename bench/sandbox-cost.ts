/**
 * The sandbox layer's cost per command, without the network: parse
 * (parseCommandLine) + policy and key rewrite (plan) + un-rewrite (unrewrite)
 * + format (formatReply), over a mixed corpus of realistic console lines,
 * beside raw ioredis round trips of the same commands on the same Redis.
 *
 * - The command table is the live one (COMMAND on the bench's redis-server,
 *   read as the `playground` user), parsed once with parseCommandTable.
 * - Each line's reply is captured once beforehand by running its rewritten
 *   argv on Redis; the timed part is CPU only.
 * - plan() sends COMMAND GETKEYS for commands flagged "movablekeys". The main
 *   run answers it from a stub holding the precomputed reply (no network); a
 *   second run times the movable-key lines with the real round trip.
 * - The context has no `limits`: size limits and quotas are measured separately.
 *
 * Run by bench/run.ts after the HTTP figures (against the app's redis-server),
 * or alone: `node --import tsx bench/sandbox-cost.ts` (own redis-server).
 * Env: BENCH_SANDBOX_ROUNDS (20000), BENCH_SANDBOX_WARMUP (2000),
 * BENCH_SANDBOX_REDIS_ROUNDS (2000) — rounds of the whole corpus, round-robin.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { parseCommandLine } from "@/lib/cli/parse-command";
import { formatReply } from "@/lib/cli/format-reply";
import { parseCommandTable, type CommandInfo } from "@/lib/sandbox/command-table";
import { deleteNamespace, plan, unrewrite, type SandboxContext } from "@/lib/sandbox/sandbox";
import { Namespace } from "@/lib/sandbox/namespace";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";

export const TARGET_US = 25;

/** Console lines, in an order that leaves every key in a state the next lines expect. */
export const CORPUS: string[] = [
  `SET user:1:name "Ada Lovelace"`,
  `GET user:1:name`,
  `STRLEN user:1:name`,
  `EXPIRE user:1:name 3600`,
  `TTL user:1:name`,
  `SET session:9f2c "tok-8c1e" EX 3600`,
  `INCR page:views`,
  `INCRBY page:views 10`,
  `MSET color red size L shape circle`,
  `MGET color size shape missing`,
  `HSET user:1 name Ada email ada@example.com visits 1`,
  `HGET user:1 email`,
  `HINCRBY user:1 visits 1`,
  `HGETALL user:1`,
  `LPUSH queue job:1 job:2 job:3`,
  `LRANGE queue 0 9`,
  `LLEN queue`,
  `RPOP queue`,
  `SADD tags:a redis db cache fast`,
  `SADD tags:b redis queue fast stream`,
  `SINTER tags:a tags:b`,
  `SISMEMBER tags:a cache`,
  `SMEMBERS tags:b`,
  `ZADD leaderboard 100 alice 85 bob 92 carol 78 dave`,
  `ZADD bonus 5 alice 10 bob`,
  `ZINCRBY leaderboard 1 bob`,
  `ZRANGE leaderboard 0 -1 WITHSCORES`,
  `ZREVRANGE leaderboard 0 2 WITHSCORES`,
  `ZSCORE leaderboard alice`,
  `XADD events MAXLEN ~ 1000 * type click page /home`,
  `XRANGE events - + COUNT 5`,
  `XLEN events`,
  `GEOADD places 13.361389 38.115556 Palermo 15.087269 37.502669 Catania`,
  `GEODIST places Palermo Catania km`,
  `GEOSEARCH places FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHDIST`,
  `PFADD visitors alice bob carol`,
  `PFCOUNT visitors`,
  `EXISTS user:1 queue nosuchkey`,
  `TYPE leaderboard`,
  // movable keys: plan() asks the server (COMMAND GETKEYS) for a second opinion
  `ZUNIONSTORE top 2 leaderboard bonus WEIGHTS 1 2`,
  `LMPOP 2 queue backlog LEFT COUNT 2`,
  `XREAD COUNT 2 STREAMS events 0`,
  `SINTERCARD 2 tags:a tags:b LIMIT 10`,
];

export interface Stat {
  median: number; // µs
  p99: number; // µs
  n: number;
}

export interface SandboxCost {
  commands: number;
  movable: string[];
  rounds: number;
  warmup: number;
  redisRounds: number;
  /** Every sample, COMMAND GETKEYS answered by the stub. */
  layerLocal: Stat;
  /** Every sample, movable-key lines timed with the real COMMAND GETKEYS round trip. */
  layerRtt: Stat;
  movableLocal: Stat;
  movableRtt: Stat;
  ioredis: Stat;
  slowest: { line: string; layer: Stat; ioredis: Stat }[];
  met: boolean;
  seconds: number;
}

const dec = new TextDecoder();
const text = (argv: readonly Uint8Array[]) => argv.map((a) => dec.decode(a)).join(" ");
const sameArgv = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
  a.length === b.length && a.every((x, i) => Buffer.compare(Buffer.from(x), Buffer.from(b[i])) === 0);

function stat(ns: Float64Array): Stat {
  const s = Float64Array.from(ns).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] / 1000;
  return { median: at(0.5), p99: at(0.99), n: s.length };
}

/** Stands in for the RespConnection in plan(): answers COMMAND GETKEYS with the reply set for the line being timed. */
class GetkeysStub {
  answer: Reply | undefined;
  calls = 0;
  send(argv: readonly (Uint8Array | string)[]): Promise<Reply> {
    if (argv[0] !== "COMMAND" || argv[1] !== "GETKEYS" || !this.answer) {
      return Promise.reject(new Error(`stub connection got an unexpected command: ${text(argv.map((a) => (typeof a === "string" ? Buffer.from(a) : a)))}`));
    }
    this.calls++;
    return Promise.resolve(this.answer);
  }
}

interface Prepared {
  line: string;
  movable: boolean;
  cmd: CommandInfo | undefined;
  argv: Uint8Array[]; // rewritten, as sent to Redis
  reply: Reply; // captured once
  getkeys: Reply | undefined;
}

let sink = 0;

/** One timed pass of the layer over `items`, round-robin; returns ns per sample, laid out [item][round]. */
async function layerPass(ctx: SandboxContext, stub: GetkeysStub | null, items: Prepared[], warmup: number, rounds: number): Promise<Float64Array> {
  const n = items.length;
  const samples = new Float64Array(n * rounds);
  const ns = ctx.ns;
  for (let r = -warmup; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const it = items[i];
      if (stub) stub.answer = it.getkeys;
      const t0 = process.hrtime.bigint();
      const parsed = parseCommandLine(it.line);
      if (!parsed.ok) throw new Error(parsed.error.code);
      const p = await plan(ctx, parsed.argv);
      if (p.kind !== "run") throw new Error(`${it.line}: plan gave ${p.kind}`);
      const out = formatReply(unrewrite(p.cmd, it.reply, ns));
      const t1 = process.hrtime.bigint();
      sink += out.length;
      if (r >= 0) samples[i * rounds + r] = Number(t1 - t0);
    }
  }
  return samples;
}

const slice = (s: Float64Array, i: number, rounds: number) => s.subarray(i * rounds, (i + 1) * rounds);

/** Measures against a running Redis; `url` is the `playground` user's (keys under pg:*). */
export async function sandboxCost(url: string, log: (s: string) => void = (s) => process.stdout.write(s)): Promise<SandboxCost> {
  const started = performance.now();
  const int = (name: string, def: number) => {
    const v = Number(process.env[name] || def);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got "${process.env[name]}")`);
    return v;
  };
  const rounds = int("BENCH_SANDBOX_ROUNDS", 20_000);
  const warmup = int("BENCH_SANDBOX_WARMUP", 2_000);
  const redisRounds = int("BENCH_SANDBOX_REDIS_ROUNDS", 2_000);

  const conn = new RespConnection(parseRedisUrl(url), "bench-sandbox-cost");
  const io = new Redis(url, { lazyConnect: true, enableAutoPipelining: false, enableReadyCheck: false, maxRetriesPerRequest: 1 });
  const ns = Namespace.forSession(randomBytes(12).toString("base64url"));
  try {
    await conn.waitReady(5000);
    await io.connect();
    const tableReply = await conn.send(["COMMAND"]);
    if (tableReply.t !== "array") throw new Error(`COMMAND answered ${JSON.stringify(tableReply).slice(0, 200)}`);
    const table = parseCommandTable(tableReply);
    const real: SandboxContext = { conn, table, ns }; // no `limits`: quotas are measured separately
    const stub = new GetkeysStub();
    const local: SandboxContext = { conn: stub as unknown as RespConnection, table, ns };

    // Run the corpus twice for real (the first pass sets the keys up), keeping the second pass's replies.
    const items: Prepared[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (const line of CORPUS) {
        const parsed = parseCommandLine(line);
        if (!parsed.ok) throw new Error(`${line}: ${parsed.error}`);
        const p = await plan(real, parsed.argv);
        if (p.kind !== "run" || !p.cmd) throw new Error(`${line}: the sandbox did not plan to run it (${JSON.stringify(p).slice(0, 300)})`);
        if (p.mode) throw new Error(`${line}: runs in mode ${p.mode}, not on the shared connection`);
        const reply = await conn.send(p.argv);
        if (reply.t === "error") throw new Error(`${line}: Redis answered ${reply.v}`);
        if (pass === 0) continue;
        const movable = p.cmd.flags.has("movablekeys");
        const getkeys = movable ? await conn.send(["COMMAND", "GETKEYS", ...parsed.argv]) : undefined;
        items.push({ line, movable, cmd: p.cmd, argv: p.argv, reply, getkeys });
        if (formatReply(unrewrite(p.cmd, reply, ns)).includes(ns.prefix)) throw new Error(`${line}: the formatted reply still names the namespace`);
        // The stubbed context must plan exactly what the real one does.
        stub.answer = getkeys;
        const q = await plan(local, parsed.argv);
        if (q.kind !== "run" || !sameArgv(q.argv, p.argv)) throw new Error(`${line}: the stubbed plan differs from the real one`);
      }
    }
    const movable = items.filter((it) => it.movable);
    const n = items.length;

    log(`  layer, COMMAND GETKEYS answered locally: ${warmup.toLocaleString("en-US")} + ${rounds.toLocaleString("en-US")} rounds × ${n} commands… `);
    let t = performance.now();
    const sLocal = await layerPass(local, stub, items, warmup, rounds);
    log(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    log(
      `  layer, real COMMAND GETKEYS round trip: ${Math.min(warmup, 200)} + ${rounds.toLocaleString("en-US")} rounds × ${movable.length} movable-key commands… `,
    );
    t = performance.now();
    const sRtt = movable.length ? await layerPass(real, null, movable, Math.min(warmup, 200), rounds) : new Float64Array();
    log(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    // Raw ioredis: the same (rewritten) argv, one awaited round trip at a time.
    log(`  raw ioredis round trips: ${Math.min(warmup, 200)} + ${redisRounds.toLocaleString("en-US")} rounds × ${n} commands, sequential… `);
    t = performance.now();
    const ioArgs = items.map((it) => it.argv.map((a) => Buffer.from(a)));
    const sIo = new Float64Array(n * redisRounds);
    for (let r = -Math.min(warmup, 200); r < redisRounds; r++) {
      for (let i = 0; i < n; i++) {
        const [name, ...args] = ioArgs[i];
        const t0 = process.hrtime.bigint();
        await io.call(name.toString(), ...args);
        const t1 = process.hrtime.bigint();
        if (r >= 0) sIo[i * redisRounds + r] = Number(t1 - t0);
      }
    }
    log(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    // Every sample with the movable-key lines' samples swapped for their round-trip ones
    // (the other lines never touch the connection in plan(), so their samples stand).
    const combined = Float64Array.from(sLocal);
    movable.forEach((it, j) => combined.set(slice(sRtt, j, rounds), items.indexOf(it) * rounds));
    const movLocal = new Float64Array(movable.length * rounds);
    movable.forEach((it, j) => movLocal.set(slice(sLocal, items.indexOf(it), rounds), j * rounds));

    const perCommand = items.map((it, i) => ({ line: it.line, layer: stat(slice(sLocal, i, rounds)), ioredis: stat(slice(sIo, i, redisRounds)) }));
    const slowest = perCommand.sort((a, b) => b.layer.median - a.layer.median).slice(0, 5);
    const layerLocal = stat(sLocal);
    const layerRtt = stat(combined);
    await deleteNamespace(conn, ns);
    return {
      commands: n,
      movable: movable.map((it) => it.cmd!.name.toUpperCase()),
      rounds,
      warmup,
      redisRounds,
      layerLocal,
      layerRtt,
      movableLocal: stat(movLocal),
      movableRtt: stat(sRtt),
      ioredis: stat(sIo),
      slowest,
      met: layerLocal.median <= TARGET_US && layerRtt.median <= TARGET_US,
      seconds: (performance.now() - started) / 1000 + (sink < 0 ? 1 : 0),
    };
  } finally {
    conn.close();
    io.disconnect();
  }
}

export function formatSandboxCost(c: SandboxCost): string[] {
  const us = (v: number) => v.toFixed(1);
  const k = (v: number) => v.toLocaleString("en-US");
  const out: string[] = [];
  out.push("── sandbox layer per command (no HTTP, no network) ─────────────────────");
  out.push("measures  parseCommandLine + plan() (policy, key specs, rewrite) + unrewrite() + formatReply(), one command");
  out.push("          at a time; replies captured once beforehand, so the timed part is CPU only; no `limits` in the");
  out.push("          SandboxContext (size limits and quotas are measured separately); live command table of the bench's redis-server");
  out.push(`corpus    ${c.commands} commands, ${c.movable.length} with movable keys (${c.movable.join(", ")}); round-robin,`);
  out.push(
    `          ${k(c.warmup)} warm-up + ${k(c.rounds)} measured rounds = ${k(c.commands * c.rounds)} samples; ioredis ${k(c.redisRounds)} rounds = ${k(c.commands * c.redisRounds)} round trips`,
  );
  out.push("");
  const rows: string[][] = [
    ["", "median (µs)", "p99 (µs)"],
    ["layer, all commands (GETKEYS answered locally)", us(c.layerLocal.median), us(c.layerLocal.p99)],
    ["layer, all commands (incl. GETKEYS round trip)", us(c.layerRtt.median), us(c.layerRtt.p99)],
    ["  movable-key commands, GETKEYS answered locally", us(c.movableLocal.median), us(c.movableLocal.p99)],
    ["  movable-key commands, incl. GETKEYS round trip", us(c.movableRtt.median), us(c.movableRtt.p99)],
    ["raw ioredis redis.call() round trip, same commands", us(c.ioredis.median), us(c.ioredis.p99)],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push(r.map((v, i) => (i === 0 ? v.padEnd(w[0]) : v.padStart(w[i]))).join("   "));
  out.push("");
  out.push(
    `layer / ioredis  ${(c.layerLocal.median / c.ioredis.median).toFixed(2)}× the median round trip (${(c.layerRtt.median / c.ioredis.median).toFixed(2)}× incl. GETKEYS)`,
  );
  out.push("slowest 5 commands by layer median (µs; GETKEYS answered locally), beside their ioredis round trip:");
  const lw = Math.max(...c.slowest.map((s) => s.line.length));
  for (const s of c.slowest) {
    out.push(
      `  ${s.line.padEnd(lw)}   layer ${us(s.layer.median).padStart(5)} (p99 ${us(s.layer.p99).padStart(5)})   ioredis ${us(s.ioredis.median).padStart(6)} (p99 ${us(s.ioredis.p99).padStart(6)})`,
    );
  }
  out.push(
    `target    layer median ≤ ${TARGET_US} µs: ${c.met ? "MET" : "NOT MET"} (${us(c.layerLocal.median)} µs with GETKEYS answered locally, ${us(c.layerRtt.median)} µs incl. its round trip)`,
  );
  out.push(`time      ${c.seconds.toFixed(1)} s`);
  return out;
}

/** Alone: a private redis-server (never 6379) in a temp dir, stopped at the end. */
async function standalone(): Promise<void> {
  const { startRedisServer } = await import("@/lib/redis/embedded");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-bench-sandbox-"));
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  const cleanup = async () => {
    await redis?.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    redis = await startRedisServer({ dir });
    console.log(`▸ Sandbox layer cost per command (redis-server on 127.0.0.1:${redis.port}, pid ${redis.pid})…`);
    const cost = await sandboxCost(redis.urls.playground);
    const { pid, port } = redis;
    await cleanup();
    const left =
      spawnSync("pgrep", ["-a", "redis-server"], { encoding: "utf8" })
        .stdout?.split("\n")
        .filter((l) => l.startsWith(`${pid} `) || l.includes(`:${port}`)) ?? [];
    console.log(
      ["", ...formatSandboxCost(cost), left.length ? `✖ redis-server left behind: ${left.join("; ")}` : "cleanup   the redis-server is stopped"].join("\n"),
    );
    process.exitCode = left.length ? 1 : 0;
  } catch (e) {
    console.error(`\n✖ ${(e as Error).stack ?? e}`);
    await cleanup();
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await standalone();
