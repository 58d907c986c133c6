"use client";

/** Exercise progress, kept in this browser (localStorage): { slug: [exercise ids done] }. */
const KEY = "pg:progress";

export function loadProgress(): Record<string, string[]> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

export function markDone(slug: string, exercise: string): void {
  const p = loadProgress();
  p[slug] = [...new Set([...(p[slug] ?? []), exercise])];
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    /* private mode: progress lives for this page only */
  }
  window.dispatchEvent(new Event("pg:progress"));
}
