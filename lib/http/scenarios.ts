import type { ServerResponse } from "node:http";
import { z } from "zod";
import { SandboxError, isSandboxError } from "@/lib/errors";
import type { Session } from "@/lib/session";
import { crashWorker, parseScenario, runScenario } from "@/lib/scenarios/scenario";
import { startSse } from "./sse";
import { problem } from "@/lib/problems";

/**
 * POST /api/v1/scenarios/<name> — starts a scenario (job-queue, pipeline,
 * visitors) with the JSON body as its options and streams its events as
 * Server-Sent Events until it ends; closing the request cancels it.
 * POST /api/v1/scenarios/runs/<id>/crash {"worker": 3} — crashes a worker of
 * one of your running job queues.
 */
const CrashBody = z.object({ worker: z.number().int().min(1).max(10) }).strict();

export async function handleScenarios(
  res: ServerResponse,
  path: string,
  session: Session | null,
  body: unknown,
  ip: string | undefined,
  sendJson: (status: number, body: unknown) => void,
): Promise<void> {
  if (!session) throw new SandboxError("unauthorized");
  const crash = /^\/api\/v1\/scenarios\/runs\/([A-Za-z0-9_-]{1,32})\/crash$/.exec(path);
  if (crash) {
    const parsed = CrashBody.safeParse(body);
    if (!parsed.success) throw new SandboxError("bad_request", problem("request:worker-body"));
    sendJson(200, { crashed: crashWorker(session, crash[1], parsed.data.worker) });
    return;
  }
  const name = /^\/api\/v1\/scenarios\/([a-z-]{1,32})$/.exec(path)?.[1];
  if (!name) throw new SandboxError("not_found", problem("request:no-route", { method: "POST", path, see: "/api/v1/scenarios" }));
  const { name: scenario, options } = parseScenario(name, body);

  const abort = new AbortController();
  let sse: ReturnType<typeof startSse> | null = null;
  const onClose = () => abort.abort();
  res.on("close", onClose);
  try {
    await runScenario(
      session,
      scenario,
      options,
      (e) => {
        sse ??= startSse(res);
        sse.send(e.type, e);
      },
      abort.signal,
      ip,
    );
  } catch (e) {
    if (!sse) throw e; // nothing streamed yet: a plain JSON error with its status
    const error = isSandboxError(e) ? e.toWire() : new SandboxError("internal", problem("scenario:failed")).toWire();
    (sse as ReturnType<typeof startSse>).send("end", { type: "end", reason: "error", summary: {}, error });
  } finally {
    res.off("close", onClose);
    // Nothing streamed: the error above goes back to api.ts, which answers it with its status.
    if (sse) {
      (sse as ReturnType<typeof startSse>).close();
      if (!res.writableEnded) res.end();
    }
  }
}
