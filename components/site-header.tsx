import type { Viewport } from "next";
import Link from "next/link";
import { HTML_LANG, type Locale } from "@/lib/i18n/locales";
import { MESSAGES } from "@/lib/i18n/messages";
import { LocaleProvider } from "./i18n";
import { LanguageSwitch } from "./language-switch";

/** The browser's toolbar in the page's colours, light or dark. */
export const SITE_VIEWPORT: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0b0f14" },
  ],
};

/**
 * Every page's document: <html lang>, the body's colours (dark mode), the skip link, the header and
 * <main>. Used by the layout (app/[locale]/layout.tsx) and by the 404 for unmatched URLs
 * (app/global-not-found.tsx, with `reload`: see LanguageSwitch), which Next renders outside the
 * layout; no hooks and no server-only imports, so it renders on the server and in a Client Component
 * alike.
 */
export function SiteFrame({ locale, reload, children }: { locale: Locale; reload?: boolean; children: React.ReactNode }) {
  const t = MESSAGES[locale];
  return (
    <html lang={HTML_LANG[locale]}>
      <body className="min-h-dvh bg-white text-slate-900 antialiased dark:bg-[#0b0f14] dark:text-slate-100">
        <LocaleProvider locale={locale}>
          <a
            href="#main"
            className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
          >
            {t.nav.skip}
          </a>
          <SiteHeader locale={locale} reload={reload} />
          <main id="main" className="mx-auto max-w-6xl px-4 py-6">
            {children}
          </main>
        </LocaleProvider>
      </body>
    </html>
  );
}

/**
 * The header: the site's name, its sections and the language switch, each a tap target 44 px tall
 * and at least 44 px wide that looks no bigger than before (the extra is padding, not a box). On a
 * phone, two rows: the name and the switch, then the sections; on a wider screen, one row.
 */
export function SiteHeader({ locale, reload }: { locale: Locale; reload?: boolean }) {
  const t = MESSAGES[locale];
  const links = [
    { href: `/${locale}/playground`, label: t.nav.console },
    { href: `/${locale}/lessons`, label: t.nav.lessons },
    { href: `/${locale}/notes`, label: t.notes.nav },
    { href: `/${locale}/join`, label: t.rooms.navWorkshop },
  ];
  return (
    <header className="border-b border-slate-200 dark:border-slate-800">
      <nav aria-label={t.nav.label} className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-2 px-4 py-1 sm:gap-x-6 sm:py-0.5">
        <Link href={`/${locale}`} className="flex min-h-11 items-center gap-2 font-semibold">
          <span aria-hidden className="inline-block size-3 rotate-45 rounded-sm bg-brand-500" />
          {t.meta.title}
        </Link>
        {/* Each link's own padding is the space between them; -mx-2 keeps the first one's text in line. */}
        <ul className="-mx-2 flex text-sm max-sm:order-last max-sm:basis-full">
          {links.map((l) => (
            <li key={l.href}>
              <Link className="inline-flex min-h-11 min-w-11 items-center justify-center px-2 hover:underline" href={l.href}>
                {l.label}
              </Link>
            </li>
          ))}
        </ul>
        <LanguageSwitch reload={reload} />
      </nav>
    </header>
  );
}
