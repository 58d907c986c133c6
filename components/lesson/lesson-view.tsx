"use client";

import { useRef, useState } from "react";
import { Console, type ConsoleHandle, type LastLine } from "@/components/console";
import { type ConsoleTx, ConsoleTxProvider, NO_CONSOLE_TX, useConsoleTx } from "@/components/console-tx";
import { TAB_MEMORY_MAX_CHARS, useTabMemory } from "@/components/use-tab-memory";
import { JobQueueLab } from "@/components/scenarios/job-queue";
import { ConnectionsRace, PipelineRace, VisitorsRace } from "@/components/scenarios/races";
import { checkStepHolds, countMyKeys, reportMyProgress, resetMyData } from "@/app/actions";
import { useRoom } from "@/components/classroom/room-context";
import type { LessonViewData, ViewSection } from "@/lib/lessons/view";
import type { HoldProblem } from "@/lib/lessons/holds";
import { useT } from "../i18n";
import { KeyInspector } from "./key-inspector";
import { EndpointPanel } from "../endpoint-panel";
import { Exercises } from "./exercises";
import { LessonNav } from "./lesson-nav";
import { CodeTabs } from "./code-tabs";
import { VennDiagram } from "./venn";
import { Dock } from "./dock";

type Step = Extract<ViewSection, { kind: "step" }>;
type Outcome = Array<{
  line: string;
  text: string;
  expect: string | null;
  ok: boolean | null;
  failure?: boolean;
  /** An error reply (never excused by a step's holds=). */
  error?: boolean;
  /** A word under the reply: in a workshop's shared keys, why it differs and whether the keys hold what the step leaves. */
  note?: { tone: "ok" | "info" | "warn"; text: string };
  /** A MULTI was open after this command (lib/console-tx.ts). */
  tx?: boolean;
}>;

/**
 * A lesson: prose and runnable steps on one side, the live console and the
 * key inspector on the other. Run sends a step's commands through the console,
 * as if typed, and shows each reply under the step beside what the lesson
 * expects.
 */
