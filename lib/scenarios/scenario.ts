import { setMaxListeners } from "node:events";
import type { RespConnection } from "@/lib/redis/resp-connection";
import { runtime } from "@/lib/runtime";
import type { SandboxContext } from "@/lib/sandbox/sandbox";
import { keyIndex } from "@/lib/sandbox/key-index";
import type { Session } from "@/lib/session";
import type { SubscriberHub } from "@/lib/streaming/subscriber-hub";
import { isSandboxError, SandboxError } from "@/lib/errors";
import type { ScenarioEvent } from "./events";
import { dedicatedConnection, onAbort, scenarioRuns, type RunControls } from "./runs";
import { JobQueueOptions, runJobQueue } from "./job-queue";
import { ConnectionsOptions, runConnections } from "./connections";
import { PipelineOptions, VisitorsOptions, runPipelineRace, runVisitors } from "./races";
import { touchNamespace } from "@/lib/reaper";
import { checkRate } from "@/lib/rate-limit";
import { issueProblem, problem } from "@/lib/problems";

/** What a running scenario may use: the visitor's sandbox, the hub, dedicated connections, the stream. */
export interface ScenarioEnv {
  ctx: SandboxContext;
  hub: SubscriberHub;
  emit: (e: ScenarioEvent) => void;
  signal: AbortSignal;
  openConn(name: string): Promise<RespConnection>;
  controls: RunControls;
}

/** Every scenario the API can start: its options (zod), its bound on dedicated connections, its run. */
const SCENARIOS = {
  "job-queue": {
    options: JobQueueOptions,
    kind: (o: JobQueueOptions) => `job-queue:${o.variant}`,
    connections: (o: JobQueueOptions) => (o.variant === "pubsub" ? 0 : o.workers),
    run: runJobQueue,
  },
  pipeline: { options: PipelineOptions, kind: () => "pipeline", connections: () => 1, run: runPipelineRace },
  visitors: { options: VisitorsOptions, kind: () => "visitors", connections: () => 0, run: runVisitors },
  connections: { options: ConnectionsOptions, kind: () => "connections", connections: () => 1, run: runConnections },
} as const;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** Checks a scenario's options; throws bad_request naming what is wrong. */
export function parseScenario(name: string, body: unknown): { name: ScenarioName; options: Record<string, unknown> } {
  if (!Object.hasOwn(SCENARIOS, name)) throw new SandboxError("not_found", problem("scenario:unknown", { name, names: SCENARIO_NAMES.join(", ") }));
  const parsed = SCENARIOS[name as ScenarioName].options.safeParse(body ?? {});
  if (!parsed.success) {
    throw new SandboxError("bad_request", issueProblem(parsed.error.issues[0]));
  }
  return { name: name as ScenarioName, options: parsed.data as Record<string, unknown> };
}

/**
 * Runs a scenario for a session, streaming its events to `emit`; resolves
 * when it ends (done, stalled, cancelled through `signal`, or failed). Bounded:
 * see ScenarioRuns. Throws before the first event when it cannot start.
 */
export async function runScenario(
  session: Session,
  name: ScenarioName,
  options: Record<string, unknown>,
  emit: (e: ScenarioEvent) => void,
  signal: AbortSignal,
  ip = "",
): Promise<void> {
  const rt = runtime();
  await Promise.all([rt.conn.ensureReady(), rt.appConn.ensureReady()]);
  // Starting a run counts as a command against the rate limits.
  await checkRate(rt.appConn, rt.config.rate, session.id, ip || undefined);
  const spec = SCENARIOS[name] as unknown as {
    kind(o: unknown): string;
    connections(o: unknown): number;
    run(env: ScenarioEnv, o: unknown): Promise<void>;
  };
  const runs = scenarioRuns();
  const handle = runs.begin(session.id, ip, spec.kind(options), spec.connections(options));
  // Every worker and pause listens to the run's signal: more than Node's default of 10.
  setMaxListeners(200, handle.abort.signal);
  const offAbort = onAbort(signal, () => handle.abort.abort()); // the client may be gone already
  const conns: RespConnection[] = [];
  touchNamespace(rt, session.id);
  try {
    const env: ScenarioEnv = {
      ctx: {
        conn: rt.scoped(session.ns),
        table: await rt.commandTable(),
        ns: session.ns,
        limits: { maxStringBytes: rt.config.quota.maxStringBytes, maxReplyItems: rt.config.reply.items, quotas: rt.quotas, address: ip || undefined },
        index: keyIndex(rt),
      },
      hub: rt.hub(),
      emit,
      signal: handle.abort.signal,
      controls: handle.controls,
      async openConn(connName) {
        const c = await dedicatedConnection(rt, connName, session.ns);
        conns.push(c);
        await rt.login(c, session.ns); // a worker's connection runs as the namespace's own ACL user
        return c;
      },
    };
    emit({ type: "start", run: handle.id, scenario: name, options });
    try {
      await spec.run(env, options);
    } catch (e) {
      if (!handle.abort.signal.aborted) {
        console.error(`[scenario ${name}]`, e);
        emit({
          type: "end",
          reason: "error",
          summary: {},
          error: isSandboxError(e) ? e.toWire() : new SandboxError("internal", problem("scenario:failed")).toWire(),
        });
      } else emit({ type: "end", reason: "cancelled", summary: {} });
    }
  } finally {
    offAbort();
    for (const c of conns) c.close();
    runs.end(handle);
  }
}

/** Live control of a running scenario: crash one of its workers. */
export function crashWorker(session: Session, runId: string, worker: number): boolean {
  const run = scenarioRuns().get(runId, session.id);
  if (!run) throw new SandboxError("not_found", problem("scenario:no-run"));
  return run.controls.crash?.(worker) ?? false;
}
