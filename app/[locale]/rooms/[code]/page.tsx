import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { lessonOutlines } from "@/lib/classroom/catalog";
import { StudentRoom } from "@/components/classroom/student-room";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.rooms.navWorkshop };
}

export default async function Room({ params }: { params: Promise<{ locale: string; code: string }> }) {
  const { locale } = await pageLocale(params);
  const { code } = await params;
  return <StudentRoom code={code} lessons={lessonOutlines(locale).map(({ slug, title, shared }) => ({ slug, title, shared }))} />;
}
