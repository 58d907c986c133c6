import type { Metadata } from "next";
import { PipelineRace } from "@/components/scenarios/races";
import { LessonPreview, lessonTitle } from "@/components/lesson-preview";

export const metadata: Metadata = { title: lessonTitle("pipelines") };

export default function Pipelines() {
  return (
    <LessonPreview
      slug="pipelines"
      intro={
        <>
          <p className="max-w-3xl text-slate-700 dark:text-slate-300">
          A pipeline sends many commands before reading any reply: it saves round trips. It is not atomic by itself — only{" "}
          <code className="font-mono">MULTI</code>/<code className="font-mono">EXEC</code> is. Measure the round trips on this server:
        </p>
        </>
      }
    >
      <PipelineRace />
    </LessonPreview>
  );
}
