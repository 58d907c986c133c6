"use client";

/** Exercise progress, kept in this browser (localStorage): { slug: [exercise ids done] }. */
const KEY = "pg:progress";

export function loadProgress(): Record<string, string[]> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** Records an exercise's latest check: done, or (after a "not yet") not done any more. */
export function markDone(slug: string, exercise: string, done = true): void {
  const p = loadProgress();
  const rest = (p[slug] ?? []).filter((x) => x !== exercise);
  p[slug] = done ? [...rest, exercise] : rest;
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    /* private mode: progress lives for this page only */
  }
  window.dispatchEvent(new Event("pg:progress"));
}

export interface ProgressSummary {
  lessonsDone: number;
  exercisesDone: number;
  exercisesTotal: number;
  /** The first lesson, in order, with an exercise still to do; null when every one is done. */
  next: string | null;
}

/**
 * The lesson list's summary from the stored progress: only exercises the lessons still have count
 * (an id from an older version of a lesson does not), and a lesson without exercises counts as done.
 */
export function summarize(progress: Record<string, string[]>, lessons: ReadonlyArray<{ slug: string; exercises: readonly string[] }>): ProgressSummary {
  let lessonsDone = 0;
  let exercisesDone = 0;
  let exercisesTotal = 0;
  let next: string | null = null;
  for (const l of lessons) {
    const done = new Set(Array.isArray(progress[l.slug]) ? progress[l.slug] : []);
    const n = l.exercises.filter((id) => done.has(id)).length;
    exercisesDone += n;
    exercisesTotal += l.exercises.length;
    if (n === l.exercises.length) lessonsDone++;
    else next ??= l.slug;
  }
  return { lessonsDone, exercisesDone, exercisesTotal, next };
}
