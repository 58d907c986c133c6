"use client";

import Link from "next/link";
import { useLocale, useT } from "../i18n";
import { useRoom } from "./room-context";
import { JoinRoom } from "./join-room";

/** A student's home in the workshop: its lessons (shared ones marked). Not joined: the join form. */
export function StudentRoom({ code, lessons }: { code: string; lessons: Array<{ slug: string; title: string; shared: boolean }> }) {
  const t = useT().rooms;
  const locale = useLocale();
  const room = useRoom();
  if (!room || room.code !== code) {
    return (
      <div className="max-w-md space-y-4">
        <h1 className="text-2xl font-bold">{t.joinTitle}</h1>
        <JoinRoom code={code} />
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{room.title}</h1>
      <h2 className="text-lg font-semibold">{t.roomLessons}</h2>
      <ol className="list-decimal space-y-1 pl-6">
        {lessons
          .filter((l) => room.lessons.includes(l.slug))
          .map((l) => (
            <li key={l.slug}>
              <Link className="underline" href={`/${locale}/lessons/${l.slug}`}>
                {l.title}
              </Link>
              {l.shared && <span className="text-sm text-slate-600 dark:text-slate-400"> · {t.shared}</span>}
            </li>
          ))}
      </ol>
    </div>
  );
}
