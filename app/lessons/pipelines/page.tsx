import type { Metadata } from "next";
import { PipelineRace } from "@/components/scenarios/races";

export const metadata: Metadata = { title: "Pipelines and transactions" };

export default function Pipelines() {
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">Lesson 3 · live preview</p>
        <h1 className="text-2xl font-bold">Pipelines and transactions</h1>
        <p className="max-w-3xl text-slate-700 dark:text-slate-300">
          A pipeline sends many commands before reading any reply: it saves round trips. It is not atomic by itself — only{" "}
          <code className="font-mono">MULTI</code>/<code className="font-mono">EXEC</code> is. Measure the round trips on this server:
        </p>
      </header>
      <PipelineRace />
    </div>
  );
}
