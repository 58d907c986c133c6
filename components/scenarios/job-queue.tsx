"use client";

import { useEffect, useId, useReducer, useState } from "react";
import { useScenario } from "./use-scenario";
import { emptyView, reduce, waiting, type JobQueueView } from "./job-queue-state";
import { ProgressBar } from "./progress-bar";
import { CommandLog } from "./command-log";
import { useProblemText, useT } from "../i18n";
import type { Messages } from "@/lib/i18n/messages";

const VARIANTS = [{ id: "pubsub" }, { id: "list" }, { id: "reliable-list" }, { id: "stream" }] as const;
type Variant = (typeof VARIANTS)[number]["id"];

interface Options {
  jobs: number;
  channels: number;
  workers: number;
  workMs: number;
  intervalMs: number;
  crashWorker: number;
}

/** A run with these takes a few seconds (all four side by side, a worker crashing, under 10 s); the notes' 2 s per job is a field away. */
const DEFAULTS: Options = { jobs: 20, channels: 5, workers: 5, workMs: 500, intervalMs: 100, crashWorker: 0 };

/**
 * The job-queue lab: pick a variant and run it, or run all four side by side
 * with the same jobs and the same crashing worker.
 */
export function JobQueueLab({ aside }: { aside?: React.ReactNode }) {
  const t = useT().jobQueue;
  const cancelLabel = useT().scenario.cancel;
  const [variant, setVariant] = useState<Variant>("pubsub");
  const [opts, setOpts] = useState<Options>(DEFAULTS);
  // What was launched last: its panels stay on screen, whatever is picked afterwards, until the next launch.
  const [launch, setLaunch] = useState<{ id: number; variants: Variant[]; options: Options; compare: boolean } | null>(null);
  const [running, setRunning] = useState(0);
  const [cancelTick, setCancelTick] = useState(0);
  const ids = useId();

  // Each field spans three rows of the form's grid (label, input, help), so inputs line up whatever their labels' length.
  const field = (key: keyof Options, label: string, min: number, max: number, help?: string) => (
    // The help is outside the <label>, so the field's name is the label alone (the help is its description).
    <div className="row-span-3 grid grid-rows-subgrid gap-1 text-sm">
      <label className="self-end" htmlFor={`${ids}-${key}`}>
        {label}
      </label>
      <input
        id={`${ids}-${key}`}
        type="number"
        min={min}
        max={max}
        value={opts[key]}
        disabled={running > 0}
        onChange={(e) => setOpts({ ...opts, [key]: Math.max(min, Math.min(max, Math.round(Number(e.target.value) || 0))) })}
        className="w-28 rounded border border-slate-300 bg-white px-2 py-1 font-mono max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
        aria-describedby={help ? `${ids}-${key}-help` : undefined}
      />
      <span id={`${ids}-${key}-help`} className="text-xs text-slate-600 dark:text-slate-400">
        {help}
      </span>
    </div>
  );

  const go = (compare: boolean) => {
    // Pub/sub gives each worker a channel of its own: side by side it gets as many channels as workers.
    const channels = compare ? Math.max(opts.channels, opts.workers) : opts.channels;
    const workers = variant === "pubsub" && !compare ? Math.min(opts.workers, channels) : opts.workers;
    const options = { ...opts, channels, workers, crashWorker: Math.min(opts.crashWorker, workers) };
    setLaunch({ id: Date.now(), variants: compare ? VARIANTS.map((v) => v.id) : [variant], options, compare });
  };

  return (
    <section aria-labelledby={`${ids}-h`} className="space-y-4">
      <div className={aside ? "grid gap-6 xl:grid-cols-2" : ""}>
        <div className="space-y-4">
          <h2 id={`${ids}-h`} className="text-xl font-semibold">
            {t.heading}
          </h2>
          <fieldset className="space-y-2" disabled={running > 0}>
            <legend className="text-sm font-medium">{t.builtOn}</legend>
            <div className="flex flex-wrap gap-x-5 gap-y-2">
              {VARIANTS.map((v) => (
                <label key={v.id} className="flex items-center gap-2 text-sm max-lg:min-h-11">
                  <input type="radio" name={`${ids}-variant`} value={v.id} checked={variant === v.id} onChange={() => setVariant(v.id)} />
                  {t.variants[v.id].label}
                </label>
              ))}
            </div>
            <p className="text-sm text-slate-600 dark:text-slate-400">{t.variants[variant].what}</p>
          </fieldset>
          <div className="grid grid-cols-[repeat(auto-fill,minmax(9.5rem,1fr))] gap-x-4 gap-y-1">
            {field("jobs", t.jobs, 1, 200)}
            {field("channels", t.channels, 1, 10, t.channelsHelp)}
            {field("workers", t.workers, 0, 10)}
            {field("workMs", t.workMs, 0, 5000, t.workMsHelp)}
            {field("intervalMs", t.intervalMs, 0, 2000)}
            <label className="row-span-3 grid grid-rows-subgrid gap-1 text-sm" htmlFor={`${ids}-crash`}>
              <span className="self-end">{t.crash}</span>
              <select
                id={`${ids}-crash`}
                value={opts.crashWorker}
                disabled={running > 0}
                onChange={(e) => setOpts({ ...opts, crashWorker: Number(e.target.value) })}
                className="w-fit rounded border border-slate-300 bg-white px-2 py-1 max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
              >
                <option value={0}>{t.crashNone}</option>
                {Array.from({ length: opts.workers }, (_, i) => (
                  <option key={i} value={i + 1}>
                    {t.crashIn(i + 1)}
                  </option>
                ))}
              </select>
              <span />
            </label>
          </div>
          <div className="flex flex-wrap gap-2 [&>button]:whitespace-nowrap">
            <button type="button" className="btn-primary" disabled={running > 0} onClick={() => go(false)}>
              {t.run(t.variants[variant].short)}
            </button>
            <button type="button" className="btn" disabled={running > 0} onClick={() => go(true)}>
              {t.compare}
            </button>
            <button type="button" className="btn" disabled={running === 0} onClick={() => setCancelTick((t) => t + 1)}>
              {cancelLabel}
            </button>
          </div>
        </div>
        {aside}
      </div>
      {launch && (
        // Side by side: two columns wherever the lesson column has room for two cards, four on a very wide one.
        <div className={launch.compare ? "@container" : ""} data-testid={launch.compare ? "compare-grid" : undefined}>
          <div className={launch.compare ? "grid gap-4 @xl:grid-cols-2 @[110rem]:grid-cols-4" : ""}>
            {launch.variants.map((v) => (
              <JobQueueRun
                key={`${launch.id}-${v}`}
                variant={v}
                options={launch.options}
                cancelTick={cancelTick}
                onRunning={(r) => setRunning((n) => Math.max(0, n + (r ? 1 : -1)))}
              />
            ))}
          </div>
        </div>
      )}
    </section>
  );
}

