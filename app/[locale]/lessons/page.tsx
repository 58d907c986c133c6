import Link from "next/link";
import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { lessonList } from "@/lib/lessons/load";
import { LessonProgress } from "@/components/lesson/lesson-progress";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.lessons.title };
}

export default async function Lessons({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{t.lessons.title}</h1>
      <p className="max-w-3xl text-slate-600 dark:text-slate-300">{t.lessons.intro}</p>
      <ol className="space-y-3">
        {lessonList(locale).map((l, i) => (
          <li key={l.slug} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid={`lesson-${l.slug}`}>
            <p className="text-sm text-slate-600 dark:text-slate-400">{t.home.lessonN(i + 1)}</p>
            <Link className="font-medium underline-offset-2 hover:underline" href={`/${locale}/lessons/${l.slug}`}>
              {l.title}
            </Link>
            <p className="text-sm text-slate-700 dark:text-slate-300">{l.summary}</p>
            <LessonProgress slug={l.slug} total={l.exercises.length} />
          </li>
        ))}
      </ol>
    </div>
  );
}
