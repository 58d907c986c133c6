"use client";

import { useEffect, useState } from "react";
import { useT } from "../i18n";
import { loadProgress, summarize } from "./progress";

/** One lesson of the list, as the progress summary needs it: its slug and its exercises' ids. */
export interface LessonOutline {
  slug: string;
  exercises: string[];
}

/**
 * This browser's progress, or null until the page has hydrated: the server knows nothing of it, so
 * the first render must match the server's HTML. Follows changes from this tab and from others.
 */
function useStoredProgress(): Record<string, string[]> | null {
  const [progress, setProgress] = useState<Record<string, string[]> | null>(null);
  useEffect(() => {
    const read = () => setProgress(loadProgress());
    read();
    window.addEventListener("pg:progress", read);
    window.addEventListener("storage", read);
    return () => {
      window.removeEventListener("pg:progress", read);
      window.removeEventListener("storage", read);
    };
  }, []);
  return progress;
}

/** On one lesson of the list: "2 of 3 exercises done", and "Next up" on the first lesson not finished. */
export function LessonProgress({ slug, lessons }: { slug: string; lessons: LessonOutline[] }) {
  const t = useT();
  const progress = useStoredProgress();
  if (!progress) return null;
  const own = lessons.find((l) => l.slug === slug);
  if (!own) return null;
  const { next, exercisesDone: anyDone } = summarize(progress, lessons);
  const { exercisesDone: done, exercisesTotal: total } = summarize(progress, [own]);
  return (
    <>
      {done > 0 && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" data-testid="lesson-progress">
          {done === total ? "✓ " : ""}
          {t.lessons.progress(done, total)}
        </p>
      )}
      {next === slug && (
        <p className="mt-1">
          <span
            className="inline-block rounded-full border border-brand-700 px-2 py-0.5 text-xs font-medium text-brand-700 dark:border-red-300 dark:text-red-300"
            data-testid="lesson-next"
          >
            {anyDone > 0 ? t.flow.nextUp : t.flow.startHere}
          </span>
        </p>
      )}
    </>
  );
}

/** Above the lesson list: "3 of 6 lessons complete · 12 of 30 exercises". */
export function LessonsSummary({ lessons }: { lessons: LessonOutline[] }) {
  const t = useT().flow;
  const progress = useStoredProgress();
  const s = progress && summarize(progress, lessons);
  return (
    // Same height before and after hydration: the list below does not jump.
    <p className="min-h-6 text-sm font-medium text-slate-700 dark:text-slate-300" data-testid="lessons-summary">
      {s && (s.next === null ? `✓ ${t.allComplete}` : t.summary(s.lessonsDone, lessons.length, s.exercisesDone, s.exercisesTotal))}
    </p>
  );
}
