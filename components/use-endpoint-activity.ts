"use client";

import { useEffect, useRef, useState } from "react";
import { myEndpointActivity } from "@/app/actions";

const OPENED = "pg:endpoint-opened";
const POLL_MS = 1000;
/** After a failed look (Redis down, the server restarting), wait longer before the next. */
const RETRY_MS = 5000;
/** A learner's own client that ran a command this recently is still in use: keep looking. */
const RECENT_MS = 10 * 60_000;

/** Remembers, in this browser, that the learner opened "Connect your own client": from then on the key inspector watches for their client's commands. */
export function markEndpointOpened(): void {
  try {
    localStorage.setItem(OPENED, "1");
  } catch {
    /* remembered for this page only, by the event below */
  }
  window.dispatchEvent(new Event(OPENED));
}

/** Whether the panel was ever opened in this browser (this tab, another tab, an earlier visit). */
function useEndpointOpened(): boolean {
  const [opened, setOpened] = useState(false);
  useEffect(() => {
    try {
      if (localStorage.getItem(OPENED) === "1") setOpened(true);
    } catch {}
    const now = () => setOpened(true);
    const other = (e: StorageEvent) => e.key === OPENED && e.newValue === "1" && setOpened(true);
    window.addEventListener(OPENED, now);
    window.addEventListener("storage", other);
    return () => {
      window.removeEventListener(OPENED, now);
      window.removeEventListener("storage", other);
    };
  }, []);
  return opened;
}

function useVisible(): boolean {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const sync = () => setVisible(document.visibilityState === "visible");
    sync();
    document.addEventListener("visibilitychange", sync);
    return () => document.removeEventListener("visibilitychange", sync);
  }, []);
  return visible;
}

/**
 * Calls `onMove` within about a second of a command from the learner's own
 * Redis client (the endpoint, lib/endpoint/) where this page works, so the
 * key inspector shows what it did. It asks once a second, and only while
 * the page is visible and the learner has opened "Connect your own client"
 * in this browser (or their client was busy in the last ten minutes):
 * everyone else's pages ask nothing.
 */
export function useEndpointActivity(lesson: string | undefined, onMove: () => void): void {
  const opened = useEndpointOpened();
  const visible = useVisible();
  const [recent, setRecent] = useState(false);
  // The last time seen; undefined until the first answer, which is where this page starts from (it has just read the keys).
  const seen = useRef<number | null | undefined>(undefined);
  const move = useRef(onMove);
  move.current = onMove;

  const active = visible && (opened || recent);

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // One look at a time, the next a second after the last answer: a slow server is never asked twice at once.
    const look = async () => {
      const r = await myEndpointActivity(lesson).catch(() => null);
      if (stopped) return;
      if (r?.ok) {
        const at = r.value;
        // Also after the page was hidden: what the client did meanwhile shows once it is visible again.
        if (seen.current !== undefined && at !== seen.current) move.current();
        seen.current = at;
        setRecent(at !== null && Date.now() - at < RECENT_MS);
      }
      timer = setTimeout(look, r?.ok ? POLL_MS : RETRY_MS);
    };
    void look();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, lesson]);
}
