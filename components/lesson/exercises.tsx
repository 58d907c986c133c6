"use client";

import { useEffect, useState } from "react";
import { checkExercise } from "@/app/actions";
import { tabId } from "@/components/tab-id";
import type { MethodRule } from "@/lib/lessons/schema";
import type { CheckProblem } from "@/lib/lessons/checks";
import type { Messages } from "@/lib/i18n/messages";
import { useProblemText, useT } from "../i18n";
import { loadProgress, markDone } from "./progress";

type Exercise = { id: string; title: string; prompt: string; hint?: string; solution: string[] };

/** Misses before the hint shows, and before a solution is offered. */
const HINT_AFTER = 2;
const SOLUTION_AFTER = 4;

/**
 * The lesson's exercises: each checks the learner's keys and, where the prompt
 * says how, the commands they ran (lib/lessons/practice.ts), and says what is
 * still wrong. The ✓ follows the latest check; after a few misses a hint
 * shows, then a solution is offered.
 */
export function Exercises({
  slug,
  exercises,
  onChecked,
  onResult,
}: {
  slug: string;
  exercises: Exercise[];
  onChecked?: () => void;
  onResult?: (id: string, ok: boolean) => void;
}) {
  const t = useT().lesson;
  const [done, setDone] = useState<string[]>([]);
  useEffect(() => setDone(loadProgress()[slug] ?? []), [slug]);
  return (
    <section aria-labelledby="exercises-h" className="space-y-3">
      <h2 id="exercises-h" className="text-xl font-semibold">
        {t.exercises}
      </h2>
      {exercises.map((e, i) => (
        <ExerciseCard
          key={e.id}
          n={i + 1}
          slug={slug}
          exercise={e}
          done={done.includes(e.id)}
          onDone={(ok) => {
            markDone(slug, e.id, ok);
            setDone((d) => (ok ? [...new Set([...d, e.id])] : d.filter((x) => x !== e.id)));
          }}
          onChecked={onChecked}
          onResult={onResult}
        />
      ))}
    </section>
  );
}

function ExerciseCard(props: {
  n: number;
  slug: string;
  exercise: Exercise;
  done: boolean;
  onDone(ok: boolean): void;
  onChecked?: () => void;
  onResult?: (id: string, ok: boolean) => void;
}) {
  const { n, slug, exercise, done, onDone } = props;
  const t = useT().lesson;
  const say = useProblemText();
  const [state, setState] = useState<{ checking: boolean; problems?: CheckProblem[]; error?: string }>({ checking: false });
  const [misses, setMisses] = useState(0);
  const [showSolution, setShowSolution] = useState(false);
  const check = async () => {
    setState({ checking: true });
    const r = await checkExercise(slug, exercise.id, tabId());
    if (!r.ok) return setState({ checking: false, error: say(r.error) });
    setState({ checking: false, problems: r.value });
    const ok = r.value.length === 0;
    onDone(ok);
    setMisses((m) => (ok ? 0 : m + 1));
    props.onResult?.(exercise.id, ok);
    props.onChecked?.();
  };
  const methodSaid = state.problems?.some((p) => p.kind === "method");
  return (
    <article
      className="space-y-2 rounded-lg border border-slate-300 p-3 dark:border-slate-700"
      aria-labelledby={`ex-${exercise.id}`}
      data-testid={`exercise-${exercise.id}`}
    >
      <h3 id={`ex-${exercise.id}`} className="font-medium">
        {t.exercise(n, exercise.title)} {done && <span className="text-emerald-700 dark:text-emerald-400">✓</span>}
      </h3>
      <p className="text-sm">{exercise.prompt}</p>
      <button type="button" className="btn" onClick={() => void check()} disabled={state.checking}>
        {state.checking ? t.checking : t.check}
      </button>
      <div role="status" className="text-sm">
        {state.error && <p className="text-red-700 dark:text-red-400">{state.error}</p>}
        {state.problems && state.problems.length === 0 && <p className="font-medium text-emerald-700 dark:text-emerald-400">{t.exerciseDone}</p>}
        {state.problems && state.problems.length > 0 && (
          <>
            <p>{t.stillWrong}</p>
            <ul className="list-disc pl-5 text-amber-900 dark:text-amber-200">
              {state.problems.map((p, i) => (
                <li key={i}>{describeProblem(p, t)}</li>
              ))}
            </ul>
            {methodSaid && <p className="text-slate-600 dark:text-slate-400">{t.problem.methodWindow}</p>}
          </>
        )}
      </div>
      {exercise.hint && misses >= HINT_AFTER && (
        <p className="text-sm" data-testid="hint">
          <strong>{t.hint}</strong> {exercise.hint}
        </p>
      )}
      {misses >= SOLUTION_AFTER &&
        (showSolution ? (
          <div className="text-sm" data-testid="solution">
            <p>{t.solution}</p>
            <pre className="mt-1 overflow-x-auto rounded bg-slate-100 p-2 font-mono dark:bg-slate-800">{exercise.solution.join("\n")}</pre>
          </div>
        ) : (
          <button type="button" className="btn" onClick={() => setShowSolution(true)}>
            {t.showSolution}
          </button>
        ))}
    </article>
  );
}

function describeProblem(p: CheckProblem, t: Messages["lesson"]): string {
  const q = t.problem;
  switch (p.kind) {
    case "missing":
      return q.missing(p.key);
    case "exists":
      return q.exists(p.key);
    case "type":
      return q.type(p.key, p.want, p.got);
    case "notInteger":
      return q.notInteger(p.key, p.got);
    case "notEquals":
      return q.notEquals(p.key, p.want, p.got);
    case "members":
      return q.members(p.key, p.missing.join(", "));
    case "openTx":
      return q.openTx(p.queued);
    case "method": {
      const how = q.how({
        commands: p.rule.commands?.map((c) => c.toUpperCase()),
        key: p.rule.key,
        flags: p.rule.flags,
        words: p.rule.argc ? boundText(p.rule.argc, q) : undefined,
        inTransaction: p.rule.inTransaction,
      });
      if (p.rule.never) return q.methodNever(how);
      if (p.got === 0 || !p.rule.count) return q.methodMissing(how);
      return q.methodCount(how, p.got, boundText(p.rule.count, q));
    }
    case "range": {
      return q.range(p.key, p.what, p.got, boundText(p, q));
    }
  }
}

function boundText(b: NonNullable<MethodRule["count"]>, q: Messages["lesson"]["problem"]): string {
  return [b.eq !== undefined ? q.exactly(b.eq) : null, b.gte !== undefined ? q.atLeast(b.gte) : null, b.lte !== undefined ? q.atMost(b.lte) : null]
    .filter(Boolean)
    .join(q.and);
}
