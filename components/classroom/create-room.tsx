"use client";

import { useId, useState } from "react";
import { useRouter } from "next/navigation";
import { useProblemText, useLocale, useT } from "../i18n";
import { postJson } from "./post-json";

/** The instructor's form: a title and the lessons; the dashboard opens with its secret in the URL fragment. */
export function CreateRoom({ lessons }: { lessons: Array<{ slug: string; title: string }> }) {
  const t = useT().rooms;
  const locale = useLocale();
  const router = useRouter();
  const id = useId();
  const [title, setTitle] = useState("");
  const [picked, setPicked] = useState<string[]>(lessons.map((l) => l.slug));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const say = useProblemText();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await postJson<{ code: string; instructorToken: string }>("/api/v1/rooms", { title, lessons: picked });
    setBusy(false);
    if (!r.ok) return setError(say(r.error));
    // The fragment never reaches a server or its logs.
    router.push(`/${locale}/rooms/${r.value.code}/dashboard#${r.value.instructorToken}`);
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4">
      <label htmlFor={`${id}-title`} className="block space-y-1">
        <span className="font-medium">{t.title}</span>
        <input
          id={`${id}-title`}
          required
          maxLength={100}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          className="block w-full rounded border border-slate-300 bg-white px-2 py-1 max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
        />
      </label>
      <fieldset className="space-y-1">
        <legend className="font-medium">{t.lessons}</legend>
        {lessons.map((l) => (
          <label key={l.slug} className="flex items-center gap-2 max-lg:min-h-11">
            <input
              type="checkbox"
              checked={picked.includes(l.slug)}
              onChange={(e) => setPicked((p) => (e.target.checked ? [...p, l.slug] : p.filter((x) => x !== l.slug)))}
            />
            {l.title}
          </label>
        ))}
      </fieldset>
      {error && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? t.creating : t.create}
      </button>
    </form>
  );
}
