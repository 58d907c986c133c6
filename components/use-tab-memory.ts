"use client";

import { useEffect, useRef } from "react";
import { usePathname } from "next/navigation";
import { isLocale } from "@/lib/i18n/locales";

/** At most this many characters of JSON per page and kind: sessionStorage holds about 5 MB per site, shared by every page. */
export const TAB_MEMORY_MAX_CHARS = 200_000;

/**
 * Keeps a page's state (the console's transcript, a lesson's step outputs) in
 * sessionStorage, so that it survives a language switch (a new document: the
 * locale is the root layout) and a reload in the same browser tab. Keyed by
 * the page's path without its locale, so /en/lessons/basics and
 * /zh/lessons/basics share it. `restore` gets the stored value once, after
 * mount; `value` is written back when it changes, through `shrink`, which
 * must bring it under TAB_MEMORY_MAX_CHARS or return null (nothing kept).
 */
export function useTabMemory<T>(kind: string, value: T, restore: (stored: unknown) => void, shrink: (value: T) => string | null): void {
  const path = usePathname() ?? "";
  const key = `pg:${kind}:${withoutLocale(path)}`;
  const loaded = useRef<string | null>(null);
  const latest = useRef({ restore, shrink });
  latest.current = { restore, shrink };

  // Written before the restore below runs (effects run in order): the first run, with the initial value, is skipped.
  useEffect(() => {
    // At once, not debounced: a language switch loads a new document right after the click.
    if (loaded.current !== key) return;
    try {
      const json = latest.current.shrink(value);
      if (json === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, json);
    } catch {
      /* storage full or disabled: the state lives for this page only */
    }
  }, [key, value]);

  useEffect(() => {
    if (loaded.current === key) return;
    loaded.current = key;
    try {
      const json = sessionStorage.getItem(key);
      if (json) latest.current.restore(JSON.parse(json));
    } catch {
      /* unreadable: start empty */
    }
  }, [key]);
}

function withoutLocale(path: string): string {
  const [, first, ...rest] = path.split("/");
  return isLocale(first) ? `/${rest.join("/")}` : path;
}

/**
 * The JSON of the newest items of a list that fit: at most `maxItems`, and
 * the oldest dropped until the whole is under TAB_MEMORY_MAX_CHARS.
 */
export function newestThatFit<T>(items: readonly T[], maxItems: number): string {
  let kept = items.slice(-maxItems);
  let json = JSON.stringify(kept);
  while (json.length > TAB_MEMORY_MAX_CHARS && kept.length > 0) {
    // Drop at least a tenth at a time: a few passes, whatever the sizes.
    kept = kept.slice(Math.max(1, Math.ceil(kept.length / 10)));
    json = JSON.stringify(kept);
  }
  return json;
}
