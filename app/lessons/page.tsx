import Link from "next/link";
import type { Metadata } from "next";
import { PLANNED_LESSONS } from "@/lessons/catalog";

export const metadata: Metadata = { title: "Lessons" };

/** Lessons whose live part runs already; their prose comes with the lesson engine. */
const LIVE = new Set(["pipelines", "page-counter", "message-queue"]);

export default function Lessons() {
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Lessons</h1>
      <p className="text-slate-600 dark:text-slate-300">
        Six lessons built from a Redis cheat-sheet are on their way. Meanwhile the <Link className="underline" href="/playground">console</Link> runs any command.
      </p>
      <ol className="list-decimal space-y-1 pl-6">
        {PLANNED_LESSONS.map((l) => (
          <li key={l.slug}>
            {LIVE.has(l.slug) ? (
              <Link className="underline" href={`/lessons/${l.slug}`}>
                {l.title}
              </Link>
            ) : (
              l.title
            )}{" "}
            <span lang="zh-CN" className="text-slate-600 dark:text-slate-400">· {l.titleZh}</span>
            {LIVE.has(l.slug) && <span className="text-sm text-slate-600 dark:text-slate-400"> — live preview</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
