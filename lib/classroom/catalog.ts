import type { Locale } from "@/lib/i18n/locales";
import { lessonList } from "@/lib/lessons/load";

/** What the classroom pages need to know about each lesson: its title, its steps and its exercises. */
export interface LessonOutline {
  slug: string;
  title: string;
  shared: boolean;
  steps: string[];
  exercises: string[];
}

export function lessonOutlines(locale: Locale): LessonOutline[] {
  return lessonList(locale).map((l) => ({
    slug: l.slug,
    title: l.title,
    shared: l.shared,
    steps: l.sections.flatMap((s) => (s.kind === "step" ? [s.id] : [])),
    exercises: l.exercises.map((e) => e.id),
  }));
}

/** Whether a lesson has this step or exercise (progress reports name only real ones). */
export function knownItem(lesson: string, kind: "step" | "exercise", id: string): boolean {
  const l = lessonOutlines("en").find((x) => x.slug === lesson);
  return !!l && (kind === "step" ? l.steps : l.exercises).includes(id);
}
