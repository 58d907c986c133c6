import { z } from "zod";
import { runtime } from "@/lib/runtime";
import { parseScenario, runScenario } from "@/lib/scenarios/scenario";
import { clearJobs, recordJob, roomNamespace } from "./rooms";
import { processState } from "@/lib/process-state";

/**
 * The class job queue (message-queue lesson in a workshop): the instructor's
 * master dispatches jobs on the room's CHANNEL_DISPATCH_n channels; students
 * subscribe from their consoles and answer with PUBLISH CHANNEL_RESULT <job>.
 * It is the job-queue scenario, pub/sub variant, with no server-side workers,
 * run in the room's namespace; the dashboard shows each job and who answered.
 */
export const Dispatch = z
  .object({
    jobs: z.number().int().min(1).max(50).default(10),
    channels: z.number().int().min(1).max(10).default(5),
    intervalMs: z.number().int().min(0).max(10_000).default(2000),
  })
  .strict();

/** The running class queue of each room, to stop it when the room is reset or ended. */
const running = () => processState("classroom.queue.running", () => new Map<string, AbortController>());

export function stopClassQueue(code: string): void {
  running().get(code)?.abort();
  running().delete(code);
}

export async function startClassQueue(code: string, input: z.infer<typeof Dispatch>, ip?: string): Promise<void> {
  const rt = runtime();
  const { options } = parseScenario("job-queue", { variant: "pubsub", workers: 0, workMs: 0, ...input });
  const abort = new AbortController();
  const lanes = new Map<number, string>();
  const room = { id: `room-${code}`, ns: roomNamespace(code) };
  let started: () => void = () => {};
  let failed: (e: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
  // Runs on after this request returns; bounded by the scenario's own limits (50 jobs, a 2 min stall, 4 min in all).
  void runScenario(
    room,
    "job-queue",
    options,
    (e) => {
      if (e.type === "start") {
        // Cleared only once this run has its slot (a second dispatch refused with 409 leaves the table alone).
        void clearJobs(rt.appConn, code).catch(() => {});
        running().set(code, abort);
        started();
      }
      if (e.type !== "job") return;
      if (e.lane) lanes.set(e.job, e.lane);
      void recordJob(rt.appConn, code, e.job, e.state, lanes.get(e.job)).catch(() => {});
    },
    abort.signal,
    ip,
  )
    .then(started, failed)
    .finally(() => {
      if (running().get(code) === abort) running().delete(code);
    });
  await ready;
}
