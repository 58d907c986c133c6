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
 * (cookie) for URLs without a language.
 */
export function LanguageSwitch() {
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
      hrefLang={HTML_LANG[other]}
      lang={HTML_LANG[other]}
      className="ml-auto rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900"
      onClick={(e) => {
        // biome-ignore lint/suspicious/noDocumentCookie: one first-party cookie, set synchronously before the navigation that reads it (the Cookie Store API is not in every browser)
        document.cookie = `${LOCALE_COOKIE}=${other}; Path=/; Max-Age=31536000; SameSite=Lax`;
        const anchored = rememberAnchor(target, reading.current?.place() ?? null);
        // Keep the query and the fragment (the dashboard's key lives there).
        if (location.search || location.hash) {
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
      {t.nav.switchTo}
    </Link>
  );
}
