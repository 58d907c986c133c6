import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { lessonOutlines } from "@/lib/classroom/catalog";
import { CreateRoom } from "@/components/classroom/create-room";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.rooms.newTitle };
}

export default async function NewRoom({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-2xl font-bold">{t.rooms.newTitle}</h1>
      <p className="text-slate-700 dark:text-slate-300">{t.rooms.newIntro}</p>
      <CreateRoom lessons={lessonOutlines(locale).map(({ slug, title }) => ({ slug, title }))} />
    </div>
  );
}
