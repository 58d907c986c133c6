"use client";

import { useEffect, useState } from "react";

/** A boolean preference kept in localStorage. */
export function usePersistentFlag(key: string, initial: boolean): [boolean, (v: boolean) => void] {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    const stored = localStorage.getItem(key);
    if (stored !== null) setValue(stored === "1");
  }, [key]);
  return [
    value,
    (v: boolean) => {
      setValue(v);
      try {
        localStorage.setItem(key, v ? "1" : "0");
      } catch {
        /* preference lives for this page only */
      }
    },
  ];
}
