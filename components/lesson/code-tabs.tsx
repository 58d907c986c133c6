"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { RedisCommand } from "@/lib/lessons/parse";
import type { ViewTab } from "@/lib/lessons/view";
import { useT } from "../i18n";

type TabId = "cli" | "python" | "ts";
const PREF = "pg:code-tab";

/**
 * One step in redis-cli, Python (redis-py) and TypeScript (ioredis), as tabs
 * (arrow keys move between them). The choice of language is remembered for
 * every step on every page.
 */
export function CodeTabs({ stepId, transcript, client, tabs }: { stepId: string | null; transcript: RedisCommand[] | null; client?: string; tabs: ViewTab[] }) {
  const t = useT().lesson;
  const tc = useT().classUi;
  const code = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState(false);
  const ids: TabId[] = [...(transcript ? (["cli"] as const) : []), ...tabs.map((x) => x.lang)];
  const [picked, setPicked] = useState<TabId>(ids[0]);
  const base = useId();
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on mount: a block's tab ids never change
  useEffect(() => {
    const sync = () => {
      const pref = localStorage.getItem(PREF) as TabId | null;
      if (pref && ids.includes(pref)) setPicked(pref);
    };
    sync();
    window.addEventListener("pg:code-tab", sync);
    return () => window.removeEventListener("pg:code-tab", sync);
  }, []);

  const choose = (id: TabId, focus = false) => {
    setPicked(id);
    try {
      localStorage.setItem(PREF, id);
    } catch {}
    window.dispatchEvent(new Event("pg:code-tab"));
    if (focus) refs.current[id]?.focus();
  };
  const current = ids.includes(picked) ? picked : ids[0];
  const tab = tabs.find((x) => x.lang === current);
  // The commands alone from a transcript (what you would type); the program as it is from a code tab.
  const copy = async () => {
    const text = current === "cli" && transcript ? transcript.map((c) => c.line).join("\n") : (code.current?.querySelector("pre")?.textContent ?? "");
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {}
  };
  const copyButton = (
    <button
      type="button"
      onClick={() => void copy()}
      aria-label={tc.copyCodeLabel(t.tabs[current])}
      className="ml-auto shrink-0 rounded px-2 py-1 text-xs text-slate-700 hover:bg-slate-200 max-lg:min-h-11 max-lg:min-w-11 dark:text-slate-300 dark:hover:bg-slate-800"
      data-testid="copy-code"
    >
      <span aria-live="polite">{copied ? `✓ ${tc.codeCopied}` : tc.copyCode}</span>
    </button>
  );

  return (
    <div className="overflow-hidden rounded-lg border border-slate-300 dark:border-slate-700">
      <div className="flex items-stretch border-b border-slate-300 bg-slate-100 text-sm dark:border-slate-700 dark:bg-slate-900">
        {ids.length > 1 && (
          <div role="tablist" aria-label={`${t.codeTabs}${stepId ? ` ${stepId}` : ""}`} className="flex">
            {ids.map((id, i) => (
              <button
                key={id}
                ref={(el) => {
                  refs.current[id] = el;
                }}
                type="button"
                role="tab"
                id={`${base}-${id}`}
                aria-selected={id === current}
                aria-controls={`${base}-panel`}
                tabIndex={id === current ? 0 : -1}
                onClick={() => choose(id)}
                onKeyDown={(e) => {
                  if (e.key === "ArrowRight") choose(ids[(i + 1) % ids.length], true);
                  else if (e.key === "ArrowLeft") choose(ids[(i - 1 + ids.length) % ids.length], true);
                }}
                className="px-3 py-1.5 aria-selected:bg-white aria-selected:font-medium max-lg:min-h-11 dark:aria-selected:bg-slate-950"
              >
                {t.tabs[id]}
              </button>
            ))}
          </div>
        )}
        {copyButton}
      </div>
      <div id={`${base}-panel`} {...(ids.length > 1 ? { role: "tabpanel", "aria-labelledby": `${base}-${current}` } : {})} className="text-sm">
        {current === "cli" && transcript ? (
          <pre className="overflow-x-auto bg-slate-50 p-3 font-mono dark:bg-slate-950" data-testid="transcript" tabIndex={0}>
            {transcript.map((c, i) => (
              <span key={i} className="block">
                <span className="text-brand-700 dark:text-red-400">{client ? `redis:${client}>` : "redis>"}</span> {c.line}
                {c.expect !== null && <span className="block text-slate-600 dark:text-slate-400">{c.expect}</span>}
              </span>
            ))}
          </pre>
        ) : tab ? (
          // biome-ignore lint/security/noDangerouslySetInnerHtml: shiki's highlighting of the lesson's own code, made at build time (lib/lessons/highlight.ts)
          <div ref={code} className="code-html overflow-x-auto [&_pre]:p-3" dangerouslySetInnerHTML={{ __html: tab.html }} />
        ) : null}
        {tab && stepId && (
          <p className="border-t border-slate-300 px-3 py-1 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-400" data-testid="runs-cli">
            {tc.runsCli}
          </p>
        )}
        {tab?.norun && <p className="border-t border-slate-300 px-3 py-1 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-400">{tab.norun}</p>}
      </div>
    </div>
  );
}
