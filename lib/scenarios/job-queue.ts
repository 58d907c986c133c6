import { z } from "zod";
import type { Reply } from "@/lib/resp/reply";
import type { ScenarioEnv } from "./scenario";
import { SandboxedClient, asInt } from "./client";
import { setMaxListeners } from "node:events";
import { SandboxError, isSandboxError, type WireError } from "@/lib/errors";
import { onAbort, pause, withSignal } from "./runs";
import { startWorker, type Worker, type Queue } from "./job-queue-workers";
import { problem } from "@/lib/problems";

/**
 * The job queue from the seed notes, live: a master dispatches jobs, workers
 * do them and publish each result on a results channel the master listens to.
 * The notes' version uses pub/sub (PUBLISH to CHANNEL_DISPATCH_1…5); the
 * upgrades they lack run the same jobs through a list (BRPOP, and the reliable
 * BLMOVE-to-processing pattern) and through a stream consumer group
 * (XREADGROUP/XACK, XAUTOCLAIM). "Crash a worker mid-job" shows the
 * difference: pub/sub and a plain BRPOP lose the job, the reliable list and
 * the stream keep it and another worker picks it up.
 */
export const VARIANTS = ["pubsub", "list", "reliable-list", "stream"] as const;
export type Variant = (typeof VARIANTS)[number];

export const JobQueueOptions = z
  .object({
    variant: z
      .enum(VARIANTS)
      .default("pubsub")
      .describe("pubsub (the notes), list (LPUSH/BRPOP), reliable-list (BLMOVE to a processing list), stream (consumer group)"),
    // The defaults finish in a few seconds (the lab's too: components/scenarios/job-queue.tsx); the notes' 2 s per job is an option away.
    jobs: z.number().int().min(1).max(200).default(20).describe("jobs the master dispatches"),
    channels: z.number().int().min(1).max(10).default(5).describe("pub/sub only: CHANNEL_DISPATCH_1…N, picked at random per job as the notes do"),
    workers: z.number().int().min(0).max(10).default(5).describe("server-side workers; with pub/sub, worker i subscribes to CHANNEL_DISPATCH_i"),
    workMs: z.number().int().min(0).max(5000).default(500).describe("how long one job takes (the notes sleep 2 s)"),
    intervalMs: z.number().int().min(0).max(2000).default(100).describe("pause between two dispatches (the notes: none)"),
    crashWorker: z.number().int().min(0).max(10).default(0).describe("worker that crashes in the middle of its first job; 0: none"),
  })
  .strict()
  .refine((o) => o.crashWorker <= o.workers, { message: "crashWorker must be one of the workers (or 0 for none)", path: ["crashWorker"] })
  .refine((o) => o.variant !== "pubsub" || o.workers <= o.channels, {
    message: "scenario:workers",
    path: ["workers"],
  });
export type JobQueueOptions = z.infer<typeof JobQueueOptions>;

/** The keys and channels each variant uses, as the learner sees them in the console. */
export function names(variant: Variant) {
  const prefix = variant === "pubsub" ? "" : variant === "reliable-list" ? "rlist:" : `${variant}:`;
  return {
    results: variant === "pubsub" ? "CHANNEL_RESULT" : `${prefix}results`,
    dispatch: (i: number) => `CHANNEL_DISPATCH_${i}`,
    jobs: `${prefix}jobs`,
    processing: (w: string) => `${prefix}processing:${w}`,
    alive: (w: string) => `${prefix}alive:${w}`,
    group: "workers",
  };
}

const STALL_MIN_MS = 5000;
const MANUAL_STALL_MS = 120_000;
const MAX_RUN_MS = 240_000;

