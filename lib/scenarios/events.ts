import type { WireError } from "@/lib/errors";

/**
 * What a running scenario streams to the browser (and to API clients), one
 * event at a time. Shared by the server (lib/scenarios) and the client
 * (components/scenarios): the one place these types live.
 */
export type JobState =
  /** PUBLISH/LPUSH/XADD accepted it; `receivers` is PUBLISH's reply. */
  | "dispatched"
  /** PUBLISH returned 0: nobody was subscribed, the notes' "Dispatch failed". */
  | "failed"
  | "working"
  | "done"
  /** Gone with a crashed worker: pub/sub and a plain BRPOP keep no copy. */
  | "lost"
  /** Put back (LMOVE from processing) or claimed (XAUTOCLAIM) after a crash. */
  | "recovered";

export type WorkerState = "idle" | "working" | "crashed" | "stopped";

export type ScenarioEvent =
  | { type: "start"; run: string; scenario: string; options: Record<string, unknown> }
  /** One command as redis-cli shows it: the line and the printed reply. */
  | { type: "cmd"; actor: string; line: string; text: string; error?: boolean }
  | { type: "job"; job: number; state: JobState; worker?: string; lane?: string; receivers?: number }
  | { type: "worker"; worker: string; state: WorkerState; job?: number }
  | { type: "progress"; done: number; total: number; phase?: string }
  | { type: "measure"; name: string; value: number; unit: string }
  | { type: "end"; reason: "done" | "cancelled" | "stalled" | "timeout" | "error"; summary: Record<string, number>; error?: WireError };

export type EndReason = Extract<ScenarioEvent, { type: "end" }>["reason"];
