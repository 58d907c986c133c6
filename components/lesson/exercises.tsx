"use client";

import { useEffect, useState } from "react";
import { checkExercise } from "@/app/actions";
import type { CheckProblem } from "@/lib/lessons/checks";
import type { Messages } from "@/lib/i18n/messages";
import { useProblemText, useT } from "../i18n";
import { loadProgress, markDone } from "./progress";

/** The lesson's exercises: each checks the learner's own keys and says what is still wrong. */
export function Exercises({
  slug,
  exercises,
  onChecked,
  onResult,
}: {
  slug: string;
  exercises: Array<{ id: string; title: string; prompt: string }>;
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
          onDone={() => {
            markDone(slug, e.id);
            setDone((d) => [...new Set([...d, e.id])]);
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
  exercise: { id: string; title: string; prompt: string };
  done: boolean;
  onDone(): void;
  onChecked?: () => void;
  onResult?: (id: string, ok: boolean) => void;
}) {
  const { n, slug, exercise, done, onDone } = props;
  const t = useT().lesson;
  const say = useProblemText();
  const [state, setState] = useState<{ checking: boolean; problems?: CheckProblem[]; error?: string }>({ checking: false });
  const check = async () => {
    setState({ checking: true });
    const r = await checkExercise(slug, exercise.id);
    if (!r.ok) return setState({ checking: false, error: say(r.error) });
    setState({ checking: false, problems: r.value });
    if (r.value.length === 0) onDone();
    props.onResult?.(exercise.id, r.value.length === 0);
    props.onChecked?.();
  };
  return (
    <article
      className="space-y-2 rounded-lg border border-slate-300 p-3 dark:border-slate-700"
      aria-labelledby={`ex-${exercise.id}`}
      data-testid={`exercise-${exercise.id}`}
    >
      <h3 id={`ex-${exercise.id}`} className="font-medium">
        {t.exercise(n)}: {exercise.title} {done && <span className="text-emerald-700 dark:text-emerald-400">✓</span>}
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
          </>
        )}
      </div>
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
    case "range": {
      const bounds = [
        p.eq !== undefined ? q.exactly(p.eq) : null,
        p.gte !== undefined ? q.atLeast(p.gte) : null,
        p.lte !== undefined ? q.atMost(p.lte) : null,
      ].filter(Boolean);
      return q.range(p.key, p.what, p.got, bounds.join(q.and));
    }
  }
}
