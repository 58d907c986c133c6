"use client";

import { useEffect, useRef } from "react";
import { useT } from "../i18n";

/**
 * The commands a scenario ran, as redis-cli prints them, newest at the bottom.
 * Not live for screen readers (it can run hundreds of lines a second); the
 * run's status and progress bar are.
 */
export function CommandLog({ entries, label }: { entries: Array<{ id: number; actor: string; line: string; text: string; error?: boolean }>; label: string }) {
  const t = useT().scenario;
  const ref = useRef<HTMLOListElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `entries` is the trigger: follow the log's end
  useEffect(() => {
    const el = ref.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [entries]);
  return (
    <details className="text-sm" open>
      <summary className="cursor-pointer select-none">{t.withCount(label, entries.length)}</summary>
      <ol
        ref={ref}
        aria-label={label}
        tabIndex={0}
        className="mt-1 max-h-64 overflow-y-auto rounded border border-slate-200 bg-slate-50 p-2 font-mono text-xs dark:border-slate-800 dark:bg-slate-950"
      >
        {entries.map((e) => (
          <li key={e.id} className="mb-1">
            <span className="text-brand-700 dark:text-red-400">{e.actor}&gt;</span>{" "}
            <span className="whitespace-pre-wrap [overflow-wrap:anywhere]">{e.line}</span>
            <pre
              className={`whitespace-pre-wrap [overflow-wrap:anywhere] ${e.error ? "text-red-700 dark:text-red-400" : "text-slate-700 dark:text-slate-300"}`}
            >
              {e.text}
            </pre>
          </li>
        ))}
      </ol>
    </details>
  );
}
