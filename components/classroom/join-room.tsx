"use client";

import { useEffect, useId, useState } from "react";
import { useProblemText, useLocale, useT } from "../i18n";
import { postJson } from "./post-json";

/**
 * A student joins with the code on the projector and a display name; the session comes back as a cookie.
 * The code comes filled in from `?code=` (the QR code) or from the room's own address (`/rooms/<code>`).
 */
export function JoinRoom({ code: given }: { code?: string } = {}) {
  const t = useT().rooms;
  const locale = useLocale();
  const id = useId();
  const [code, setCode] = useState(() => (given && /^[A-Za-z0-9]{6}$/.test(given) ? given.toUpperCase() : ""));
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const say = useProblemText();
  useEffect(() => {
    const c = new URLSearchParams(location.search).get("code");
    if (c) setCode(c.toUpperCase().slice(0, 6));
  }, []);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const c = code.trim().toUpperCase();
    const r = await postJson<{ session: string }>(`/api/v1/rooms/${encodeURIComponent(c)}/join`, { name });
    setBusy(false);
    if (!r.ok) return setError(say(r.error));
    // A full load: the page's room banner and every console pick up the new session.
    window.location.assign(`/${locale}/rooms/${c}`);
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4">
      <label htmlFor={`${id}-code`} className="block space-y-1">
        <span className="font-medium">{t.code}</span>
        <input
          id={`${id}-code`}
          required
          autoComplete="off"
          autoCapitalize="characters"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value.toUpperCase())}
          className="block w-40 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xl tracking-widest dark:border-slate-600 dark:bg-slate-900"
        />
      </label>
      <label htmlFor={`${id}-name`} className="block space-y-1">
        <span className="font-medium">{t.name}</span>
        <input
          id={`${id}-name`}
          required
          maxLength={40}
          value={name}
          onChange={(e) => setName(e.target.value)}
          className="block w-full rounded border border-slate-300 bg-white px-2 py-1 max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
        />
      </label>
      {error && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? t.joining : t.join}
      </button>
    </form>
  );
}
