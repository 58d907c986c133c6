"use client";

import { useId, useState } from "react";
import type { ScenarioEvent } from "@/lib/scenarios/events";
import { useScenario } from "./use-scenario";
import { ProgressBar } from "./progress-bar";
import { CommandLog } from "./command-log";

type End = Extract<ScenarioEvent, { type: "end" }>;
type LogEntry = { id: number; actor: string; line: string; text: string; error?: boolean };

/** Folds a finite scenario's events: progress, the commands shown, its end. */
function useFinite(name: string) {
  const [progress, setProgress] = useState<{ done: number; total: number; phase?: string }>({ done: 0, total: 0 });
  const [log, setLog] = useState<LogEntry[]>([]);
  const [end, setEnd] = useState<End | null>(null);
  const sc = useScenario(name, (e) => {
    if (e.type === "start") {
      setLog([]);
      setEnd(null);
      setProgress({ done: 0, total: 0 });
    } else if (e.type === "progress") setProgress({ done: e.done, total: e.total, phase: e.phase });
    else if (e.type === "cmd") setLog((l) => [...l, { id: l.length + 1, actor: e.actor, line: e.line, text: e.text, error: e.error }]);
    else if (e.type === "end") setEnd(e);
  });
  return { sc, progress, log, end };
}

/** 1,000 INCRs one by one (a round trip each) against the same 1,000 pipelined (one batch). */
export function PipelineRace() {
  const { sc, progress, log, end } = useFinite("pipeline");
  const [count, setCount] = useState(1000);
  const id = useId();
  const s = end?.reason === "done" ? end.summary : null;
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700" data-testid="pipeline-race">
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        Race: one by one against pipelined
      </h2>
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-sm">
          INCRs
          <input
            type="number"
            min={10}
            max={1000}
            value={count}
            disabled={sc.running}
            onChange={(e) => setCount(Math.max(10, Math.min(1000, Math.round(Number(e.target.value) || 10))))}
            className="w-28 rounded border border-slate-300 bg-white px-2 py-1 font-mono dark:border-slate-600 dark:bg-slate-900"
          />
        </label>
        <button type="button" className="btn-primary" disabled={sc.running} onClick={() => void sc.start({ count })}>
          Run the race
        </button>
        <button type="button" className="btn" disabled={!sc.running} onClick={sc.cancel}>
          Cancel
        </button>
      </div>
      {sc.error && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{sc.error}</p>}
      {(sc.running || end) && (
        <>
          <p className="text-sm" role="status">
            {sc.running ? `${progress.phase ?? "starting"}: ${progress.done} of ${progress.total}` : end?.reason === "done" ? "Done." : end?.reason}
          </p>
          <ProgressBar label="INCRs sent" total={progress.total || count} parts={[{ n: progress.done, label: progress.phase ?? "done", className: "bg-sky-600" }]} />
        </>
      )}
      {s && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="race-result">
          <dt>one by one ({s.count} round trips)</dt>
          <dd className="font-mono">{s.oneByOneMs} ms</dd>
          <dt>pipelined (one batch)</dt>
          <dd className="font-mono">{s.pipelinedMs} ms</dd>
          <dt>pipelined is</dt>
          <dd className="font-mono">{s.speedup}× faster</dd>
        </dl>
      )}
      {log.length > 0 && <CommandLog entries={log} label="Commands shown (the first three of each half)" />}
    </section>
  );
}

/** 100 simulated visitors at once: GET then SET loses updates, INCR does not. */
export function VisitorsRace() {
  const getset = useFinite("visitors");
  const incr = useFinite("visitors");
  const [visitors, setVisitors] = useState(100);
  const id = useId();
  const running = getset.sc.running || incr.sc.running;
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700" data-testid="visitors-race">
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        {visitors} visitors at once
      </h2>
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-sm">
          Visitors
          <input
            type="number"
            min={1}
            max={200}
            value={visitors}
            disabled={running}
            onChange={(e) => setVisitors(Math.max(1, Math.min(200, Math.round(Number(e.target.value) || 1))))}
            className="w-28 rounded border border-slate-300 bg-white px-2 py-1 font-mono dark:border-slate-600 dark:bg-slate-900"
          />
        </label>
        <button
          type="button"
          className="btn-primary"
          disabled={running}
          onClick={() => void getset.sc.start({ visitors, method: "get-set" }).then(() => incr.sc.start({ visitors, method: "incr" }))}
        >
          Send the visitors
        </button>
      </div>
      {[
        { r: getset, title: "GET, add one, SET", key: "page:visits:getset" },
        { r: incr, title: "INCR", key: "page:visits:incr" },
      ].map(({ r, title, key }) => (
        <div key={key} className="space-y-1">
          <h3 className="text-sm font-medium">
            {title} <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{key}</span>
          </h3>
          <ProgressBar label={`${title}: visitors served`} total={r.progress.total || visitors} parts={[{ n: r.progress.done, label: "served", className: "bg-sky-600" }]} />
          {r.sc.error && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{r.sc.error}</p>}
          {r.end?.reason === "done" && (
            <p className="text-sm" data-testid="visitors-result">
              counted <strong className="font-mono">{r.end.summary.counted}</strong> of {r.end.summary.visitors} visits
              {r.end.summary.lost > 0 ? (
                <span className="text-red-700 dark:text-red-400"> — {r.end.summary.lost} lost updates</span>
              ) : (
                <span className="text-emerald-700 dark:text-emerald-400"> — none lost</span>
              )}
            </p>
          )}
        </div>
      ))}
    </section>
  );
}
