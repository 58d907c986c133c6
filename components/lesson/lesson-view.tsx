"use client";

import { useRef, useState } from "react";
import { Console, type ConsoleHandle } from "@/components/console";
import { JobQueueLab } from "@/components/scenarios/job-queue";
import { ConnectionsRace, PipelineRace, VisitorsRace } from "@/components/scenarios/races";
import { reportMyProgress, resetMyData } from "@/app/actions";
import { useRoom } from "@/components/classroom/room-context";
import type { LessonViewData, ViewSection } from "@/lib/lessons/view";
import { useT } from "../i18n";
import { KeyInspector } from "./key-inspector";
import { Exercises } from "./exercises";
import { CodeTabs } from "./code-tabs";
import { VennDiagram } from "./venn";

type Step = Extract<ViewSection, { kind: "step" }>;
type Outcome = Array<{ line: string; text: string; expect: string | null; ok: boolean | null; failure?: boolean }>;

/**
 * A lesson: prose and runnable steps on one side, the live console and the
 * key inspector on the other. Run sends a step's commands through the console,
 * as if typed, and shows each reply under the step beside what the lesson
 * expects.
 */
export function LessonView({ lesson }: { lesson: LessonViewData }) {
  const t = useT().lesson;
  const consoleRef = useRef<ConsoleHandle>(null);
  const [version, setVersion] = useState(0);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
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
    const out: Outcome = [];
    for (const cmd of step.commands) {
      const r = await c.run(cmd.line, step.client);
      const ok = step.nocheck || cmd.expect === null ? null : r.text === cmd.expect;
      out.push({ line: cmd.line, text: r.text, expect: cmd.expect, ok, failure: !!r.failure });
      setOutcomes((o) => ({ ...o, [step.id]: [...out] }));
      if (r.failure) break;
    }
    report({ step: step.id, ok: out.every((o) => o.ok !== false && !o.failure) && out.length === step.commands.length });
  }

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
  // The steps are written to run top to bottom in an empty sandbox: Run all starts from one (an open MULTI ends too).
  const runAll = () =>
    guarded("all", async () => {
      const c = consoleRef.current;
      await c?.quietly("DISCARD");
      await c?.quietly("UNWATCH");
      const r = await resetMyData();
      setOutcomes({});
      if (r.ok) c?.note(t.runAllFresh(r.value));
      for (const s of steps) await runStep(s);
    });
  const reset = () =>
    guarded("reset", async () => {
      const r = await resetMyData();
      setOutcomes({});
      if (r.ok) consoleRef.current?.note(t.resetDone(r.value));
      bump();
    });

  return (
    <div className="space-y-4">
      <header className="space-y-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">{useT().home.lessonN(lesson.order)}</p>
        <h1 className="text-2xl font-bold">{lesson.title}</h1>
        <p className="max-w-3xl text-slate-700 dark:text-slate-300">{lesson.summary}</p>
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn-primary" onClick={() => void runAll()} disabled={!!running}>
            {running === "all" ? t.running : t.runAll}
          </button>
          <button type="button" className="btn" onClick={() => void reset()} disabled={!!running}>
            {t.reset}
          </button>
        </div>
      </header>
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
              onRun={(step) => void guarded(step.id, () => runStep(step))}
            />
          ))}
          <Exercises slug={lesson.slug} exercises={lesson.exercises} onResult={(id, ok) => report({ exercise: id, ok })} />
        </article>
        <aside className="min-w-0 space-y-4 lg:sticky lg:top-4 lg:max-h-[calc(100dvh-2rem)] lg:self-start lg:overflow-y-auto">
          <h2 className="sr-only">{t.consoleHeading}</h2>
          <Console handle={consoleRef} onCommand={bump} lesson={lesson.slug} embedded />
          <KeyInspector version={version} lesson={lesson.slug} live={shared} />
        </aside>
      </div>
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
    case "step":
      return (
        <div className="space-y-2" data-testid={`step-${s.id}`}>
          {s.title && <p className="text-sm font-medium">{s.title}</p>}
          {s.client && <p className="text-xs text-slate-600 dark:text-slate-400">{t.asClient(s.client)}</p>}
          <CodeTabs stepId={s.id} transcript={s.commands} client={s.client} tabs={s.tabs} />
          <button type="button" className="btn" onClick={() => onRun(s)} disabled={busy} aria-label={t.runStep(s.id)}>
            ▶ {t.run}
          </button>
          {outcome && (
            <ol
              className="space-y-1 rounded border border-slate-200 bg-slate-50 p-2 font-mono text-xs dark:border-slate-800 dark:bg-slate-950"
              aria-label={t.runStep(s.id)}
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
                </li>
              ))}
            </ol>
          )}
        </div>
      );
  }
}