export function LessonView({ lesson }: { lesson: LessonViewData }) {
  const t = useT().lesson;
  const tc = useT().classUi;
  const consoleRef = useRef<ConsoleHandle>(null);
  const [version, setVersion] = useState(0);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  // The console's transaction state, for the steps (and the exercises: useConsoleTx), and its newest reply for a phone's dock.
  const [tx, setTx] = useState<ConsoleTx>(NO_CONSOLE_TX);
  const [last, setLast] = useState<LastLine | null>(null);
  // The step outputs survive a language switch and a reload in this browser tab, as the console's transcript does.
  useTabMemory(
    "steps",
    outcomes,
    (stored) => setOutcomes((now) => ({ ...storedOutcomes(stored, lesson), ...now })),
    (all) => (Object.keys(all).length === 0 ? null : keptOutcomes(all)),
  );
  const [running, setRunning] = useState<string | null>(null);
  const bump = () => setVersion((v) => v + 1);
  const room = useRoom();
  // A shared lesson runs in the workshop's keys for its students (the server decides, from the slug);
  // others change them too, so the views look again every few seconds.
  const shared = lesson.shared && !!room && !room.ended && room.lessons.includes(lesson.slug);
  // Reported whether or not this page knows yet that it is in a workshop: the server keeps what counts.
  const report = (r: { step?: string; exercise?: string; ok: boolean }) => void reportMyProgress({ lesson: lesson.slug, ...r });

  async function runStep(step: Step): Promise<void> {
    const c = consoleRef.current;
    if (!c) return;
    let out: Outcome = [];
    for (const cmd of step.commands) {
      const r = await c.run(cmd.line, step.client);
      const ok = step.nocheck || cmd.expect === null ? null : r.text === cmd.expect;
      out.push({
        line: cmd.line,
        text: r.text,
        expect: cmd.expect,
        ok,
        failure: !!r.failure,
        error: r.reply?.t === "error",
        ...(r.tx?.multi ? { tx: true } : {}),
      });
      setOutcomes((o) => ({ ...o, [step.id]: [...out] }));
      if (r.failure) break;
    }
    const complete = out.length === step.commands.length && !out.some((o) => o.failure);
    let ok = complete && out.every((o) => o.ok !== false);
    // In a workshop's shared keys a classmate may have run this step first: then the keys it leaves decide (holds=).
    if (lesson.shared && complete && !ok) {
      const verdict = step.holds ? await checkStepHolds(lesson.slug, step.id) : null;
      const inRoom = verdict?.ok ? verdict.value.shared : shared;
      if (verdict?.ok && inRoom) {
        const problems = verdict.value.problems;
        const excused = problems.length === 0 && !out.some((o) => o.ok === false && o.error);
        out = out.map((o) => (o.ok === false && excused ? { ...o, ok: null, note: { tone: "info", text: tc.classmateFirst } } : o));
        const last = out.length - 1;
        out[last] = {
          ...out[last],
          note: excused ? { tone: "ok", text: tc.holdsOk } : { tone: "warn", text: `${tc.holdsFail} ${problems.map((p) => holdText(p)).join(" ")}`.trim() },
        };
        ok = excused;
      } else if (inRoom) {
        out = out.map((o) => (o.ok === false ? { ...o, note: { tone: "info", text: tc.sharedDiffers } } : o));
      }
      setOutcomes((o) => ({ ...o, [step.id]: out }));
    }
    report({ step: step.id, ok });
  }

  const holdText = (p: HoldProblem): string =>
    p.kind === "missing"
      ? t.problem.missing(p.key)
      : p.kind === "exists"
        ? t.problem.exists(p.key)
        : p.kind === "type"
          ? t.problem.type(p.key, p.want, p.got)
          : p.kind === "members"
            ? t.problem.members(p.key, p.missing.join(", "))
            : tc.extra(p.key, p.present.join(", "));

  async function guarded(id: string, fn: () => Promise<void>) {
    if (running) return;
    setRunning(id);
    try {
      await fn();
    } finally {
      setRunning(null);
    }
  }

  const steps = lesson.sections.filter((s): s is Step => s.kind === "step");
  // Both header buttons delete the learner's own keys (never a workshop's): they ask first when there are any,
  // as the console's "Reset my data" does. In a workshop's shared keys they delete nothing.
  const [confirm, setConfirm] = useState<{ what: "all" | "reset"; keys: number | null } | null>(null);
  const ask = async (what: "all" | "reset"): Promise<boolean> => {
    if (shared || confirm?.what === what) return true;
    const n = await countMyKeys();
    if (n.ok && n.value === 0) return true;
    setConfirm({ what, keys: n.ok ? n.value : null });
    return false;
  };
  // The steps are written to run top to bottom in an empty sandbox: Run all starts from one (an open MULTI ends too).
  // In the class's keys it starts from what the class has: classmates work in them too.
  const runAll = async () => {
    if (running || !(await ask("all"))) return;
    setConfirm(null);
    await guarded("all", async () => {
      const c = consoleRef.current;
      await c?.quietly("DISCARD");
      await c?.quietly("UNWATCH");
      setOutcomes({});
      if (shared) c?.note(tc.runAllShared);
      else {
        const r = await resetMyData();
        if (r.ok) c?.note(t.runAllFresh(r.value));
      }
      for (const s of steps) await runStep(s);
    });
  };
  const reset = async () => {
    if (running || !(await ask("reset"))) return;
    setConfirm(null);
    await guarded("reset", async () => {
      setOutcomes({});
      if (shared) consoleRef.current?.note(tc.resetShared);
      else {
        const r = await resetMyData();
        if (r.ok) consoleRef.current?.note(r.value === 0 ? tc.nothingToDelete : t.resetDone(r.value));
      }
      bump();
    });
  };

  return (
    <div className="space-y-4">
      <header className="space-y-2">
        {lesson.nav && <LessonNav nav={lesson.nav} placement="top" />}
        <h1 className="flex flex-wrap items-center gap-x-3 gap-y-1 text-2xl font-bold">
          {lesson.title}
          {shared && (
            <span
              className="rounded-full border border-sky-600 bg-sky-50 px-2 py-0.5 text-sm font-medium text-sky-900 dark:border-sky-500 dark:bg-sky-950 dark:text-sky-100"
              data-testid="shared-badge"
            >
              {tc.sharedBadge}
            </span>
          )}
        </h1>
        <p className="max-w-3xl text-slate-700 dark:text-slate-300">{lesson.summary}</p>
        {shared && (
          <p
            className="max-w-3xl rounded-md border border-sky-400 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-50"
            data-testid="shared-note"
          >
            {tc.sharedNote}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <button
            type="button"
            className={`btn-primary ${confirm?.what === "all" ? "ring-2 ring-red-600 ring-offset-2 dark:ring-red-400 dark:ring-offset-slate-950" : ""}`}
            onClick={() => void runAll()}
            onBlur={() => setConfirm((c) => (c?.what === "all" ? null : c))}
            disabled={!!running}
          >
            {running === "all" ? t.running : confirm?.what === "all" ? tc.runAllConfirm(confirm.keys) : t.runAll}
          </button>
          <button
            type="button"
            className={`btn ${confirm?.what === "reset" ? "border-red-600 text-red-700 dark:text-red-300" : ""}`}
            onClick={() => void reset()}
            onBlur={() => setConfirm((c) => (c?.what === "reset" ? null : c))}
            disabled={!!running}
            title={shared ? tc.resetTitleShared : undefined}
          >
            {confirm?.what === "reset" ? tc.resetConfirm(confirm.keys) : t.reset}
          </button>
        </div>
      </header>
      <ConsoleTxProvider value={tx}>
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
          <article className="min-w-0 space-y-4">
            {lesson.sections.map((s, i) => (
              <Section
                key={i}
                section={s}
                version={version}
                lesson={lesson.slug}
                live={shared}
                outcome={s.kind === "step" ? outcomes[s.id] : undefined}
                busy={!!running}
                onRun={(step) => void guarded(step.id, () => runStep(step)).then(() => reveal(step.id))}
              />
            ))}
            <Exercises slug={lesson.slug} exercises={lesson.exercises} onResult={(id, ok) => report({ exercise: id, ok })} />
            {lesson.nav && <LessonNav nav={lesson.nav} placement="bottom" />}
          </article>
          <Dock
            heading={t.consoleHeading}
            last={last}
            tx={tx.multi}
            console={<Console handle={consoleRef} onCommand={bump} onTx={setTx} onLast={setLast} lesson={lesson.slug} embedded />}
            keys={
              <div className="space-y-4">
                <KeyInspector version={version} lesson={lesson.slug} live={shared} />
                <EndpointPanel lesson={lesson.slug} />
              </div>
            }
          />
        </div>
      </ConsoleTxProvider>
    </div>
  );
}

function Section({
  section: s,
  version,
  lesson,
  live,
  outcome,
  busy,
  onRun,
}: {
  section: ViewSection;
  version: number;
  lesson: string;
  live: boolean;
  outcome?: Outcome;
  busy: boolean;
  onRun(step: Step): void;
}) {
  const t = useT().lesson;
  const p = useT().phone;
  const tx = useConsoleTx();
  switch (s.kind) {
    case "prose":
      // biome-ignore lint/security/noDangerouslySetInnerHtml: the lesson's own prose, rendered from lessons/ at build time (lib/lessons/parse.ts)
      return <div className="lesson-prose" dangerouslySetInnerHTML={{ __html: s.html }} />;
    case "code":
      return <CodeTabs stepId={null} transcript={null} tabs={[s.tab]} />;
    case "venn":
      return <VennDiagram keys={s.keys} version={version} lesson={lesson} live={live} />;
    case "scenario":
      return (
        <div data-testid={`scenario-${s.id}`}>
          {s.scenario === "pipeline" ? (
            <PipelineRace />
          ) : s.scenario === "visitors" ? (
            <VisitorsRace />
          ) : s.scenario === "connections" ? (
            <ConnectionsRace />
          ) : (
            <JobQueueLab />
          )}
        </div>
      );
    case "step": {
      // Named for what it runs, not by its id: "Run SET A apple and 2 more commands", "Run App server A: SET page:2 10".
      const first = clip(s.commands[0]?.line ?? s.id);
      const runLabel = p.runStep(first, s.commands.length - 1, s.title);
      // A MULTI this step left open, while it still is: its replies said QUEUED, nothing has run yet.
      const open = !!outcome?.at(-1)?.tx && !!(s.client ? tx.clients[s.client] : tx)?.multi;
      return (
        <div className="space-y-2" data-testid={`step-${s.id}`}>
          {s.title && <p className="text-sm font-medium">{s.title}</p>}
          {s.client && <p className="text-xs text-slate-600 dark:text-slate-400">{t.asClient(s.client)}</p>}
          <CodeTabs stepId={s.id} transcript={s.commands} client={s.client} tabs={s.tabs} />
          <button type="button" className="btn" onClick={() => onRun(s)} disabled={busy} aria-label={runLabel}>
            ▶ {t.run}
          </button>
          {outcome && (
            <ol
              className="step-output space-y-1 rounded border border-slate-200 bg-slate-50 p-2 font-mono text-xs dark:border-slate-800 dark:bg-slate-950"
              aria-label={p.stepOutput(first, s.title)}
              data-testid="step-output"
            >
              {outcome.map((o, i) => (
                <li key={i}>
                  <span className="text-brand-700 dark:text-red-400">{s.client ? `redis:${s.client}>` : "redis>"}</span> {o.line}
                  <pre className={`whitespace-pre-wrap [overflow-wrap:anywhere] ${o.failure || o.ok === false ? "text-red-700 dark:text-red-400" : ""}`}>
                    {o.text}
                  </pre>
                  {o.ok === true && <span className="font-sans text-emerald-700 dark:text-emerald-400">✓ {t.matches}</span>}
                  {o.ok === false && (
                    <span className="font-sans text-amber-800 dark:text-amber-300">
                      ⚠ {t.differs} — {t.expected}: <code>{o.expect}</code>
                    </span>
                  )}
                  {o.note && <StepNote note={o.note} />}
                </li>
              ))}
              {open && (
                <li className="font-sans text-sky-800 dark:text-sky-300" data-testid="step-tx-open">
                  ℹ {p.txOpen}
                </li>
              )}
            </ol>
          )}
        </div>
      );
    }
  }
}

/** A command as a button's name: its first 60 characters. */
const clip = (line: string) => (line.length > 60 ? `${line.slice(0, 59)}…` : line);

/** On a phone, a step's output is scrolled into view above the docked console (app/globals.css scroll-margin). */
function reveal(stepId: string) {
  if (!window.matchMedia("(width < 64rem)").matches) return;
  document.querySelector(`[data-testid="step-${CSS.escape(stepId)}"] [data-testid="step-output"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

/**
 * Step outputs as kept in sessionStorage (components/use-tab-memory.ts): each reply cut to 4,000
 * characters, the whole at most TAB_MEMORY_MAX_CHARS (200 KB), else nothing is kept.
 */
function keptOutcomes(all: Record<string, Outcome>): string | null {
  const cut = Object.fromEntries(
    Object.entries(all).map(([id, lines]) => [id, lines.map((o) => (o.text.length > 4000 ? { ...o, text: `${o.text.slice(0, 4000)}…` } : o))]),
  );
  const json = JSON.stringify(cut);
  return json.length <= TAB_MEMORY_MAX_CHARS ? json : null;
}

/** What was kept, for this lesson's steps only and in the shape this page writes. */
function storedOutcomes(stored: unknown, lesson: LessonViewData): Record<string, Outcome> {
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return {};
  const ids = new Set(lesson.sections.flatMap((s) => (s.kind === "step" ? [s.id] : [])));
  return Object.fromEntries(
    Object.entries(stored as Record<string, unknown>).filter(
      (e): e is [string, Outcome] =>
        ids.has(e[0]) &&
        Array.isArray(e[1]) &&
        e[1].every((o) => typeof o === "object" && o !== null && typeof o.line === "string" && typeof o.text === "string"),
    ),
  );
}

/** Under a reply in a workshop's shared keys: why it differs, and whether the keys hold what the step leaves. */
function StepNote({ note }: { note: NonNullable<Outcome[number]["note"]> }) {
  const tone = {
    ok: "text-emerald-700 dark:text-emerald-400",
    info: "text-sky-800 dark:text-sky-300",
    warn: "text-amber-800 dark:text-amber-300",
  }[note.tone];
  return (
    <span className={`block font-sans ${tone}`} data-testid={`step-note-${note.tone}`}>
      {note.tone === "ok" ? "✓" : note.tone === "warn" ? "⚠" : "ℹ"} {note.text}
    </span>
  );
}
