"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";
import { usePathname, useRouter } from "next/navigation";
import { HTML_LANG, LOCALE_COOKIE, type Locale } from "@/lib/i18n/locales";
import { switchLocalePath } from "@/lib/i18n/locales";
import { useLocale, useT } from "./i18n";
import { followReading, rememberAnchor, restoreAnchor } from "./scroll-anchor";

/**
 * The same page in the other language, at the same section (components/scroll-anchor.ts); remembered
 * (cookie) for URLs without a language. `reload`: on the 404 for a URL no route takes
 * (app/global-not-found.tsx), whose other-language URL no route takes either, a plain page load and no
 * prefetch (Next answers a client-side request for an unknown lesson slug with a 500, "Invariant:
 * Expected RSC response"; the page load gets the 404 page).
 */
export function LanguageSwitch({ reload = false }: { reload?: boolean }) {
  const locale = useLocale();
  const t = useT();
  const other: Locale = locale === "en" ? "zh" : "en";
  const router = useRouter();
  const path = usePathname() ?? `/${locale}`;
  const target = switchLocalePath(path, other);
  // Arriving from the switch on the other language's page: back to the section the reader was in.
  useEffect(() => restoreAnchor(path), [path]);
  const reading = useRef<ReturnType<typeof followReading>>(null);
  useEffect(() => {
    // Per page: a place on the page before is no place on this one.
    if (!path) return;
    reading.current = followReading();
    return () => reading.current?.stop();
  }, [path]);
  return (
    <Link
      href={target}
      prefetch={reload ? false : undefined}
      hrefLang={HTML_LANG[other]}
      lang={HTML_LANG[other]}
      // A 44 × 44 px tap target around a small outlined label.
      className="group ml-auto inline-flex min-h-11 min-w-11 items-center justify-center text-sm"
      onClick={(e) => {
        // biome-ignore lint/suspicious/noDocumentCookie: one first-party cookie, set synchronously before the navigation that reads it (the Cookie Store API is not in every browser)
        document.cookie = `${LOCALE_COOKIE}=${other}; Path=/; Max-Age=31536000; SameSite=Lax`;
        const anchored = rememberAnchor(target, reading.current?.place() ?? null);
        // Keep the query and the fragment (the dashboard's key lives there).
        if (reload || location.search || location.hash) {
          e.preventDefault();
          location.assign(target + location.search + location.hash);
        } else if (anchored) {
          // Not to the top: the new page scrolls to the noted heading itself.
          e.preventDefault();
          router.push(target, { scroll: false });
        }
      }}
    >
      <span className="sr-only">{t.nav.language}: </span>
      <span className="rounded border border-slate-300 px-2 py-0.5 group-hover:bg-slate-50 dark:border-slate-700 dark:group-hover:bg-slate-900">
        {t.nav.switchTo}
      </span>
    </Link>
  );
}
