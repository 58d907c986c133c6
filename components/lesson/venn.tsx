"use client";

import { useEffect, useState } from "react";
import { vennOfMySets } from "@/app/actions";
import type { Venn } from "@/lib/lessons/venn";
import { useT } from "../i18n";
import { useTrailing } from "./use-trailing";

/**
 * A live Venn diagram of two of the learner's sets, redrawn after every
 * command: members only in the first, in both, only in the second. The same
 * split is listed as text for screen readers.
 */
export function VennDiagram({ keys, version, lesson, live }: { keys: [string, string]; version: number; lesson?: string; live?: boolean }) {
  const t = useT().lesson;
  const [v, setV] = useState<Venn | null>(null);
  const settled = useTrailing(version, 300);
  // In a workshop the sets are the class's: classmates change them too, so look again every 2 s.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setTick((n) => n + 1), 2000);
    return () => clearInterval(timer);
  }, [live]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `settled` and `tick` are triggers: read the sets again after commands and every few seconds
  useEffect(() => {
    let live = true;
    void vennOfMySets(keys[0], keys[1], lesson).then((r) => live && r.ok && setV(r.value));
    return () => {
      live = false;
    };
  }, [keys, settled, lesson, tick]);
  const [a, b] = keys;
  const regions: Array<{ label: string; members: string[]; count: number; x: number }> = v
    ? [
        { label: t.vennOnly(a), members: v.onlyA, count: v.counts[0], x: 95 },
        { label: t.vennBoth, members: v.both, count: v.counts[1], x: 200 },
        { label: t.vennOnly(b), members: v.onlyB, count: v.counts[2], x: 305 },
      ]
    : [];
  const notSets = v?.types.map((type, i) => (type !== "set" && type !== "none" ? keys[i] : null)).filter(Boolean);
  return (
    <figure className="space-y-2 rounded-lg border border-slate-300 p-3 dark:border-slate-700" data-testid="venn">
      <figcaption className="text-sm font-medium">{t.vennCaption(a, b)}</figcaption>
      <svg viewBox="0 0 400 220" className="w-full max-w-md" aria-hidden>
        <circle cx="150" cy="110" r="95" className="fill-sky-500/20 stroke-sky-600" strokeWidth="2" />
        <circle cx="250" cy="110" r="95" className="fill-amber-500/20 stroke-amber-600" strokeWidth="2" />
        <text x="95" y="22" textAnchor="middle" className="fill-current font-mono text-[11px]">
          {a}
        </text>
        <text x="305" y="22" textAnchor="middle" className="fill-current font-mono text-[11px]">
          {b}
        </text>
        {regions.map((r) => (
          <g key={r.label}>
            <text x={r.x} y="70" textAnchor="middle" className="fill-current text-[18px] font-semibold">
              {r.count}
            </text>
            {r.members.slice(0, 6).map((m, i) => (
              <text key={m} x={r.x} y={92 + i * 15} textAnchor="middle" className="fill-current font-mono text-[10px]">
                {m.length > 12 ? `${m.slice(0, 11)}…` : m}
              </text>
            ))}
            {r.members.length > 6 && (
              <text x={r.x} y={92 + 6 * 15} textAnchor="middle" className="fill-current text-[10px]">
                +{r.count - 6}
              </text>
            )}
          </g>
        ))}
      </svg>
      {notSets && notSets.length > 0 && <p className="text-sm text-amber-800 dark:text-amber-300">{t.vennNotSet(notSets.join(", "))}</p>}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 text-sm" data-testid="venn-regions">
        {regions.map((r) => (
          <div key={r.label} className="contents">
            <dt className="text-slate-600 dark:text-slate-400">
              {r.label} ({r.count})
            </dt>
            <dd className="font-mono [overflow-wrap:anywhere]">{r.members.join(" ") || "—"}</dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}
