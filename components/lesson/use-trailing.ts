"use client";

import { useEffect, useRef, useState } from "react";

/** `value`, updated at most every `ms` (the last change always arrives): for views refreshed after every command. */
export function useTrailing<T>(value: T, ms: number): T {
  const [out, setOut] = useState(value);
  const latest = useRef(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  latest.current = value;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `value` is the trigger; the timeout reads the latest value from its ref
  useEffect(() => {
    timer.current ??= setTimeout(() => {
      timer.current = null;
      setOut(latest.current);
    }, ms);
  }, [value, ms]);
  useEffect(
    () => () => {
      clearTimeout(timer.current ?? undefined);
      timer.current = null; // mounted again (React's StrictMode in development): the next change starts a timer
    },
    [],
  );
  return out;
}
