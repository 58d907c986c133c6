import { z } from "zod";
import type { ScenarioEnv } from "./scenario";
import type { Reply } from "@/lib/resp/reply";
import { SandboxedClient, asText, prepare } from "./client";
import { pause } from "./runs";

/**
 * Finite scenarios for lesson steps that run many commands, streamed with a
 * progress bar: 1,000 INCRs one by one against the same 1,000 pipelined, and
 * 100 concurrent simulated visitors counting page views with GET+SET against
 * INCR. Real commands in the visitor's namespace; real figures from this server.
 */
export const PipelineOptions = z.object({ count: z.number().int().min(10).max(1000).default(1000).describe("INCRs in each half of the race") }).strict();
export type PipelineOptions = z.infer<typeof PipelineOptions>;

export const VisitorsOptions = z
  .object({
    visitors: z.number().int().min(1).max(200).default(100).describe("simulated visitors arriving at once"),
    method: z.enum(["get-set", "incr"]).default("get-set").describe("get-set: read, add one, write back (the race); incr: INCR"),
  })
  .strict();
export type VisitorsOptions = z.infer<typeof VisitorsOptions>;

const SHOWN = 3;

export async function runPipelineRace(env: ScenarioEnv, o: PipelineOptions): Promise<void> {
  const { emit, signal } = env;
  const key = "race:counter";
  const conn = await env.openConn("playground-scenario-pipeline");
  const shown = new SandboxedClient(env.ctx, "client", emit, conn);
  const step = Math.max(1, Math.floor(o.count / 20));
  const t0 = performance.now();
  const results: Record<string, number> = {};
  const argv = ["INCR", key];

  for (const phase of ["one by one", "pipelined"] as const) {
    await shown.call(["DEL", key]);
    // Checked and rewritten once: the race times Redis round trips, not the sandbox.
    const incr = await prepare(shown, argv);
    const start = performance.now();
    let done = 0;
    const tick = (i: number) => (reply: Reply) => {
      done++;
      if (i < SHOWN) shown.show(argv, reply);
      if (done % step === 0 || done === o.count) emit({ type: "progress", done, total: o.count, phase });
    };
    if (phase === "one by one") {
      for (let i = 0; i < o.count && !signal.aborted; i++) tick(i)(await incr());
    } else {
      // Every INCR is written before any reply is read: one batch on the wire.
      await Promise.all(Array.from({ length: o.count }, (_, i) => incr().then(tick(i))));
    }
    if (signal.aborted) return emit({ type: "end", reason: "cancelled", summary: {} });
    const ms = performance.now() - start;
    results[phase] = ms;
    emit({ type: "measure", name: phase, value: round(ms), unit: "ms" });
    await shown.call(["GET", key]);
  }
  emit({
    type: "end",
    reason: "done",
    summary: {
      count: o.count,
      oneByOneMs: round(results["one by one"]),
      pipelinedMs: round(results.pipelined),
      speedup: round(results["one by one"] / Math.max(results.pipelined, 0.001)),
      ms: round(performance.now() - t0),
    },
  });
}

export async function runVisitors(env: ScenarioEnv, o: VisitorsOptions): Promise<void> {
  const { emit, signal } = env;
  const key = o.method === "incr" ? "page:visits:incr" : "page:visits:getset";
  const setup = new SandboxedClient(env.ctx, "app", emit);
  await setup.call(["SET", key, "0"]);
  const t0 = performance.now();
  let done = 0;
  const visitor = async (v: number) => {
    const c = new SandboxedClient(env.ctx, `visitor ${v + 1}`, emit, undefined, v >= SHOWN);
    await pause(Math.random() * 20, signal); // visitors arrive within 20 ms of each other
    if (signal.aborted) return;
    if (o.method === "incr") await c.call(["INCR", key]);
    else {
      const seen = Number(asText(await c.call(["GET", key])) ?? 0);
      await pause(Math.random() * 10, signal); // the page renders before it writes the count back
      await c.call(["SET", key, String(seen + 1)]);
    }
    done++;
    emit({ type: "progress", done, total: o.visitors, phase: o.method });
  };
  await Promise.all(Array.from({ length: o.visitors }, (_, v) => visitor(v)));
  if (signal.aborted) return emit({ type: "end", reason: "cancelled", summary: {} });
  const final = Number(asText(await setup.call(["GET", key])) ?? 0);
  emit({
    type: "end",
    reason: "done",
    summary: { visitors: o.visitors, counted: final, lost: o.visitors - final, ms: round(performance.now() - t0) },
  });
}

const round = (x: number) => Math.round(x * 100) / 100;
