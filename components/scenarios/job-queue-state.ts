import type { JobState, ScenarioEvent, WorkerState } from "@/lib/scenarios/events";

/** What the job-queue view shows, folded from the run's events. */
export interface JobQueueView {
  total: number;
  jobs: Array<{ state: JobState; worker?: string; lane?: string; receivers?: number } | undefined>;
  workers: Record<string, { state: WorkerState; job?: number; done: number }>;
  log: Array<{ id: number; actor: string; line: string; text: string; error?: boolean }>;
  results: number[];
  counts: Record<JobState, number>;
  end?: Extract<ScenarioEvent, { type: "end" }>;
}

const LOG_MAX = 300;
let logId = 0;

export function emptyView(total = 0): JobQueueView {
  return {
    total,
    jobs: Array.from({ length: total }, () => undefined),
    workers: {},
    log: [],
    results: [],
    counts: { dispatched: 0, failed: 0, working: 0, done: 0, lost: 0, recovered: 0 },
  };
}

export function reduce(v: JobQueueView, e: ScenarioEvent): JobQueueView {
  switch (e.type) {
    case "start":
      return emptyView(Number(e.options.jobs) || 0);
    case "cmd": {
      const log = [...v.log, { id: ++logId, actor: e.actor, line: e.line, text: e.text, error: e.error }];
      return { ...v, log: log.length > LOG_MAX ? log.slice(-LOG_MAX) : log };
    }
    case "job": {
      if (!Number.isInteger(e.job) || e.job < 0 || e.job >= v.total) return v;
      const jobs = v.jobs.slice();
      const prev = jobs[e.job];
      jobs[e.job] = { ...prev, state: e.state, worker: e.worker ?? prev?.worker, lane: e.lane ?? prev?.lane, receivers: e.receivers ?? prev?.receivers };
      const counts = { ...v.counts, [e.state]: v.counts[e.state] + 1 };
      const workers = { ...v.workers };
      let results = v.results;
      if (e.state === "done") {
        results = [...v.results, e.job];
        if (e.worker && workers[e.worker]) workers[e.worker] = { ...workers[e.worker], done: workers[e.worker].done + 1 };
      }
      return { ...v, jobs, counts, workers, results };
    }
    case "worker": {
      const prev = v.workers[e.worker] ?? { state: "idle", done: 0 };
      return { ...v, workers: { ...v.workers, [e.worker]: { ...prev, state: e.state, job: e.state === "working" ? e.job : undefined } } };
    }
    case "end":
      return { ...v, end: e };
    default:
      return v;
  }
}

/** Jobs waiting in a lane: dispatched there, not yet taken by a worker. */
export function waiting(v: JobQueueView, lane: string): number[] {
  const out: number[] = [];
  v.jobs.forEach((j, i) => {
    if (j && (j.state === "dispatched" || j.state === "recovered") && (j.lane === lane || j.state === "recovered")) out.push(i);
  });
  return out;
}
