import type { Metadata } from "next";
import { Console } from "@/components/console";
import { JobQueueLab } from "@/components/scenarios/job-queue";
import { LessonPreview, lessonTitle } from "@/components/lesson-preview";

export const metadata: Metadata = { title: lessonTitle("message-queue") };

export default function MessageQueue() {
  return (
    <LessonPreview
      slug="message-queue"
      intro={
        <>
          <p className="max-w-3xl text-slate-700 dark:text-slate-300">
          The notes&apos; master dispatches jobs to <code className="font-mono">CHANNEL_DISPATCH_1</code>…<code className="font-mono">_5</code>; five
          workers each subscribe to one channel, work for two seconds and publish the result on <code className="font-mono">CHANNEL_RESULT</code>. Here
          it runs for real, in your sandbox. Join in from the console: <code className="font-mono">SUBSCRIBE CHANNEL_DISPATCH_3</code> shows one
          lane&apos;s jobs, and <code className="font-mono">PUBLISH CHANNEL_RESULT 42</code> answers job 42 as a worker would.
        </p>
        <p className="max-w-3xl text-sm text-slate-600 dark:text-slate-400">
          Fixed from the notes: <code className="font-mono">p.subcribe</code> is <code className="font-mono">p.subscribe</code>, the worker&apos;s
          undefined <code className="font-mono">r</code> is its own <code className="font-mono">conn</code>, and <code className="font-mono">print</code> is
          a function. Pub/sub delivers each message at most once, to whoever is subscribed at that moment: crash a worker and compare.
        </p>
        </>
      }
    >
      <JobQueueLab
        aside={
          <div className="space-y-2">
            <h2 className="text-xl font-semibold">Your console</h2>
            <Console />
          </div>
        }
      />
    </LessonPreview>
  );
}
