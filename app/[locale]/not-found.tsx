"use client";

import Link from "next/link";
import { useLocale, useT } from "@/components/i18n";

/**
 * A page that does not exist, inside the layout (header, language, dark mode), in the visitor's
 * language, with ways on. Every unknown URL under /en/ or /zh/ ends here with status 404
 * (app/[locale]/[...rest]/page.tsx); an unprefixed one is first sent to /en/… or /zh/… (server.ts).
 */
export default function NotFound() {
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
