import type { Metadata } from "next";
import { Console } from "@/components/console";

export const metadata: Metadata = { title: "Console" };

export default function Playground() {
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-bold">Console</h1>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        Type a Redis command and press Enter. Your keys live in a sandbox of your own. Try <code className="font-mono">SET A apple</code>, then{" "}
        <code className="font-mono">GET A</code>, or <code className="font-mono">HELP SET</code>.
      </p>
      <Console />
    </div>
  );
}
