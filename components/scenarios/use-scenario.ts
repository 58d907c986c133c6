"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { ScenarioEvent } from "@/lib/scenarios/events";
import { readSse } from "@/lib/streaming/sse-parse";
import { isProblem } from "@/lib/problems";
import { useProblemText, useT } from "../i18n";

export type RunStatus = "idle" | "starting" | "running" | "ended";

/**
 * Runs a server-side scenario (POST /api/v1/scenarios/<name>) and hands its
 * events to `onEvent` as they stream in. Cancel aborts the request, which
 * cancels the run on the server; so does leaving the page.
 */
export function useScenario(name: string, onEvent: (e: ScenarioEvent) => void) {
  const [status, setStatus] = useState<RunStatus>("idle");
  const [error, setError] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const t = useT().scenario;
  const words = useRef(t);
  words.current = t;
  const sayNow = useProblemText();
  const say = useRef(sayNow);
  say.current = sayNow;
  const emit = useRef(onEvent);
  emit.current = onEvent;

  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(
    async (options: Record<string, unknown>) => {
      abort.current?.abort();
      const ac = new AbortController();
      abort.current = ac;
      setStatus("starting");
      setError(null);
      setRunId(null);
      try {
        const send = () =>
          fetch(`/api/v1/scenarios/${name}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(options),
            signal: ac.signal,
          });
        let res = await send();
        // Run right after Cancel: the server may still be ending the last run.
        if (res.status === 409) res = await new Promise((r) => setTimeout(r, 600)).then(send);
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
          setError(isProblem(body?.error) ? say.current(body.error) : words.current.serverSaid(res.status));
          setStatus("idle");
          return;
        }
        setStatus("running");
        let ended = false;
        await readSse(res.body, ({ data }) => {
          const e = JSON.parse(data) as ScenarioEvent;
          if (e.type === "start") setRunId(e.run);
          if (e.type === "end") ended = true;
          emit.current(e);
        });
        if (!ended) setError(words.current.endedEarly);
      } catch {
        if (!ac.signal.aborted) setError(words.current.lostConnection);
      } finally {
        if (abort.current === ac) {
          abort.current = null;
          setStatus("ended");
        }
      }
    },
    [name],
  );

  const cancel = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    setStatus("ended");
    emit.current({ type: "end", reason: "cancelled", summary: {} });
  }, []);

  const crash = useCallback(
    async (worker: number) => {
      if (!runId) return false;
      const res = await fetch(`/api/v1/scenarios/runs/${runId}/crash`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ worker }),
      }).catch(() => null);
      const body = res?.ok ? ((await res.json().catch(() => null)) as { crashed?: boolean } | null) : null;
      return !!body?.crashed;
    },
    [runId],
  );

  return { status, error, running: status === "starting" || status === "running", start, cancel, crash };
}
