import type { RespConnection } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import type { SandboxContext } from "@/lib/sandbox/sandbox";
import type { SubscriberHub } from "@/lib/streaming/subscriber-hub";
import type { ScenarioEvent } from "./events";
import { SandboxedClient } from "./client";
import { onAbort, pause, withSignal } from "./runs";
import type { Variant, names } from "./job-queue";

/** What a worker needs from its run: where the jobs are, and whom to tell. */
export interface Queue {
  variant: Variant;
  names: ReturnType<typeof names>;
  workMs: number;
  emit: (e: ScenarioEvent) => void;
  signal: AbortSignal;
  ctx: SandboxContext;
  hub: SubscriberHub;
  openConn(name: string): Promise<RespConnection>;
  /** A job id this run dispatched (the learner can push anything onto the same keys). */
  isJob(job: number): boolean;
  working(job: number, worker: string): void;
  lost(jobs: number[], worker: string): void;
  recovered(job: number, worker: string): void;
}

export interface Worker {
  name: string;
  /** Has announced itself (subscribed, or set its first heartbeat). */
  started: boolean;
  stopped: boolean;
  /** Kills the worker where it stands, as a crashed process: its connection goes, its job is not finished. */
  crash(): boolean;
  /** Ends the worker when the run ends. */
  stop(): void;
  finished: Promise<void>;
}

/**
 * Starts worker `i`: subscribed (pub/sub) or connected (lists, streams) when
 * this resolves. `crashFirst` makes it crash halfway through its first job.
 */
