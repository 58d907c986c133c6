"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { DEFAULT_LOCALE, isLocale } from "@/lib/i18n/locales";
import { MESSAGES } from "@/lib/i18n/messages";
import { useLocale, useT } from "./i18n";
import { SiteFrame } from "./site-header";

/** "Page not found" in the page's language, with ways on (the lessons, the console, the home page). */
export function NotFoundContent() {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="mx-auto max-w-xl space-y-4 py-10 text-center" data-testid="not-found">
      <p aria-hidden className="font-mono text-5xl font-bold text-brand-700 dark:text-red-400">
        404
      </p>
      <h1 className="text-2xl font-bold">{t.notFound.title}</h1>
      <p className="text-slate-700 dark:text-slate-300">{t.notFound.text}</p>
      <ul className="flex flex-wrap justify-center gap-3">
        <li>
          <Link className="btn-primary inline-flex min-h-11 items-center" href={`/${locale}/lessons`}>
            {t.nav.lessons}
          </Link>
        </li>
        <li>
          <Link className="btn inline-flex min-h-11 items-center" href={`/${locale}/playground`}>
            {t.nav.console}
          </Link>
        </li>
        <li>
          <Link className="btn inline-flex min-h-11 items-center" href={`/${locale}`}>
            {t.meta.title}
          </Link>
        </li>
      </ul>
    </section>
  );
}

/**
 * The whole page for a URL no route takes (app/global-not-found.tsx): the site's own document in the
 * language the URL names (`/zh/…` → 中文; anything else, English), rendered on the server, so it reads
 * the same without JavaScript. The path comes from the router: Next gives a not-found page no params.
 */
export function UnmatchedPage() {
  const first = (usePathname() ?? "/").split("/")[1];
  const locale = isLocale(first) ? first : DEFAULT_LOCALE;
  const t = MESSAGES[locale];
  return (
    <SiteFrame locale={locale} reload>
      <title>{`${t.notFound.title} · ${t.meta.title}`}</title>
      <NotFoundContent />
    </SiteFrame>
  );
}
