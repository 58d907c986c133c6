import Link from "next/link";
import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { lessonList } from "@/lib/lessons/load";
import { LessonProgress, LessonsSummary } from "@/components/lesson/lesson-progress";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.lessons.title };
}

export default async function Lessons({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  const lessons = lessonList(locale);
  const outline = lessons.map((l) => ({ slug: l.slug, exercises: l.exercises.map((e) => e.id) }));
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{t.lessons.title}</h1>
      <p className="max-w-3xl text-slate-600 dark:text-slate-300">
        {t.lessons.intro.before}
        <Link className="underline underline-offset-2" href={`/${locale}/notes`}>
          {t.lessons.intro.link}
        </Link>
        {t.lessons.intro.after}
      </p>
      <LessonsSummary lessons={outline} />
      <ol className="space-y-3">
        {lessons.map((l, i) => (
          <li key={l.slug} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid={`lesson-${l.slug}`}>
            <p className="text-sm text-slate-600 dark:text-slate-400">{t.flow.lessonOf(i + 1, lessons.length)}</p>
            <Link className="font-medium underline-offset-2 hover:underline" href={`/${locale}/lessons/${l.slug}`}>
              {l.title}
            </Link>
            <p className="text-sm text-slate-700 dark:text-slate-300">{l.summary}</p>
            <LessonProgress slug={l.slug} lessons={outline} />
          </li>
        ))}
      </ol>
    </div>
  );
}
