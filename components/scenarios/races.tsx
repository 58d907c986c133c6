"use client";

import { Fragment, useId, useState } from "react";
import type { ScenarioEvent } from "@/lib/scenarios/events";
import { useScenario } from "./use-scenario";
import { ProgressBar } from "./progress-bar";
import { CommandLog } from "./command-log";
import { NumberField } from "./number-field";
import { useProblemText, useT } from "../i18n";

type End = Extract<ScenarioEvent, { type: "end" }>;
type LogEntry = { id: number; actor: string; line: string; text: string; error?: boolean };

/** Folds a finite scenario's events: progress, measures, the commands shown, its end. */
function useFinite(name: string) {
  const [progress, setProgress] = useState<{ done: number; total: number; phase?: string }>({ done: 0, total: 0 });
  const [log, setLog] = useState<LogEntry[]>([]);
  const [measures, setMeasures] = useState<Array<{ name: string; value: number }>>([]);
  const [end, setEnd] = useState<End | null>(null);
  const sc = useScenario(name, (e) => {
    if (e.type === "start") {
      setLog([]);
      setEnd(null);
      setMeasures([]);
      setProgress({ done: 0, total: 0 });
    } else if (e.type === "progress") setProgress({ done: e.done, total: e.total, phase: e.phase });
    else if (e.type === "measure") setMeasures((m) => [...m, { name: e.name, value: e.value }]);
    else if (e.type === "cmd") setLog((l) => [...l, { id: l.length + 1, actor: e.actor, line: e.line, text: e.text, error: e.error }]);
    else if (e.type === "end") setEnd(e);
  });
  return { sc, progress, log, measures, end };
}

/** 1,000 INCRs one by one (a round trip each) against the same 1,000 pipelined (one batch). */
export function PipelineRace() {
  const t = useT().races;
  return (
    <TwoPhaseRace
      scenario="pipeline"
      option="count"
      min={10}
      max={1000}
      initial={1000}
      heading={t.pipelineHeading}
      countLabel={t.incrs}
      ratioKey="speedup"
      testId="pipeline-race"
    />
  );
}

/** A new connection per command against one pooled connection. */
export function ConnectionsRace() {
  const t = useT().races;
  return (
    <TwoPhaseRace
      scenario="connections"
      option="commands"
      min={10}
      max={500}
      initial={200}
      heading={t.connectionsHeading}
      countLabel={t.commands}
      ratioKey="ratio"
      testId="connections-race"
    />
  );
}

/** A scenario that times the same work two ways and shows both figures and their ratio. */
function TwoPhaseRace(props: {
  scenario: string;
  option: string;
  min: number;
  max: number;
  initial: number;
  heading: string;
  countLabel: string;
  ratioKey: string;
  testId: string;
}) {
  const all = useT();
  const t = all.races;
  const say = useProblemText();
  const { sc, progress, log, measures, end } = useFinite(props.scenario);
  const [count, setCount] = useState(props.initial);
  const id = useId();
  const s = end?.reason === "done" ? end.summary : null;
  const phase = (p: string | undefined) => t.phase[p ?? ""] ?? p ?? t.starting;
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700" data-testid={props.testId}>
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        {props.heading}
      </h2>
      <div className="flex flex-wrap items-end gap-3">
        <NumberField label={props.countLabel} value={count} min={props.min} max={props.max} disabled={sc.running} onChange={setCount} />
        <button type="button" className="btn-primary" disabled={sc.running} onClick={() => void sc.start({ [props.option]: count })}>
          {t.runRace}
        </button>
        <button type="button" className="btn" disabled={!sc.running} onClick={sc.cancel}>
          {all.scenario.cancel}
        </button>
      </div>
      {sc.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {sc.error}
        </p>
      )}
      {(sc.running || end) && (
        <>
          <p className="text-sm" role="status">
            {sc.running
              ? `${phase(progress.phase)}: ${progress.done} / ${progress.total}`
              : end?.reason === "done"
                ? t.done
                : end?.reason === "cancelled"
                  ? all.scenario.cancelled
                  : end?.error
                    ? say(end.error)
                    : ""}
          </p>
          <ProgressBar label={t.sent} total={progress.total || count} parts={[{ n: progress.done, label: phase(progress.phase), className: "bg-sky-600" }]} />
        </>
      )}
      {s && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="race-result">
          {measures.map((m) => (
            <Fragment key={m.name}>
              <dt>{t.measured(phase(m.name), s.count ?? s.commands)}</dt>
              <dd className="font-mono">{m.value} ms</dd>
            </Fragment>
          ))}
          <dt>{t.ratio}</dt>
          <dd className="font-mono">{t.timesFaster(s[props.ratioKey])}</dd>
        </dl>
      )}
      {log.length > 0 && <CommandLog entries={log} label={t.shown} />}
    </section>
  );
}

/** 100 simulated visitors at once: GET then SET loses updates, INCR does not. */
export function VisitorsRace() {
  const t = useT().races;
  const getset = useFinite("visitors");
  const incr = useFinite("visitors");
  const [visitors, setVisitors] = useState(100);
  const id = useId();
  const running = getset.sc.running || incr.sc.running;
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700" data-testid="visitors-race">
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        {t.visitorsHeading(visitors)}
      </h2>
      <div className="flex flex-wrap items-end gap-3">
        <NumberField label={t.visitors} value={visitors} min={1} max={200} disabled={running} onChange={setVisitors} />
        <button
          type="button"
          className="btn-primary"
          disabled={running}
          onClick={() => void getset.sc.start({ visitors, method: "get-set" }).then(() => incr.sc.start({ visitors, method: "incr" }))}
        >
          {t.send}
        </button>
      </div>
      {[
        { r: getset, title: t.getSet, key: "page:visits:getset" },
        { r: incr, title: "INCR", key: "page:visits:incr" },
      ].map(({ r, title, key }) => (
        <div key={key} className="space-y-1">
          <h3 className="text-sm font-medium">
            {title} <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{key}</span>
          </h3>
          <ProgressBar
            label={t.served(title)}
            total={r.progress.total || visitors}
            parts={[{ n: r.progress.done, label: t.visitors, className: "bg-sky-600" }]}
          />
          {r.sc.error && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {r.sc.error}
            </p>
          )}
          {r.end?.reason === "done" && (
            <p className="text-sm" data-testid="visitors-result">
              {t.counted(r.end.summary.counted, r.end.summary.visitors)}
              {r.end.summary.lost > 0 ? (
                <span className="text-red-700 dark:text-red-400">{t.lostUpdates(r.end.summary.lost)}</span>
              ) : (
                <span className="text-emerald-700 dark:text-emerald-400">{t.noneLost}</span>
              )}
            </p>
          )}
        </div>
      ))}
    </section>
  );
}
