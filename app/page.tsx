import Link from "next/link";
import { PLANNED_LESSONS } from "@/lessons/catalog";

export default function Home() {
  return (
    <div className="space-y-10">
      <section className="space-y-4 pt-4">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Learn Redis by running it.</h1>
        <p className="max-w-2xl text-lg text-slate-600 dark:text-slate-300">
          Every command you type here runs against a live Redis, in a sandbox of your own, and the reply is printed exactly
          as <code className="font-mono">redis-cli</code> prints it. No install, no account.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href="/playground" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Open the console
          </Link>
          <Link href="/lessons" className="rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900">
            Browse the lessons
          </Link>
        </div>
      </section>
      <section aria-labelledby="lessons-heading" className="space-y-3">
        <h2 id="lessons-heading" className="text-xl font-semibold">Lessons</h2>
        <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {PLANNED_LESSONS.map((l, i) => (
            <li key={l.slug} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
              <p className="text-sm text-slate-500 dark:text-slate-400">Lesson {i + 1} · coming soon</p>
              <p className="font-medium">{l.title}</p>
              <p lang="zh-CN" className="text-sm text-slate-600 dark:text-slate-300">{l.titleZh}</p>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
