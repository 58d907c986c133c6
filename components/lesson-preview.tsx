import { PLANNED_LESSONS } from "@/lessons/catalog";

/** A live lesson's page until the lesson engine brings its prose: number, title, a short intro, the live part. */
export function LessonPreview({ slug, intro, children }: { slug: (typeof PLANNED_LESSONS)[number]["slug"]; intro: React.ReactNode; children: React.ReactNode }) {
  const n = PLANNED_LESSONS.findIndex((l) => l.slug === slug);
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">Lesson {n + 1} · live preview</p>
        <h1 className="text-2xl font-bold">{PLANNED_LESSONS[n].title}</h1>
        {intro}
      </header>
      {children}
    </div>
  );
}

export const lessonTitle = (slug: (typeof PLANNED_LESSONS)[number]["slug"]) => PLANNED_LESSONS.find((l) => l.slug === slug)!.title;