export async function runJobQueue(env: ScenarioEnv, o: JobQueueOptions): Promise<void> {
  const { emit } = env;
  const n = names(o.variant);
  const master = new SandboxedClient(env.ctx, "master", emit);
  const t0 = Date.now();
  const done = new Set<number>();
  const failed = new Set<number>();
  const lost = new Set<number>();
  const recovered = new Set<number>();
  const byWorker = new Map<number, string>();
  let dispatched = 0;
  let lastActivity = Date.now();
  // Everything of this run (dispatcher, workers, janitor, pauses) stops on this: cancelled, or settled.
  const run = new AbortController();
  setMaxListeners(200, run.signal);
  const signal = run.signal;
  type Outcome = { reason: "done" | "stalled" | "timeout" | "cancelled" | "error"; error?: WireError };
  let outcome: Outcome | null = null;
  let settle: () => void = () => {};
  const settled = new Promise<void>((r) => (settle = r));
  const end = (reason: Outcome["reason"], error?: WireError) => {
    if (outcome) return;
    outcome = { reason, error };
    run.abort();
    settle();
  };
  onAbort(env.signal, () => end("cancelled"));

  const progress = () => {
    lastActivity = Date.now();
    const accounted = done.size + failed.size + lost.size;
    emit({ type: "progress", done: accounted, total: o.jobs });
    if (accounted >= o.jobs) end("done");
  };
  const isJob = (job: number) => Number.isInteger(job) && job >= 0 && job < o.jobs;
  const queue: Queue = {
    variant: o.variant,
    names: n,
    workMs: o.workMs,
    emit,
    signal,
    ctx: env.ctx,
    hub: env.hub,
    openConn: env.openConn,
    isJob,
    working(job, worker) {
      byWorker.set(job, worker);
      lastActivity = Date.now();
      emit({ type: "job", job, state: "working", worker });
    },
    lost(jobs, worker) {
      for (const job of jobs) {
        if (done.has(job) || lost.has(job)) continue;
        lost.add(job);
        emit({ type: "job", job, state: "lost", worker });
      }
      progress();
    },
    recovered(job, worker) {
      recovered.add(job);
      emit({ type: "job", job, state: "recovered", worker });
      lastActivity = Date.now();
    },
  };

  // The master listens for results before anything is dispatched.
  const resultChannel = Buffer.from(env.ctx.ns.add(Buffer.from(n.results)));
  const resultListener = {
    onMessage(m: { payload: Buffer }) {
      const job = Number(m.payload.toString("utf8"));
      if (!isJob(job) || done.has(job)) return;
      done.add(job);
      // Answered after all (from the console, say): no longer failed or lost.
      failed.delete(job);
      lost.delete(job);
      emit({ type: "job", job, state: "done", worker: byWorker.get(job) ?? "console" });
      progress();
    },
  };
  const workers: Worker[] = [];
  let watchdog: NodeJS.Timeout | undefined;
  const tasks: Promise<unknown>[] = [];
  try {
    await withSignal(env.hub.add(resultListener, "channel", [resultChannel]), signal);
    emit({ type: "cmd", actor: "master", line: `SUBSCRIBE ${n.results}`, text: `1) "subscribe"\n2) "${n.results}"\n3) (integer) 1` });
    await setup(master, o);
    for (let i = 1; i <= o.workers && !signal.aborted; i++) workers.push(await startWorker(queue, i, o.crashWorker === i));
    env.controls.crash = (w) => workers[w - 1]?.crash() ?? false;

    if (o.variant === "reliable-list") tasks.push(runJanitor(master, queue, workers, signal));
    watchdog = setInterval(() => {
      // With no server-side worker the learner is the worker, typing PUBLISH by hand: give them time.
      const stallMs = o.workers === 0 ? MANUAL_STALL_MS : Math.max(STALL_MIN_MS, 2 * o.workMs + 4000);
      if (dispatched === o.jobs && Date.now() - lastActivity > stallMs) end("stalled");
      if (Date.now() - t0 > MAX_RUN_MS) end("timeout");
    }, 250);

    tasks.push(
      (async () => {
        for (let job = 0; job < o.jobs && !signal.aborted; job++) {
          await dispatch(master, o, job, (state, extra) => {
            if (state === "failed") failed.add(job);
            emit({ type: "job", job, state, ...extra });
            if (state === "failed") progress();
          });
          dispatched++;
          lastActivity = Date.now();
          if (failed.has(job))
            await pause(Math.max(200, Math.round(o.workMs * 1.5)), signal); // the notes: time.sleep(3)
          else if (o.intervalMs) await pause(o.intervalMs, signal);
        }
      })().catch((e) => end("error", errorOf(e, "scenario:dispatch-failed"))),
    );
    await settled;
  } catch (e) {
    end("error", errorOf(e, "scenario:start-failed"));
  } finally {
    clearInterval(watchdog);
    run.abort();
    for (const w of workers) w.stop();
    await Promise.allSettled([...tasks, ...workers.map((w) => w.finished)]);
    void env.hub.remove(resultListener);
  }
  const { reason, error } = (outcome as Outcome | null) ?? { reason: "error" };
  const summary: Record<string, number> = {
    jobs: o.jobs,
    dispatched,
    done: done.size,
    failed: failed.size,
    lost: lost.size,
    recovered: recovered.size,
    missing: Math.max(0, o.jobs - done.size - failed.size - lost.size),
    ms: Date.now() - t0,
  };
  if (o.variant === "stream" && reason !== "cancelled") {
    const p = await master.call(["XPENDING", n.jobs, n.group]).catch(() => null);
    if (p?.t === "array" && p.v[0]) summary.pending = asInt(p.v[0]);
  }
  emit({ type: "end", reason, summary, ...(error ? { error } : {}) });
}

