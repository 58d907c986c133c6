import type { Metadata } from "next";
import { VisitorsRace } from "@/components/scenarios/races";
import { LessonPreview, lessonTitle } from "@/components/lesson-preview";

export const metadata: Metadata = { title: lessonTitle("page-counter") };

export default function PageCounter() {
  return (
    <LessonPreview
      slug="page-counter"
      intro={
        <>
          <p className="max-w-3xl text-slate-700 dark:text-slate-300">
          Counting a visit by reading the count, adding one and writing it back loses visits when two visitors arrive together. INCR does the
          read and the write in one step inside Redis. Send a crowd of simulated visitors at both:
        </p>
        </>
      }
    >
      <VisitorsRace />
    </LessonPreview>
  );
}
