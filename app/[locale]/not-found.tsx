"use client";

import Link from "next/link";
import { useLocale, useT } from "@/components/i18n";

/** A page that does not exist, in the visitor's language, with a way back. */
export default function NotFound() {
  const t = useT();
  const locale = useLocale();
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-bold">{t.notFound.title}</h1>
      <p>{t.notFound.text}</p>
      <p className="flex gap-4">
        <Link className="underline" href={`/${locale}`}>
          {t.meta.title}
        </Link>
        <Link className="underline" href={`/${locale}/lessons`}>
          {t.nav.lessons}
        </Link>
      </p>
    </div>
  );
}
