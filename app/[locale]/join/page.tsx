import type { Metadata } from "next";
import { pageLocale } from "@/lib/i18n/server";
import { JoinRoom } from "@/components/classroom/join-room";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.rooms.joinTitle };
}

export default async function Join({ params }: { params: Promise<{ locale: string }> }) {
  const { t } = await pageLocale(params);
  return (
    <div className="max-w-md space-y-4">
      <h1 className="text-2xl font-bold">{t.rooms.joinTitle}</h1>
      <p className="text-slate-700 dark:text-slate-300">{t.rooms.joinIntro}</p>
      <JoinRoom />
    </div>
  );
}
