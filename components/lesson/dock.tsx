"use client";

import { useEffect, useRef, useState } from "react";
import type { LastLine } from "@/components/console";
import { useT } from "../i18n";

/**
 * Where a lesson's console and key inspector live. On a wide screen: a column
 * that stays beside the steps as they scroll (sticky). Below the `lg`
 * breakpoint: a bar docked at the bottom of the screen, reachable at any
 * scroll position, showing the newest reply; Console or Your keys opens a
 * sheet above it. The page keeps room for it (`--dock-h`, app/globals.css),
 * so the step being run is never under it.
 *
 * One console either way (the steps run in it), shown or hidden by CSS.
 */
export function Dock({
  heading,
  last,
  tx,
  console: consoleView,
  keys,
}: {
  heading: string;
  last: LastLine | null;
  tx: boolean;
  console: React.ReactNode;
  keys: React.ReactNode;
}) {
  const p = useT().phone;
  const [open, setOpen] = useState<"console" | "keys" | null>(null);
  const ref = useRef<HTMLElement>(null);

  // How much of the screen the dock covers (0 on a wide screen, where it is not fixed).
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const root = document.documentElement;
    const measure = () => root.style.setProperty("--dock-h", `${getComputedStyle(el).position === "fixed" ? el.offsetHeight : 0}px`);
    const seen = new ResizeObserver(measure);
    seen.observe(el);
    measure();
    return () => {
      seen.disconnect();
      root.style.removeProperty("--dock-h");
    };
  }, []);

  const tab = (which: "console" | "keys", label: string) => (
    <button
      type="button"
      className="min-h-11 shrink-0 rounded-md border border-slate-300 px-3 text-sm font-medium aria-pressed:border-slate-900 aria-pressed:bg-slate-900 aria-pressed:text-white dark:border-slate-600 dark:aria-pressed:border-slate-100 dark:aria-pressed:bg-slate-100 dark:aria-pressed:text-slate-900"
      aria-pressed={open === which}
      aria-controls={`dock-${which}`}
      onClick={() => setOpen(open === which ? null : which)}
      data-testid={`dock-${which}-button`}
    >
      {label}
    </button>
  );

  return (
    <aside
      ref={ref}
      data-dock={open ?? "closed"}
      data-testid="dock"
      className="min-w-0 space-y-4 max-lg:fixed max-lg:inset-x-0 max-lg:bottom-0 max-lg:z-30 max-lg:flex max-lg:max-h-[65dvh] max-lg:flex-col max-lg:space-y-0 max-lg:border-t max-lg:border-slate-300 max-lg:bg-white max-lg:pb-[env(safe-area-inset-bottom)] max-lg:shadow-[0_-4px_16px_rgb(0_0_0/0.08)] lg:sticky lg:top-4 lg:max-h-[calc(100dvh-2rem)] lg:self-start lg:overflow-y-auto dark:max-lg:border-slate-700 dark:max-lg:bg-[#0b0f14]"
    >
      <h2 className="sr-only">{heading}</h2>
      <div className="flex shrink-0 items-center gap-2 px-3 py-1.5 lg:hidden" data-testid="dock-bar">
        {open === null ? (
          <p className="flex min-w-0 flex-1 items-baseline gap-1.5 font-mono text-sm whitespace-nowrap" aria-live="polite" data-testid="dock-last">
            {last ? (
              <>
                <span className="shrink-0 text-brand-700 dark:text-red-400">{tx ? "redis(TX)>" : "redis>"}</span>
                <span className="min-w-0 shrink truncate">{last.input}</span>
                {/* The reply matters more than the command: it keeps up to half the bar. */}
                <span className={`max-w-[60%] shrink-0 truncate ${last.error ? "text-red-700 dark:text-red-400" : "text-slate-600 dark:text-slate-400"}`}>
                  → {last.output}
                </span>
              </>
            ) : (
              <span className="truncate font-sans text-slate-600 dark:text-slate-400">{p.lastEmpty}</span>
            )}
          </p>
        ) : (
          <span className="flex-1" />
        )}
        {tab("console", p.console)}
        {tab("keys", p.keys)}
        {open !== null && (
          <button
            type="button"
            className="min-h-11 min-w-11 shrink-0 rounded-md border border-slate-300 px-2 text-sm dark:border-slate-600"
            aria-label={p.hideLabel}
            onClick={() => setOpen(null)}
            data-testid="dock-hide"
          >
            <span aria-hidden>▾</span> {p.hide}
          </button>
        )}
      </div>
      <div id="dock-console" className={`min-h-0 max-lg:overflow-y-auto max-lg:px-3 max-lg:pb-3 ${open === "console" ? "" : "max-lg:hidden"}`}>
        {consoleView}
      </div>
      <div id="dock-keys" className={`min-h-0 max-lg:overflow-y-auto max-lg:px-3 max-lg:pb-3 ${open === "keys" ? "" : "max-lg:hidden"}`}>
        {keys}
      </div>
    </aside>
  );
}
