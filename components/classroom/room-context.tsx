"use client";

import { createContext, useContext, useEffect, useState } from "react";
import Link from "next/link";
import { myRoom } from "@/app/actions";
import { useLocale, useT } from "../i18n";

export interface RoomInfo {
  code: string;
  title: string;
  lessons: string[];
  broadcast: { message: string; at: number } | null;
  ended: boolean;
}

const RoomContext = createContext<RoomInfo | null>(null);

/** The workshop a student's session joined (null for everyone else). */
export function useRoom(): RoomInfo | null {
  return useContext(RoomContext);
}

/**
 * For a student: which workshop they are in, and the instructor's broadcasts,
 * live (SSE), shown on every page. Nothing for anyone else.
 */
export function RoomProvider({ children }: { children: React.ReactNode }) {
  const [room, setRoom] = useState<RoomInfo | null>(null);
  useEffect(() => {
    let es: EventSource | null = null;
    let live = true;
    void myRoom().then((r) => {
      if (!live || !r.ok || !r.value) return;
      const base = r.value;
      setRoom({ ...base, broadcast: null, ended: false });
      es = new EventSource(`/api/v1/rooms/${base.code}/student-events`);
      es.addEventListener("room", (e) => {
        const s = JSON.parse((e as MessageEvent).data) as { broadcast: RoomInfo["broadcast"]; ended: boolean; title: string; lessons: string[] };
        setRoom({ code: base.code, title: s.title, lessons: s.lessons, broadcast: s.broadcast, ended: s.ended });
        if (s.ended) es?.close();
      });
    });
    return () => {
      live = false;
      es?.close();
    };
  }, []);
  return (
    <RoomContext.Provider value={room}>
      {room && <RoomBanner room={room} />}
      {children}
    </RoomContext.Provider>
  );
}

function RoomBanner({ room }: { room: RoomInfo }) {
  const t = useT().rooms;
  const [dismissed, setDismissed] = useState(0);
  const locale = useLocale();
  return (
    <div className="mb-4 space-y-2" data-testid="room-banner">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        <Link className="underline" href={`/${locale}/rooms/${room.code}`}>
          {t.inWorkshop(room.title)}
        </Link>
      </p>
      {/* Always in the page, so screen readers announce a message when it arrives; pinned where a scrolled-down student sees it. */}
      <div role="status" aria-live="polite" className="fixed inset-x-4 bottom-4 z-40 mx-auto max-w-2xl empty:hidden">
        {room.broadcast && !room.ended && room.broadcast.at !== dismissed && (
          <div
            className="flex items-start gap-3 rounded-md border border-sky-500 bg-sky-50 px-3 py-2 text-sky-950 shadow-lg dark:bg-sky-950 dark:text-sky-50"
            data-testid="broadcast"
          >
            <p className="flex-1">
              <strong>{t.broadcast}:</strong> {room.broadcast.message}
            </p>
            <button type="button" className="rounded px-2 text-lg leading-none" aria-label={t.dismiss} onClick={() => setDismissed(room.broadcast?.at ?? 0)}>
              ×
            </button>
          </div>
        )}
      </div>
      {room.ended && (
        <div role="status" className="rounded-md border border-amber-500 bg-amber-50 px-3 py-2 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
          {t.ended}
        </div>
      )}
    </div>
  );
}
