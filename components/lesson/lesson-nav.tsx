"use client";

import Link from "next/link";
import type { LessonNavData } from "@/lib/lessons/view";
import { useLocale, useT } from "../i18n";

type Neighbour = NonNullable<LessonNavData["prev"]>;

/**
 * Where a lesson sits among the others. `top`: "Lesson n of 6" under the header with compact
 * previous/next links; `bottom`: after the exercises, the previous and next lessons as large
 * links with their titles. The first lesson has no previous one, the last no next one.
 */
export function LessonNav({ nav, placement }: { nav: LessonNavData; placement: "top" | "bottom" }) {
  const t = useT().flow;
  const locale = useLocale();
  const href = (l: Neighbour) => `/${locale}/lessons/${l.slug}`;

  if (placement === "top") {
    return (
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1">
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="lesson-of">
          {t.lessonOf(nav.n, nav.total)}
        </p>
        {(nav.prev || nav.next) && (
          <nav aria-label={t.navTop} className="w-full min-w-0 text-sm sm:w-auto">
            <ul className="flex min-w-0 gap-x-1">
              {nav.prev && (
                <li className="flex min-w-0 flex-1 sm:flex-none">
                  <Link href={href(nav.prev)} rel="prev" title={nav.prev.title} aria-label={`${t.previous}${t.labelSep}${nav.prev.title}`} className={compact}>
                    <span aria-hidden>←</span>
                    <span className="truncate">{nav.prev.title}</span>
                  </Link>
                </li>
              )}
              {nav.next && (
                <li className="flex min-w-0 flex-1 justify-end sm:flex-none">
                  <Link href={href(nav.next)} rel="next" title={nav.next.title} aria-label={`${t.next}${t.labelSep}${nav.next.title}`} className={compact}>
                    <span className="truncate">{nav.next.title}</span>
                    <span aria-hidden>→</span>
                  </Link>
                </li>
              )}
            </ul>
          </nav>
        )}
      </div>
    );
  }

  return (
    <nav aria-label={t.navBottom} className="border-t border-slate-200 pt-4 dark:border-slate-800" data-testid="lesson-nav-bottom">
      <ul className="grid gap-3 sm:grid-cols-2">
        {nav.prev && (
          <li className="min-w-0">
            <Link href={href(nav.prev)} rel="prev" className={`${card} items-start`}>
              <span className="text-sm text-slate-600 dark:text-slate-400">
                <span aria-hidden>← </span>
                {t.previous}
              </span>
              <span className="font-medium">{nav.prev.title}</span>
            </Link>
          </li>
        )}
        {nav.next && (
          // The next lesson stays in the right-hand column on a wide screen, also without a previous one.
          <li className="min-w-0 sm:col-start-2">
            <Link href={href(nav.next)} rel="next" className={`${card} items-end text-right`}>
              <span className="text-sm text-slate-600 dark:text-slate-400">
                {t.next}
                <span aria-hidden> →</span>
              </span>
              <span className="font-medium">{nav.next.title}</span>
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}

// 44 px tall: a comfortable tap target on a phone.
const compact =
  "inline-flex min-h-11 min-w-0 max-w-full items-center gap-1 sm:max-w-[18rem] rounded-md px-2 text-brand-700 hover:bg-slate-50 hover:underline dark:text-red-300 dark:hover:bg-slate-900";
const card =
  "flex min-h-11 h-full flex-col gap-1 rounded-lg border border-slate-200 p-3 hover:border-slate-400 hover:bg-slate-50 dark:border-slate-800 dark:hover:border-slate-600 dark:hover:bg-slate-900";
