"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { HTML_LANG, LOCALE_COOKIE, type Locale } from "@/lib/i18n/locales";
import { switchLocalePath } from "@/lib/i18n/locales";
import { useLocale, useT } from "./i18n";

/** The same page in the other language; remembered (cookie) for URLs without a language. */
export function LanguageSwitch() {
  const locale = useLocale();
  const t = useT();
  const other: Locale = locale === "en" ? "zh" : "en";
  const path = usePathname() ?? `/${locale}`;
  return (
    <Link
      href={switchLocalePath(path, other)}
      hrefLang={HTML_LANG[other]}
      lang={HTML_LANG[other]}
      className="ml-auto rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900"
      onClick={(e) => {
        // biome-ignore lint/suspicious/noDocumentCookie: one first-party cookie, set synchronously before the navigation that reads it (the Cookie Store API is not in every browser)
        document.cookie = `${LOCALE_COOKIE}=${other}; Path=/; Max-Age=31536000; SameSite=Lax`;
        // Keep the query and the fragment (the dashboard's key lives there).
        if (location.search || location.hash) {
          e.preventDefault();
          location.assign(switchLocalePath(path, other) + location.search + location.hash);
        }
      }}
    >
      <span className="sr-only">{t.nav.language}: </span>
      {t.nav.switchTo}
    </Link>
  );
}
