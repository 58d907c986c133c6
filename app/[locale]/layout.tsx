import type { Metadata, Viewport } from "next";
import Link from "next/link";
import "../globals.css";
import { LOCALES, HTML_LANG } from "@/lib/i18n/locales";
import { pageLocale } from "@/lib/i18n/server";
import { LocaleProvider } from "@/components/i18n";
import { LanguageSwitch } from "@/components/language-switch";
import { RoomProvider } from "@/components/classroom/room-context";

export const dynamicParams = false;
export function generateStaticParams() {
  return LOCALES.map((locale) => ({ locale }));
}

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  const { t } = await pageLocale(params);
  return { title: { default: t.meta.title, template: `%s · ${t.meta.title}` }, description: t.meta.description };
}

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0b0f14" },
  ],
};

export default async function RootLayout({ children, params }: { children: React.ReactNode; params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
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
          <header className="border-b border-slate-200 dark:border-slate-800">
            <nav aria-label={t.nav.label} className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
              <Link href={`/${locale}`} className="flex items-center gap-2 font-semibold">
                <span aria-hidden className="inline-block size-3 rotate-45 rounded-sm bg-brand-500" />
                {t.meta.title}
              </Link>
              <ul className="flex gap-4 text-sm">
                <li>
                  <Link className="hover:underline" href={`/${locale}/playground`}>
                    {t.nav.console}
                  </Link>
                </li>
                <li>
                  <Link className="hover:underline" href={`/${locale}/lessons`}>
                    {t.nav.lessons}
                  </Link>
                </li>
                <li>
                  <Link className="hover:underline" href={`/${locale}/notes`}>
                    {t.notes.nav}
                  </Link>
                </li>
                <li>
                  <Link className="hover:underline" href={`/${locale}/join`}>
                    {t.rooms.navWorkshop}
                  </Link>
                </li>
              </ul>
              <LanguageSwitch />
            </nav>
          </header>
          <main id="main" className="mx-auto max-w-6xl px-4 py-6">
            <RoomProvider>{children}</RoomProvider>
          </main>
        </LocaleProvider>
      </body>
    </html>
  );
}