/** One run: starts when it mounts (a launch mounts new ones), shows its lanes, results and commands. */
function JobQueueRun(props: { variant: Variant; options: Options; cancelTick: number; onRunning(r: boolean): void }) {
  const { variant, options, cancelTick, onRunning } = props;
  const [view, dispatch] = useReducer(reduce, emptyView());
  const sc = useScenario("job-queue", dispatch);
  const all = useT();
  const t = all.jobQueue;
  const meta = t.variants[variant];
  const [cancelAtMount] = useState(cancelTick);

  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on mount, with the options the lab was opened with
  useEffect(() => {
    void sc.start({ variant, ...options });
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `cancelTick` is the trigger: the parent's Cancel button
  useEffect(() => {
    if (cancelTick !== cancelAtMount && sc.running) sc.cancel();
  }, [cancelTick]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `sc.running` is the trigger: tell the parent when a run starts and ends
  useEffect(() => {
    if (!sc.running) return;
    onRunning(true);
    return () => onRunning(false);
  }, [sc.running]);

  const total = view.total || options.jobs;
  const headingId = `jq-${variant}`;
  return (
    <article
      aria-labelledby={headingId}
      className="@container min-w-0 space-y-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700"
      data-testid={`run-${variant}`}
    >
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={headingId} className="font-semibold">
          {meta.label}
        </h3>
        <RunState view={view} running={sc.running} />
      </header>
      {sc.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {sc.error}
        </p>
      )}
      <ProgressBar
        label={t.progress(meta.short)}
        total={total}
        parts={[
          { n: view.counts.done, label: t.stats.done, className: "bg-emerald-600" },
          { n: view.counts.failed, label: t.stats.failed, className: "bg-amber-500" },
          { n: view.counts.lost, label: t.stats.lost, className: "bg-red-600" },
        ]}
      />
      <Stats view={view} />
      <Lanes view={view} variant={variant} options={options} running={sc.running} onCrash={(w) => void sc.crash(w)} />
      <Results view={view} variant={variant} />
      <CommandLog entries={view.log} label={all.scenario.commands(meta.short)} />
    </article>
  );
}

function RunState({ view, running }: { view: JobQueueView; running: boolean }) {
  const t = useT().scenario;
  const say = useProblemText();
  const end = view.end;
  const text = running
    ? t.running
    : !end
      ? ""
      : end.reason === "done"
        ? t.finished(((end.summary.ms ?? 0) / 1000).toFixed(1))
        : end.reason === "stalled"
          ? t.stalled(end.summary.missing ?? 0)
          : end.reason === "cancelled"
            ? t.cancelled
            : end.reason === "timeout"
              ? t.timeout
              : end.error
                ? say(end.error)
                : t.failed;
  return (
    <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
      {text}
    </p>
  );
}

function Stats({ view }: { view: JobQueueView }) {
  const t = useT().jobQueue.stats;
  const c = view.counts;
  const items: Array<[keyof Messages["jobQueue"]["stats"], number, string]> = [
    ["dispatched", c.dispatched, ""],
    ["done", c.done, "text-emerald-700 dark:text-emerald-400"],
    ["failed", c.failed, "text-amber-700 dark:text-amber-400"],
    ["lost", c.lost, "text-red-700 dark:text-red-400"],
    ["recovered", c.recovered, "text-sky-700 dark:text-sky-400"],
  ];
  if (view.end?.summary.pending !== undefined) items.push(["pending", view.end.summary.pending, ""]);
  return (
    <dl className="flex flex-wrap gap-x-5 gap-y-1 text-sm" data-testid="stats">
      {items.map(([k, n, cls]) => (
        <div key={k} className="flex gap-1">
          <dt className="text-slate-600 dark:text-slate-400">{t[k]}</dt>
          <dd className={`font-mono font-semibold ${cls}`} data-testid={`stat-${k}`}>
            {n}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Chips({ jobs, tone = "slate", max = 24 }: { jobs: number[]; tone?: "slate" | "red" | "amber" | "emerald"; max?: number }) {
  const cls = {
    slate: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-50",
    red: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100",
    amber: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
    emerald: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
  }[tone];
  const shown = jobs.slice(-max);
  return (
    <span className="flex flex-wrap gap-1">
      {jobs.length > max && <span className="text-xs text-slate-600 dark:text-slate-400">+{jobs.length - max}</span>}
      {shown.map((j) => (
        <span key={j} className={`rounded px-1 font-mono text-xs ${cls}`}>
          #{j}
        </span>
      ))}
    </span>
  );
}

function Lanes(props: { view: JobQueueView; variant: Variant; options: Options; running: boolean; onCrash(w: number): void }) {
  const { view, variant, options, running, onCrash } = props;
  const t = useT().jobQueue;
  const lost = (w: string) => view.jobs.flatMap((j, i) => (j?.state === "lost" && j.worker === w ? [i] : []));
  const workerCell = (i: number) => {
    const name = `w${i}`;
    const w = view.workers[name];
    if (!w) return <span className="text-slate-600 dark:text-slate-400">{t.noWorker}</span>;
    return (
      <span className="flex flex-wrap items-center gap-2">
        <span className="font-mono">{name}</span>
        <span
          className={
            w.state === "crashed"
              ? "font-semibold text-red-700 dark:text-red-400"
              : w.state === "working"
                ? "text-sky-800 dark:text-sky-300"
                : "text-slate-600 dark:text-slate-400"
          }
        >
          {w.state === "crashed" ? t.crashed : w.state === "working" ? t.workingOn(w.job ?? 0) : w.state === "idle" ? t.idle : t.stopped}
        </span>
        <span className="text-xs text-slate-600 dark:text-slate-400">{t.nDone(w.done)}</span>
        {lost(name).length > 0 && (
          <span className="flex items-center gap-1 text-xs text-red-700 dark:text-red-400">
            {t.stats.lost} <Chips jobs={lost(name)} tone="red" max={8} />
          </span>
        )}
        {running && w.state !== "crashed" && w.state !== "stopped" && (
          <button
            type="button"
            className="rounded border border-red-600 px-1.5 text-xs text-red-700 dark:text-red-300"
            onClick={() => onCrash(i)}
            aria-label={t.crashLabel(name)}
          >
            {t.crashButton}
          </button>
        )}
      </span>
    );
  };
  if (variant === "pubsub") {
    return (
      <ul className="space-y-1 text-sm" aria-label={t.lanesPubsub}>
        {Array.from({ length: options.channels }, (_, k) => {
          const lane = `CHANNEL_DISPATCH_${k + 1}`;
          const failed = view.jobs.flatMap((j, i) => (j?.state === "failed" && j.lane === lane ? [i] : []));
          const last = view.jobs.findLast((j) => j?.lane === lane && j.receivers !== undefined);
          return (
            <li key={lane} className="grid gap-1 rounded border border-slate-200 p-2 @md:grid-cols-[12rem_1fr] dark:border-slate-800" data-testid="lane">
              <span className="font-mono text-xs">
                {lane}
                {last && (
                  <span className="block font-sans text-slate-600 dark:text-slate-400" data-testid="receivers">
                    {t.lastPublish} (integer) {last.receivers}
                  </span>
                )}
              </span>
              <span className="space-y-1">
                {workerCell(k + 1)}
                <Chips jobs={waiting(view, lane)} />
                {failed.length > 0 && (
                  <span className="flex items-center gap-1 text-xs text-amber-800 dark:text-amber-300">
                    {t.publishZero} <Chips jobs={failed} tone="amber" max={10} />
                  </span>
                )}
              </span>
            </li>
          );
        })}
      </ul>
    );
  }
  const jobsKey = variant === "reliable-list" ? "rlist:jobs" : `${variant}:jobs`;
  return (
    <ul className="space-y-1 text-sm" aria-label={t.lanesQueue}>
      <li className="grid gap-1 rounded border border-slate-200 p-2 @md:grid-cols-[12rem_1fr] dark:border-slate-800" data-testid="lane">
        <span className="font-mono text-xs">{jobsKey}</span>
        <Chips jobs={waiting(view, jobsKey)} />
      </li>
      {Array.from({ length: options.workers }, (_, k) => (
        <li key={k} className="grid gap-1 rounded border border-slate-200 p-2 @md:grid-cols-[12rem_1fr] dark:border-slate-800">
          <span className="font-mono text-xs">{variant === "reliable-list" ? `rlist:processing:w${k + 1}` : t.consumer(k + 1)}</span>
          {workerCell(k + 1)}
        </li>
      ))}
    </ul>
  );
}

function Results({ view, variant }: { view: JobQueueView; variant: Variant }) {
  const t = useT().jobQueue;
  const channel = variant === "pubsub" ? "CHANNEL_RESULT" : variant === "reliable-list" ? "rlist:results" : `${variant}:results`;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <span className="font-mono text-xs">{channel}</span>
      <span className="text-slate-600 dark:text-slate-400">{t.results(view.results.length)}</span>
      <Chips jobs={view.results} tone="emerald" max={20} />
    </div>
  );
}
