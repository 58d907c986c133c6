import type { Metadata } from "next";
import Link from "next/link";
import { pageLocale } from "@/lib/i18n/server";
import { JoinRoom } from "@/components/classroom/join-room";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.rooms.joinTitle };
}

export default async function Join({ params }: { params: Promise<{ locale: string }> }) {
  const { locale, t } = await pageLocale(params);
  return (
    <div className="max-w-md space-y-4">
      <h1 className="text-2xl font-bold">{t.rooms.joinTitle}</h1>
      <p className="text-slate-700 dark:text-slate-300">{t.rooms.joinIntro}</p>
      <JoinRoom />
      <p className="pt-6 text-sm text-slate-600 dark:text-slate-400">
        {t.rooms.teaching}{" "}
        <Link className="underline" href={`/${locale}/rooms/new`}>
          {t.rooms.openOne}
        </Link>
      </p>
    </div>
  );
}
