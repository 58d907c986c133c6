"use client";

import { useCallback, useEffect, useRef } from "react";

const MAX = 500;

/** Command history on ↑/↓, kept in localStorage across reloads. */
export function useHistory(key: string) {
  const items = useRef<string[]>([]);
  const cursor = useRef<number>(-1); // -1: not browsing
  const draft = useRef("");

  useEffect(() => {
    try {
      const stored = JSON.parse(localStorage.getItem(key) ?? "[]");
      if (Array.isArray(stored)) items.current = stored.filter((s) => typeof s === "string").slice(-MAX);
    } catch {
      items.current = [];
    }
  }, [key]);

  const push = useCallback(
    (line: string) => {
      const list = items.current;
      if (list[list.length - 1] !== line) list.push(line);
      if (list.length > MAX) list.splice(0, list.length - MAX);
      try {
        localStorage.setItem(key, JSON.stringify(list));
      } catch {
        /* storage full or disabled: history lives for this page only */
      }
    },
    [key],
  );

  const older = useCallback((current: string): string | null => {
    const list = items.current;
    if (list.length === 0) return null;
    if (cursor.current === -1) {
      draft.current = current;
      cursor.current = list.length;
    }
    if (cursor.current === 0) return null;
    cursor.current--;
    return list[cursor.current];
  }, []);

  const newer = useCallback((): string | null => {
    const list = items.current;
    if (cursor.current === -1) return null;
    cursor.current++;
    if (cursor.current >= list.length) {
      cursor.current = -1;
      return draft.current;
    }
    return list[cursor.current];
  }, []);

  const reset = useCallback(() => {
    cursor.current = -1;
  }, []);

  return { push, older, newer, reset };
}