function errorOf(e: unknown, fallback: "scenario:dispatch-failed" | "scenario:start-failed"): WireError {
  if (isSandboxError(e)) return e.toWire();
  console.error("[job-queue]", e);
  return new SandboxError("internal", problem(fallback)).toWire();
}

async function setup(master: SandboxedClient, o: JobQueueOptions): Promise<void> {
  const n = names(o.variant);
  if (o.variant === "pubsub") return;
  const ws = Array.from({ length: 10 }, (_, i) => `w${i + 1}`);
  if (o.variant === "reliable-list") await master.call(["DEL", n.jobs, ...ws.map(n.processing), ...ws.map(n.alive)]);
  else await master.call(["DEL", n.jobs]);
  if (o.variant === "stream") await master.call(["XGROUP", "CREATE", n.jobs, n.group, "$", "MKSTREAM"]);
}

async function dispatch(
  master: SandboxedClient,
  o: JobQueueOptions,
  job: number,
  report: (state: "dispatched" | "failed", extra: { lane?: string; receivers?: number }) => void,
): Promise<void> {
  const n = names(o.variant);
  if (o.variant === "pubsub") {
    const lane = n.dispatch(1 + Math.floor(Math.random() * o.channels));
    const r = await master.call(["PUBLISH", lane, String(job)]);
    const receivers = asInt(r);
    report(receivers > 0 ? "dispatched" : "failed", { lane, receivers });
    return;
  }
  const r: Reply = o.variant === "stream" ? await master.call(["XADD", n.jobs, "*", "job", String(job)]) : await master.call(["LPUSH", n.jobs, String(job)]);
  if (r.t === "error")
    throw new SandboxError("bad_request", problem("scenario:master-failed", { command: o.variant === "stream" ? "XADD" : "LPUSH", error: r.v }));
  report("dispatched", { lane: n.jobs });
}

/**
 * The reliable list's janitor, run by the master: a worker refreshes
 * `alive:<w>` (SET … PX) before it takes a job; once that key has expired, the
 * jobs left in the worker's processing list go back to the queue (LMOVE).
 */
async function runJanitor(master: SandboxedClient, q: Queue, workers: Worker[], signal: AbortSignal): Promise<void> {
  const quiet = new SandboxedClient(q.ctx, "master", q.emit, undefined, true);
  const every = Math.max(300, Math.round(q.workMs / 2));
  // Until the run ends: a job left by the last live worker waits here for the next one (or the learner).
  while (!signal.aborted) {
    await pause(every, signal);
    if (signal.aborted || workers.length === 0) break;
    const alive = await quiet.call(["MGET", ...workers.map((w) => q.names.alive(w.name))]).catch(() => null);
    if (alive?.t !== "array") continue;
    for (const [i, w] of workers.entries()) {
      if (alive.v[i]?.t !== "nil" || !w.started) continue;
      for (;;) {
        const moved = await master.call(["LMOVE", q.names.processing(w.name), q.names.jobs, "LEFT", "RIGHT"], { show: (r) => r.t !== "nil" }).catch(() => null);
        if (moved?.t !== "bulk") break;
        q.recovered(Number(moved.v), "master");
      }
    }
  }
}