export async function startWorker(q: Queue, i: number, crashFirst: boolean): Promise<Worker> {
  const name = `w${i}`;
  const crashed = new AbortController();
  const stopped = new AbortController();
  const offRunAbort = onAbort(q.signal, () => stopped.abort());
  const w: Worker = {
    name,
    started: false,
    stopped: false,
    crash: () => {
      if (w.stopped || crashed.signal.aborted) return false;
      crashed.abort();
      return true;
    },
    stop: () => stopped.abort(),
    finished: Promise.resolve(),
  };
  const over = () => crashed.signal.aborted || stopped.signal.aborted || q.signal.aborted;
  /** A job id from Redis: only the run's own (a learner may LPUSH "banana" or "1e9"). */
  const jobOf = (raw: string): number | null => (/^\d{1,3}$/.test(raw) && q.isJob(Number(raw)) ? Number(raw) : null);
  let first = true;
  /** Does one job; false when the worker crashed or stopped before finishing it. */
  const work = async (job: number): Promise<boolean> => {
    q.working(job, name);
    q.emit({ type: "worker", worker: name, state: "working", job });
    if (crashFirst && first) {
      first = false;
      await pause(q.workMs / 2, stopped.signal);
      if (!stopped.signal.aborted) w.crash();
    } else await pause(q.workMs, crashed.signal, stopped.signal);
    return !over();
  };
  const finish = (conn?: RespConnection) => {
    conn?.close();
    w.stopped = true;
    offRunAbort();
    q.emit({ type: "worker", worker: name, state: crashed.signal.aborted ? "crashed" : "stopped" });
  };

  if (q.variant === "pubsub") {
    const shared = new SandboxedClient(q.ctx, name, q.emit);
    const channel = q.names.dispatch(i);
    const backlog: number[] = [];
    let wake = () => {};
    const listener = {
      onMessage(m: { payload: Buffer }) {
        const job = jobOf(m.payload.toString("utf8"));
        if (job === null) return; // not one of the master's jobs (a learner's PUBLISH): ignored, as a worker would
        backlog.push(job);
        wake();
      },
    };
    const kick = () => wake();
    crashed.signal.addEventListener("abort", kick, { once: true });
    stopped.signal.addEventListener("abort", kick, { once: true });
    try {
      await withSignal(q.hub.add(listener, "channel", [Buffer.from(q.ctx.ns.add(Buffer.from(channel)))]), q.signal);
    } catch (e) {
      void q.hub.remove(listener);
      offRunAbort();
      throw e;
    }
    w.started = true;
    q.emit({ type: "cmd", actor: name, line: `SUBSCRIBE ${channel}`, text: `1) "subscribe"\n2) "${channel}"\n3) (integer) 1` });
    q.emit({ type: "worker", worker: name, state: "idle" });
    w.finished = (async () => {
      try {
        while (!over()) {
          if (backlog.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              if (over() || backlog.length) resolve();
            });
            continue;
          }
          const job = backlog.shift()!;
          if (!(await work(job))) {
            // A dead subscriber's buffer dies with it: the job in hand and every one queued behind it.
            if (crashed.signal.aborted) q.lost([job, ...backlog.splice(0)], name);
            break;
          }
          await shared.call(["PUBLISH", q.names.results, String(job)]);
          if (backlog.length === 0) q.emit({ type: "worker", worker: name, state: "idle" });
        }
      } finally {
        void q.hub.remove(listener); // a dead subscriber's connection is gone at once; Redis may be down: do not wait
        if (crashed.signal.aborted && backlog.length) q.lost(backlog.splice(0), name);
        finish();
      }
    })().catch((e) => {
      if (!over()) console.error(`[job-queue ${name}]`, e);
    });
    return w;
  }

  const conn = await q.openConn(`playground-scenario-${name}`);
  // A crash or the end of the run drops the connection at once, as a dying process would.
  crashed.signal.addEventListener("abort", () => conn.close(), { once: true });
  stopped.signal.addEventListener("abort", () => conn.close(), { once: true });
  const c = new SandboxedClient(q.ctx, name, q.emit, conn);
  const n = q.names;
  q.emit({ type: "worker", worker: name, state: "idle" });

  const loops: Record<Exclude<Variant, "pubsub">, () => Promise<void>> = {
    // LPUSH/BRPOP: BRPOP removes the job; a worker that dies holding it loses it.
    list: async () => {
      w.started = true;
      while (!over()) {
        const r = await c.call(["BRPOP", n.jobs, "1"], { show: (x) => x.t !== "nil" });
        if (r.t !== "array" || r.v[1]?.t !== "bulk") continue;
        // A manual crash while BRPOP's reply is on its way loses that job unseen, as a real one would.
        const job = jobOf(r.v[1].v);
        if (job === null) continue;
        if (!(await work(job))) {
          if (crashed.signal.aborted) q.lost([job], name);
          break;
        }
        await c.call(["PUBLISH", n.results, String(job)]);
        q.emit({ type: "worker", worker: name, state: "idle" });
      }
    },
    // BLMOVE into a processing list of its own, LREM when done: a crash leaves the job there.
    "reliable-list": async () => {
      let beat = 0;
      while (!over()) {
        await c.call(["SET", n.alive(name), "1", "PX", String(q.workMs + 3000)], { show: () => beat++ === 0 });
        w.started = true;
        const r = await c.call(["BLMOVE", n.jobs, n.processing(name), "RIGHT", "LEFT", "1"], { show: (x) => x.t !== "nil" });
        if (r.t !== "bulk") continue;
        const job = jobOf(r.v);
        if (job === null) {
          await c.call(["LREM", n.processing(name), "1", r.v]); // not ours: out of the way
          continue;
        }
        if (!(await work(job))) break; // crashed: the job waits in the processing list for the janitor
        await c.call(["LREM", n.processing(name), "1", r.v]);
        await c.call(["PUBLISH", n.results, String(job)]);
        q.emit({ type: "worker", worker: name, state: "idle" });
      }
    },
    // A consumer group: an entry stays pending until XACK; XAUTOCLAIM hands a dead consumer's entries to a live one.
    stream: async () => {
      w.started = true;
      const minIdle = String(q.workMs + 2000);
      while (!over()) {
        const claim = await c.call(["XAUTOCLAIM", n.jobs, n.group, name, minIdle, "0-0", "COUNT", "1"], { show: (x) => entries(x, 1).length > 0 });
        let entry: { id: string; job: number } | undefined = entries(claim, 1)[0];
        const wasClaimed = !!entry;
        if (!entry) {
          const r = await c.call(["XREADGROUP", "GROUP", n.group, name, "COUNT", "1", "BLOCK", "1000", "STREAMS", n.jobs, ">"], { show: (x) => x.t !== "nil" });
          entry = r.t === "array" && r.v[0]?.t === "array" ? entries(r.v[0], 1)[0] : undefined;
        }
        if (!entry) continue;
        if (!q.isJob(entry.job)) {
          await c.call(["XACK", n.jobs, n.group, entry.id]); // not one of the master's jobs: acknowledged, skipped
          continue;
        }
        if (wasClaimed) q.recovered(entry.job, name);
        if (!(await work(entry.job))) break; // crashed: the entry stays pending, unacknowledged
        await c.call(["XACK", n.jobs, n.group, entry.id]);
        await c.call(["PUBLISH", n.results, String(entry.job)]);
        q.emit({ type: "worker", worker: name, state: "idle" });
      }
    },
  };
  w.finished = loops[q.variant]()
    .catch((e) => {
      // A dropped connection is how a crash or the end of the run stops a worker; anything else is a fault.
      if (!over()) console.error(`[job-queue ${name}]`, e);
    })
    .finally(() => finish(conn));
  return w;
}

/** Stream entries `[id, [field, value]]` found at `at` in XAUTOCLAIM's or XREADGROUP's reply; job -1 when the value is no job id. */
function entries(r: Reply, at: number): Array<{ id: string; job: number }> {
  if (r.t !== "array" || r.v[at]?.t !== "array") return [];
  const out: Array<{ id: string; job: number }> = [];
  for (const e of (r.v[at] as Extract<Reply, { t: "array" }>).v) {
    if (e.t !== "array" || e.v[0]?.t !== "bulk" || e.v[1]?.t !== "array") continue;
    const fields = e.v[1].v;
    const value = fields[1];
    out.push({ id: e.v[0].v, job: value?.t === "bulk" && /^\d{1,3}$/.test(value.v) ? Number(value.v) : -1 });
  }
  return out;
}
