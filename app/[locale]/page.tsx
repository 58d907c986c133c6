import Link from "next/link";
import { lessonList } from "@/lib/lessons/load";
import { pageLocale } from "@/lib/i18n/server";

export default async function Home({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  return (
    <div className="space-y-10">
      <section className="space-y-4 pt-4">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{t.home.heading}</h1>
        <p className="max-w-2xl text-lg text-slate-600 dark:text-slate-300">{t.home.intro}</p>
        <div className="flex flex-wrap gap-3">
          <Link href={`/${locale}/playground`} className="rounded-md bg-brand-700 px-4 py-2 font-medium text-white hover:bg-brand-600">
            {t.home.openConsole}
          </Link>
          <Link
            href={`/${locale}/lessons`}
            className="rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900"
          >
            {t.home.browseLessons}
          </Link>
          <Link
            href={`/${locale}/rooms/new`}
            className="rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900"
          >
            {t.rooms.openOne}
          </Link>
        </div>
      </section>
      <section aria-labelledby="lessons-heading" className="space-y-3">
        <h2 id="lessons-heading" className="text-xl font-semibold">
          {t.home.lessons}
        </h2>
        <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {lessonList(locale).map((l, i) => (
            <li key={l.slug} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
              <p className="text-sm text-slate-600 dark:text-slate-400">{t.home.lessonN(i + 1)}</p>
              <Link className="font-medium hover:underline" href={`/${locale}/lessons/${l.slug}`}>
                {l.title}
              </Link>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
