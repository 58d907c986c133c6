import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { lessonOutlines } from "@/lib/classroom/catalog";
import { Dashboard } from "@/components/classroom/dashboard";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.rooms.dashboard, robots: { index: false } };
}

export default async function DashboardPage({ params }: { params: Promise<{ locale: string; code: string }> }) {
  const { locale } = await pageLocale(params);
  const { code } = await params;
  return <Dashboard code={code} lessons={lessonOutlines(locale)} />;
}
