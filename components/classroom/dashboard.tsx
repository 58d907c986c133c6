"use client";

import { useEffect, useId, useRef, useState } from "react";
import QRCode from "qrcode";
import type { RoomState } from "@/lib/classroom/rooms";
import type { LessonOutline } from "@/lib/classroom/catalog";
import { useProblemText, useLocale, useT } from "../i18n";
import { postJson } from "./post-json";

const STUCK_ERRORS = 3;
const IDLE_MS = 5 * 60_000;

/**
 * The instructor's dashboard: the join code and its QR code to project, the
 * roster with each student's progress per lesson, live (SSE), who looks
 * stuck, and the room's controls. The key is the URL fragment.
 */
export function Dashboard({ code, lessons }: { code: string; lessons: LessonOutline[] }) {
  const t = useT().rooms;
  const tc = useT().classUi;
  const locale = useLocale();
  const id = useId();
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [state, setState] = useState<RoomState | null>(null);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const say = useProblemText();
  const ago = (ms: number) => (ms < 60_000 ? tc.justNow : ms < 3_600_000 ? tc.minutesAgo(Math.floor(ms / 60_000)) : tc.hoursAgo(Math.floor(ms / 3_600_000)));
  const [note, setNote] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  // The class queue's last dispatch: "dispatching" until every one of its jobs is on the table.
  const [dispatching, setDispatching] = useState<number | null>(null);
  const [qr, setQr] = useState("");
  const [now, setNow] = useState(() => Date.now());
  // From the browser's own address (after hydration: the server does not know its public origin).
  const [joinUrl, setJoinUrl] = useState("");

  useEffect(() => {
    setToken(location.hash.slice(1) || null);
    setJoinUrl(`${location.origin}/${locale}/join?code=${code}`);
  }, [locale, code]);
  useEffect(() => {
    if (joinUrl) void QRCode.toString(joinUrl, { type: "svg", margin: 1 }).then(setQr);
  }, [joinUrl]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the stream follows the room and its token; the texts are read when an event comes
  useEffect(() => {
    if (!token) return;
    const es = new EventSource(`/api/v1/rooms/${code}/events?token=${encodeURIComponent(token)}`);
    es.addEventListener("room", (e) => {
      setState(JSON.parse((e as MessageEvent).data));
      setLive(true);
      setError(null);
    });
    es.onerror = () => {
      setLive(false);
      if (es.readyState === EventSource.CLOSED) setError(t.noToken);
    };
    return () => es.close();
  }, [token, code]);

  if (token === null) return <p role="alert">{t.noToken}</p>;
  const act = async (path: string, body: unknown) => {
    const r = await postJson<{ deleted?: number }>(`/api/v1/rooms/${code}/${path}`, body, token ?? undefined);
    if (!r.ok) setError(say(r.error));
    return r;
  };
  const inRoom = lessons.filter((l) => state?.lessons.includes(l.slug));
  const dispatchDone = dispatching !== null && !!state && state.jobs.length >= dispatching;

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold">{t.dashboardFor(state?.title ?? code)}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {t.keepSecret} {!state?.ended && <span className={live ? "text-emerald-700 dark:text-emerald-400" : ""}>● {live ? t.live : t.reconnecting}</span>}
        </p>
        {error && (
          <p role="alert" className="text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        {state?.ended && (
          <p role="status" className="font-medium">
            {t.endedNote}
          </p>
        )}
      </header>

      {token && <SaveLink />}

      {!state?.ended && (
        <section aria-label={t.code} className="flex flex-wrap items-center gap-6 rounded-lg border border-slate-300 p-4 dark:border-slate-700">
          {/* biome-ignore lint/security/noDangerouslySetInnerHtml: the QR code's SVG is made on the server from the join URL (lib/classroom), no visitor text in it */}
          {qr && <div className="size-40 bg-white p-1" role="img" aria-label={t.qr(joinUrl)} dangerouslySetInnerHTML={{ __html: qr }} />}
          <div className="space-y-1">
            <p>
              {t.joinAt} <span className="font-mono">{joinUrl}</span> {t.withCode}
            </p>
            <p className="font-mono text-5xl font-bold tracking-[0.3em]" data-testid="join-code">
              {code}
            </p>
          </div>
        </section>
      )}

      <section aria-labelledby={`${id}-roster`} className="space-y-2">
        <h2 id={`${id}-roster`} className="text-xl font-semibold">
          {t.roster} ({state?.students.length ?? 0})
        </h2>
        {state && state.students.length === 0 && <p>{t.nobody}</p>}
        {state && state.students.length > 0 && (
          <Scroller label={t.roster} cue={tc.scrollCue}>
            <table className="w-full text-left text-sm" data-testid="roster">
              <thead>
                <tr className="border-b border-slate-300 dark:border-slate-700">
                  <th scope="col" className="sticky left-0 z-10 bg-white py-1 pr-3 align-bottom dark:bg-[#0b0f14]">
                    {t.student}
                  </th>
                  {inRoom.map((l) => (
                    <th key={l.slug} scope="col" className="min-w-36 py-1 pr-3 align-bottom font-semibold">
                      {l.title}
                    </th>
                  ))}
                  <th scope="col" className="whitespace-nowrap py-1 pr-3 align-bottom">
                    {t.lastSeen}
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.students.map((s) => {
                  const idle = now - s.lastAt > IDLE_MS;
                  const stuck = s.errorsInARow >= STUCK_ERRORS || idle;
                  return (
                    <tr key={s.session} className="border-b border-slate-200 dark:border-slate-800" data-testid="roster-row">
                      <th scope="row" className="sticky left-0 z-10 min-w-24 max-w-40 break-words bg-white py-1 pr-3 font-medium dark:bg-[#0b0f14]">
                        {s.name}
                        {stuck && (
                          <span
                            className="ml-2 rounded bg-amber-100 px-1 text-xs text-amber-950 dark:bg-amber-900 dark:text-amber-50"
                            title={s.errorsInARow >= STUCK_ERRORS ? t.stuckWhy(s.errorsInARow) : t.idle(Math.round((now - s.lastAt) / 60_000))}
                          >
                            {t.stuck}: {s.errorsInARow >= STUCK_ERRORS ? t.stuckWhy(s.errorsInARow) : t.idle(Math.round((now - s.lastAt) / 60_000))}
                          </span>
                        )}
                      </th>
                      {inRoom.map((l) => {
                        const steps = (s.steps[l.slug] ?? []).filter((x) => l.steps.includes(x)).length;
                        const ex = (s.exercises[l.slug] ?? []).length;
                        return (
                          <td key={l.slug} className="py-1 pr-3" data-testid={`progress-${l.slug}`}>
                            <div
                              className="h-2 w-28 overflow-hidden rounded-full bg-slate-200 ring-1 ring-slate-300 ring-inset dark:bg-slate-700 dark:ring-slate-500"
                              aria-hidden
                              data-testid="progress-track"
                            >
                              <div
                                className="h-full rounded-full bg-emerald-600 dark:bg-emerald-400"
                                style={{ width: `${l.steps.length ? (100 * steps) / l.steps.length : 0}%` }}
                              />
                            </div>
                            <span className="block whitespace-nowrap text-xs">{t.steps(steps, l.steps.length)}</span>
                            <span className="block whitespace-nowrap text-xs text-slate-600 dark:text-slate-400">{t.exercises(ex, l.exercises.length)}</span>
                          </td>
                        );
                      })}
                      <td className="whitespace-nowrap py-1 pr-3 text-xs" data-testid="last-seen">
                        <time dateTime={new Date(s.lastAt).toISOString()} title={new Date(s.lastAt).toLocaleTimeString(locale === "zh" ? "zh-CN" : "en")}>
                          {ago(now - s.lastAt)}
                        </time>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Scroller>
        )}
      </section>

      {state?.lessons.includes("message-queue") && (
        <ClassQueue
          state={state}
          onDispatch={(body) =>
            act("dispatch", body).then((r) => {
              if (!r.ok) return;
              // The server empties the table when the run starts: so does this view, until the run's first jobs arrive.
              setState((s) => (s ? { ...s, jobs: [] } : s));
              setDispatching(body.jobs);
              setNote(null);
            })
          }
          status={dispatching === null ? null : dispatchDone ? tc.dispatchedAll(dispatching) : t.dispatched}
          disabled={!token || state.ended}
        />
      )}

      <section className="space-y-3" aria-label={t.send}>
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void act("broadcast", { message }).then((r) => r.ok && (setMessage(""), setNote(t.sent)));
          }}
        >
          <label htmlFor={`${id}-msg`} className="flex min-w-64 flex-1 flex-col gap-1 text-sm">
            {t.message}
            <input
              id={`${id}-msg`}
              required
              maxLength={500}
              disabled={state?.ended}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              className="rounded border border-slate-300 bg-white px-2 py-1 max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
            />
          </label>
          <button type="submit" className="btn-primary" disabled={!token || state?.ended}>
            {t.send}
          </button>
        </form>
        <div className="flex flex-wrap gap-2">
          <button
            type="button"
            className={`btn ${confirmReset ? "border-red-600 text-red-700 dark:text-red-300" : ""}`}
            disabled={!token || state?.ended}
            onBlur={() => setConfirmReset(false)}
            onClick={() =>
              confirmReset
                ? void act("reset", {}).then((r) => {
                    setConfirmReset(false);
                    if (r.ok) setNote(t.resetDone(r.value.deleted ?? 0));
                  })
                : setConfirmReset(true)
            }
          >
            {confirmReset ? tc.resetSharedConfirm : t.reset}
          </button>
          <button
            type="button"
            className={`btn ${confirmEnd ? "border-red-600 text-red-700 dark:text-red-300" : ""}`}
            disabled={!token || state?.ended}
            onBlur={() => setConfirmEnd(false)}
            onClick={() => (confirmEnd ? void act("end", {}).then(() => setConfirmEnd(false)) : setConfirmEnd(true))}
          >
            {confirmEnd ? t.endConfirm : t.end}
          </button>
        </div>
        <p role="status" className="text-sm">
          {note}
        </p>
      </section>
    </div>
  );
}

function ClassQueue({
  state,
  onDispatch,
  status,
  disabled,
}: {
  state: RoomState;
  onDispatch(body: { jobs: number; channels: number; intervalMs: number }): void;
  status: string | null;
  disabled: boolean;
}) {
  const t = useT().rooms;
  const id = useId();
  const [jobs, setJobs] = useState(10);
  const [channels, setChannels] = useState(5);
  const [intervalMs, setIntervalMs] = useState(2000);
  const num = (label: string, v: number, set: (n: number) => void, min: number, max: number, key: string) => (
    <label htmlFor={`${id}-${key}`} className="flex flex-col gap-1 text-sm">
      {label}
      <input
        id={`${id}-${key}`}
        type="number"
        min={min}
        max={max}
        value={v}
        onChange={(e) => set(Math.max(min, Math.min(max, Math.round(Number(e.target.value) || min))))}
        className="w-28 rounded border border-slate-300 bg-white px-2 py-1 font-mono max-lg:min-h-11 max-lg:text-base dark:border-slate-600 dark:bg-slate-900"
      />
    </label>
  );
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-2">
      <h2 id={`${id}-h`} className="text-xl font-semibold">
        {t.queueHeading}
      </h2>
      <p className="max-w-3xl text-sm text-slate-700 dark:text-slate-300">{t.queueIntro}</p>
      <div className="flex flex-wrap items-end gap-3">
        {num(t.queueJobs, jobs, setJobs, 1, 50, "jobs")}
        {num(t.queueChannels, channels, setChannels, 1, 10, "channels")}
        {num(t.queueInterval, intervalMs, setIntervalMs, 0, 10000, "interval")}
        <button type="button" className="btn-primary" disabled={disabled} onClick={() => onDispatch({ jobs, channels, intervalMs })}>
          {t.dispatch}
        </button>
      </div>
      <p role="status" className="text-sm" data-testid="dispatch-status">
        {status}
      </p>
      {state.jobs.length > 0 && (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className="text-left text-sm" data-testid="class-jobs">
            <thead>
              <tr className="border-b border-slate-300 dark:border-slate-700">
                <th scope="col" className="py-1 pr-4">
                  {t.job}
                </th>
                <th scope="col" className="py-1 pr-4">
                  {t.channel}
                </th>
                <th scope="col" className="py-1 pr-4">
                  {t.state}
                </th>
                <th scope="col" className="py-1 pr-4">
                  {t.by}
                </th>
              </tr>
            </thead>
            <tbody>
              {state.jobs.map((j) => (
                <tr key={j.job} className="border-b border-slate-200 dark:border-slate-800" data-testid="class-job">
                  <td className="py-1 pr-4 font-mono">{j.job}</td>
                  <td className="py-1 pr-4 font-mono">{j.lane}</td>
                  <td className="whitespace-nowrap py-1 pr-4">{t.jobState[j.state] ?? j.state}</td>
                  <td className="py-1 pr-4">{j.by ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The dashboard's link is its only key (only a hash of the token is stored; nothing can send it again):
 * say so where the instructor sees it first, and offer to copy it.
 */
function SaveLink() {
  const tc = useT().classUi;
  const id = useId();
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setCopied(tc.copied);
    } catch {
      setCopied(tc.copyFailed);
    }
  };
  return (
    <section
      aria-labelledby={`${id}-h`}
      className="space-y-2 rounded-lg border border-amber-500 bg-amber-50 p-4 text-amber-950 dark:border-amber-600 dark:bg-amber-950 dark:text-amber-50"
      data-testid="save-link"
    >
      <h2 id={`${id}-h`} className="font-semibold">
        {tc.saveLinkHeading}
      </h2>
      <p className="max-w-3xl text-sm">{tc.saveLinkMore}</p>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className="btn" onClick={() => void copy()}>
          {tc.copyLink}
        </button>
        <span role="status" className="text-sm">
          {copied}
        </span>
      </div>
    </section>
  );
}

/**
 * A wide table that scrolls sideways on a small screen: the first column stays, and while more lies to
 * the right a cue says so (and a shadow on the edge shows it).
 */
function Scroller({ label, cue, children }: { label: string; cue: string; children: React.ReactNode }) {
  const ref = useRef<HTMLElement>(null);
  const [more, setMore] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setMore(el.scrollLeft + el.clientWidth < el.scrollWidth - 4);
    check();
    el.addEventListener("scroll", check, { passive: true });
    const ro = new ResizeObserver(check);
    ro.observe(el);
    if (el.firstElementChild) ro.observe(el.firstElementChild);
    return () => {
      el.removeEventListener("scroll", check);
      ro.disconnect();
    };
  }, []);
  return (
    <div className="relative">
      {more && (
        <p className="mb-1 text-right text-xs text-slate-600 dark:text-slate-400" data-testid="scroll-cue">
          {cue} →
        </p>
      )}
      <section ref={ref} className="overflow-x-auto" tabIndex={0} aria-label={label}>
        {children}
      </section>
      {more && (
        <div aria-hidden className="pointer-events-none absolute inset-y-0 right-0 w-8 bg-gradient-to-l from-slate-900/15 to-transparent dark:from-black/60" />
      )}
    </div>
  );
}
