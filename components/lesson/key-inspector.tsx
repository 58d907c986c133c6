"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { inspectMyKeys } from "@/app/actions";
import type { KeyInfo } from "@/lib/lessons/inspect";
import { useLocale, useT } from "../i18n";
import { useTrailing } from "./use-trailing";
import { useEndpointActivity } from "../use-endpoint-activity";

/**
 * The learner's keys beside the lesson: type, TTL counting down live, and a
 * preview. Refreshed after every command (`version` changes) and when a TTL
 * runs out, so a key that expires disappears before the learner's eyes.
 */
export function KeyInspector({ version, lesson, live }: { version: number; lesson?: string; live?: boolean }) {
  const t = useT().lesson;
  const sharedNote = useT().classUi.inspectorShared;
  const locale = useLocale();
  const [data, setData] = useState<{ keys: KeyInfo[]; more: number; at: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const inFlight = useRef(false);
  const again = useRef(false);

  const refresh = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      const r = await inspectMyKeys(lesson);
      if (r.ok) setData({ ...r.value, at: Date.now() });
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        void refresh();
      }
    }
  }, [lesson]);

  // At most one refresh every 300 ms (Run all steps sends many commands a second); the last one always comes.
  const settled = useTrailing(version, 300);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `settled` is the trigger: refresh after the latest command, at most every 300 ms
  useEffect(() => {
    void refresh();
  }, [settled, refresh]);

  // Commands from the learner's own Redis client (redis-cli, a program, a GUI) show within a second.
  useEndpointActivity(lesson, () => void refresh());

  // Shared keys change under classmates' hands too.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void refresh(), 3000);
    return () => clearInterval(timer);
  }, [live, refresh]);

  const expiring = data?.keys.some((k) => k.pttl >= 0) ?? false;
  useEffect(() => {
    if (!expiring) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [expiring]);

  const left = (k: KeyInfo) => (k.pttl < 0 || !data ? -1 : Math.max(0, k.pttl - (now - data.at)));
  const expired = data?.keys.some((k) => k.pttl >= 0 && left(k) === 0) ?? false;
  useEffect(() => {
    if (expired) void refresh();
  }, [expired, refresh]);

  return (
    <section aria-labelledby="inspector-h" className="space-y-2" data-testid="key-inspector">
      <h2 id="inspector-h" className="text-lg font-semibold">
        {t.inspector}
      </h2>
      {live && (
        <p className="text-sm text-sky-900 dark:text-sky-200" data-testid="inspector-shared">
          {sharedNote}
        </p>
      )}
      {data && data.keys.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">{t.inspectorEmpty}</p>}
      <ul className="space-y-1">
        {data?.keys.map((k) => {
          const ms = left(k);
          return (
            <li key={k.key} className="rounded border border-slate-200 p-2 text-sm dark:border-slate-800" data-testid="inspector-key">
              <div className="flex flex-wrap items-baseline gap-2">
                <span className="font-mono font-semibold [overflow-wrap:anywhere]" data-testid="inspector-name">
                  {k.key}
                </span>
                <span className="rounded bg-slate-200 px-1 text-xs text-slate-900 dark:bg-slate-700 dark:text-slate-50">{k.type}</span>
                {k.size !== undefined && k.type !== "string" && <span className="text-xs text-slate-600 dark:text-slate-400">{t.size(k.size)}</span>}
                <span
                  className={`ml-auto text-xs ${ms >= 0 ? "text-amber-800 dark:text-amber-300" : "text-slate-600 dark:text-slate-400"}`}
                  data-testid="inspector-ttl"
                >
                  {ms >= 0 ? t.expiresIn(duration(ms, locale)) : t.noExpiry}
                </span>
              </div>
              <pre className="mt-1 max-h-24 overflow-hidden whitespace-pre-wrap font-mono text-xs text-slate-700 [overflow-wrap:anywhere] dark:text-slate-300">
                {k.preview}
              </pre>
            </li>
          );
        })}
      </ul>
      {data && data.more > 0 && <p className="text-xs text-slate-600 dark:text-slate-400">{t.more(data.more)}</p>}
    </section>
  );
}

/** 4.2 s, 12 min 5 s, 2 h 0 min, 2 d 0 h — a TTL as a person reads it. */
function duration(ms: number, locale: string): string {
  const zh = locale === "zh";
  const s = ms / 1000;
  if (s < 60) return zh ? `${s.toFixed(1)} 秒` : `${s.toFixed(1)} s`;
  const units: Array<[number, string, string]> = [
    [86400, "d", "天"],
    [3600, "h", "小时"],
    [60, "min", "分"],
    [1, "s", "秒"],
  ];
  const parts: string[] = [];
  let left = Math.floor(s);
  for (const [size, en, cn] of units) {
    if (left >= size || parts.length === 1) {
      parts.push(zh ? `${Math.floor(left / size)} ${cn}` : `${Math.floor(left / size)} ${en}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}
