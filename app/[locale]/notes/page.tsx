import type { Metadata } from "next";
import Link from "next/link";
import { pageLocale } from "@/lib/i18n/server";
import { notesView, type PartView } from "@/lib/lessons/notes";
import type { Messages } from "@/lib/i18n/messages";
import { HTML_LANG, type Locale } from "@/lib/i18n/locales";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  const { t } = await pageLocale(params);
  return { title: t.notes.title, description: t.notes.intro };
}

/**
 * The notes the lessons are built from, as written (lessons/notes/): part by part, each beside the
 * lesson that teaches it, each mistake marked and followed by what the lesson corrects.
 */
export default async function NotesPage({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">{t.notes.title}</h1>
        <p className="max-w-3xl text-slate-600 dark:text-slate-300">{t.notes.intro}</p>
      </header>
      {notesView(locale).map((part) => (
        <Part key={part.id} part={part} t={t} locale={locale} />
      ))}
    </div>
  );
}

function Part({ part, t, locale }: { part: PartView; t: Messages; locale: Locale }) {
  const heading = `${part.id}-heading`;
  return (
    <section id={part.id} aria-labelledby={heading} className="scroll-mt-4 space-y-2" data-testid={`notes-part-${part.id}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-x-4">
        <h2 id={heading} className="text-lg font-semibold">
          {part.title}
        </h2>
        <Link
          className="inline-flex min-h-11 items-center text-sm text-brand-700 underline underline-offset-2 dark:text-brand-400"
          href={part.lesson.href}
          data-testid="notes-lesson-link"
        >
          {t.notes.lesson(part.lesson.order, part.lesson.title)}
        </Link>
      </div>
      {/* The notes' own words, in their own languages: mostly Chinese, with English and code. */}
      <pre
        lang="zh-CN"
        className="whitespace-pre-wrap rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed sm:text-sm [overflow-wrap:anywhere] dark:border-slate-800 dark:bg-slate-950"
      >
        {part.pieces.map((p, i) =>
          p.mistake === undefined ? (
            p.text
          ) : (
            <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-slate-900 dark:bg-amber-700 dark:text-white">
              {p.text}
              <sup aria-hidden className="ml-0.5 font-sans text-[0.7em] font-semibold">
                {p.mistake}
              </sup>
              <span lang={HTML_LANG[locale]} className="sr-only">
                {` (${t.notes.mistake(p.mistake)})`}
              </span>
            </mark>
          ),
        )}
      </pre>
      {part.mistakes.length > 0 && (
        <ol aria-label={t.notes.corrections(part.title)} className="space-y-2">
          {part.mistakes.map((m) => (
            <li key={m.n} className="flex gap-2 border-l-4 border-amber-500 bg-amber-50 px-3 py-2 dark:bg-amber-950" data-testid="notes-mistake">
              <span aria-hidden className="font-semibold">
                {m.n}
              </span>
              <div className="min-w-0 space-y-1">
                <p className="sr-only">{t.notes.mistake(m.n)}</p>
                <p>
                  <code
                    lang="zh-CN"
                    className="whitespace-pre-wrap rounded bg-amber-100 px-1 font-mono text-[0.9em] [overflow-wrap:anywhere] dark:bg-amber-900"
                  >
                    {m.quote}
                  </code>
                </p>
                <p>{m.text}</p>
                <p>
                  <Link className="inline-flex min-h-11 items-center text-sm underline underline-offset-2" href={m.href}>
                    {t.notes.taughtAt(part.lesson.order, m.heading)}
                  </Link>
                </p>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
