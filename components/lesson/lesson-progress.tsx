"use client";

import { useEffect, useState } from "react";
import { useT } from "../i18n";
import { loadProgress } from "./progress";

/** "2 of 3 exercises done", from this browser's progress. */
export function LessonProgress({ slug, total }: { slug: string; total: number }) {
  const t = useT().lessons;
  const [done, setDone] = useState<number | null>(null);
  useEffect(() => {
    const read = () => setDone(Math.min(total, (loadProgress()[slug] ?? []).length));
    read();
    window.addEventListener("pg:progress", read);
    window.addEventListener("storage", read);
    return () => {
      window.removeEventListener("pg:progress", read);
      window.removeEventListener("storage", read);
    };
  }, [slug, total]);
  if (done === null || done === 0) return null;
  return (
    <p className="text-sm text-emerald-700 dark:text-emerald-400" data-testid="lesson-progress">
      {done === total ? "✓ " : ""}
      {t.progress(done, total)}
    </p>
  );
}
