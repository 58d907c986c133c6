import type { Metadata, Viewport } from "next";
import "../globals.css";
import { LOCALES } from "@/lib/i18n/locales";
import { pageLocale } from "@/lib/i18n/server";
import { SITE_VIEWPORT, SiteFrame } from "@/components/site-header";
import { RoomProvider } from "@/components/classroom/room-context";

export const dynamicParams = false;
export function generateStaticParams() {
  return LOCALES.map((locale) => ({ locale }));
}

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  const { t } = await pageLocale(params);
  return { title: { default: t.meta.title, template: `%s · ${t.meta.title}` }, description: t.meta.description };
}

export const viewport: Viewport = SITE_VIEWPORT;

export default async function RootLayout({ children, params }: { children: React.ReactNode; params: Promise<{ locale: string }> }) {
  const { locale } = await pageLocale(params);
  return (
    <SiteFrame locale={locale}>
      <RoomProvider>{children}</RoomProvider>
    </SiteFrame>
  );
}
