import type { Metadata } from "next";
import { VisitorsRace } from "@/components/scenarios/races";

export const metadata: Metadata = { title: "A page-view counter with INCR" };

export default function PageCounter() {
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">Lesson 4 · live preview</p>
        <h1 className="text-2xl font-bold">A page-view counter with INCR</h1>
        <p className="max-w-3xl text-slate-700 dark:text-slate-300">
          Counting a visit by reading the count, adding one and writing it back loses visits when two visitors arrive together. INCR does the
          read and the write in one step inside Redis. Send a crowd of simulated visitors at both:
        </p>
      </header>
      <VisitorsRace />
    </div>
  );
}
