"use client";

import { useEffect, useId, useRef, useState } from "react";
import { type EndpointAccess, myEndpointAccess, rotateMyEndpointPassword } from "@/app/actions";
import { useLocale, useProblemText, useT } from "./i18n";
import { markEndpointOpened } from "./use-endpoint-activity";
import { problem } from "@/lib/problems";

type State = { kind: "closed" } | { kind: "loading" } | { kind: "off" } | { kind: "error"; text: string } | { kind: "ready"; access: EndpointAccess };
type What = "host" | "port" | "user" | "password" | "cli" | "python" | "node" | "insight";

const MASK = "••••••••••••";

/**
 * "Connect your own client": where the playground's Redis protocol endpoint
 * listens and this visitor's username and password, with lines to paste into
 * redis-cli, redis-py, ioredis and Redis Insight, and a button for a new
 * password. Collapsed at first; it asks the server only when opened, so a
 * page load costs nothing. `lesson`: the lesson page it sits on (its keys may
 * be a workshop's, user `room`).
 */
export function EndpointPanel({ lesson }: { lesson?: string }) {
  const t = useT().endpoint;
  const locale = useLocale();
  const say = useProblemText();
  const [state, setState] = useState<State>({ kind: "closed" });
  const [copied, setCopied] = useState<What | null>(null);
  const [announce, setAnnounce] = useState("");
  const [masked, setMasked] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotation, setRotation] = useState<{ ok: boolean; text: string } | null>(null);
  const copiedTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const rotateRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => () => clearTimeout(copiedTimer.current), []);
  useEffect(() => {
    if (confirm) confirmRef.current?.focus();
  }, [confirm]);
  const refocus = useRef(false);
  useEffect(() => {
    if (rotating || !refocus.current) return;
    refocus.current = false;
    rotateRef.current?.focus();
  }, [rotating]);

  const load = async () => {
    setState({ kind: "loading" });
    const r = await myEndpointAccess(locale, lesson).catch(() => null);
    if (!r) setState({ kind: "error", text: say(problem("client:no-answer")) });
    else if (!r.ok) setState({ kind: "error", text: say(r.error) });
    else setState(r.value ? { kind: "ready", access: r.value } : { kind: "off" });
  };

  const onToggle = (e: React.SyntheticEvent<HTMLDetailsElement>) => {
    if (!e.currentTarget.open) return;
    markEndpointOpened();
    if (state.kind === "closed" || state.kind === "error") void load();
  };

  // A live region says the same words only when they change: the same copy twice is still announced twice.
  const tell = (text: string) => setAnnounce((before) => (before === text ? `${text}\u00a0` : text));

  const copy = async (what: What, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
      tell(t.copiedLabel(t.what[what]));
      clearTimeout(copiedTimer.current);
      copiedTimer.current = setTimeout(() => setCopied(null), 1500);
    } catch {
      tell(t.copyFailed);
    }
  };

  const cancel = () => {
    setConfirm(false);
    rotateRef.current?.focus();
  };

  const onEscape = (e: React.KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      cancel();
    }
  };

  const rotate = async () => {
    setConfirm(false);
    setRotating(true);
    setRotation(null);
    try {
      const r = await rotateMyEndpointPassword(locale, lesson).catch(() => null);
      if (!r) setRotation({ ok: false, text: say(problem("client:no-answer")) });
      else if (!r.ok) setRotation({ ok: false, text: say(r.error) });
      else if (!r.value) setState({ kind: "off" });
      else {
        setState({ kind: "ready", access: r.value });
        setRotation({ ok: true, text: t.rotated });
      }
    } finally {
      // Back on New password once it is enabled again (a disabled button takes no focus).
      refocus.current = true;
      setRotating(false);
    }
  };

  const copyButton = (what: What, text: string) => (
    <button
      type="button"
      className="inline-flex min-h-9 shrink-0 items-center rounded-md border border-slate-300 px-2.5 text-xs font-medium hover:bg-slate-100 max-lg:min-h-11 max-lg:min-w-11 max-lg:justify-center dark:border-slate-600 dark:hover:bg-slate-800"
      onClick={() => void copy(what, text)}
      aria-label={t.copyLabel(t.what[what])}
      data-testid={`endpoint-copy-${what}`}
    >
      {copied === what ? `✓ ${t.copied}` : t.copy}
    </button>
  );

  return (
    <details
      className="group rounded-lg border border-slate-300 text-sm dark:border-slate-700"
      onToggle={onToggle}
      data-testid="endpoint-panel"
      data-state={state.kind}
    >
      <summary className="flex min-h-11 cursor-pointer list-none flex-wrap items-center gap-x-2 rounded-lg px-3 py-2 hover:bg-slate-50 dark:hover:bg-slate-900 [&::-webkit-details-marker]:hidden">
        <svg
          aria-hidden
          viewBox="0 0 12 12"
          className="size-3 shrink-0 text-slate-600 transition-transform group-open:rotate-90 motion-reduce:transition-none dark:text-slate-400"
        >
          <path d="M4 2l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span className="font-semibold">{t.heading}</span>
        <span className="text-xs text-slate-600 dark:text-slate-400">{t.summaryMore}</span>
      </summary>
      <div className="@container space-y-3 border-t border-slate-300 px-3 py-3 dark:border-slate-700">
        {state.kind === "loading" && (
          <p role="status" className="text-slate-600 dark:text-slate-400">
            {t.loading}
          </p>
        )}
        {state.kind === "off" && <p data-testid="endpoint-off">{t.off}</p>}
        {state.kind === "error" && (
          <div className="space-y-2">
            <p role="alert" className="text-red-700 dark:text-red-400" data-testid="endpoint-error">
              {state.text}
            </p>
            <button type="button" className="btn" onClick={() => void load()}>
              {t.retry}
            </button>
          </div>
        )}
        {state.kind === "ready" && (
          <Ready
            access={state.access}
            lesson={lesson}
            masked={masked}
            setMasked={setMasked}
            copyButton={copyButton}
            rotate={
              <div className="space-y-2 pt-1">
                <button
                  ref={rotateRef}
                  type="button"
                  className="btn"
                  aria-expanded={confirm}
                  aria-controls={`${id}-confirm`}
                  disabled={rotating}
                  onClick={() => setConfirm(!confirm)}
                  data-testid="endpoint-rotate"
                >
                  {rotating ? t.rotating : t.rotate}
                </button>
                <fieldset
                  id={`${id}-confirm`}
                  hidden={!confirm}
                  className="space-y-2 rounded-md border border-red-300 bg-red-50 p-3 dark:border-red-800 dark:bg-red-950"
                >
                  <legend className="float-left mb-2 w-full text-red-900 dark:text-red-100">{t.rotateWarn}</legend>
                  <div className="clear-left flex flex-wrap gap-2">
                    <button
                      ref={confirmRef}
                      type="button"
                      className="btn-primary"
                      onClick={() => void rotate()}
                      onKeyDown={onEscape}
                      disabled={rotating}
                      data-testid="endpoint-rotate-confirm"
                    >
                      {t.rotateConfirm}
                    </button>
                    <button type="button" className="btn bg-white dark:bg-slate-900" onClick={cancel} onKeyDown={onEscape}>
                      {t.rotateCancel}
                    </button>
                  </div>
                </fieldset>
                <p
                  role="status"
                  className={rotation?.ok === false ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}
                  data-testid="endpoint-rotation"
                >
                  {rotation?.text}
                </p>
              </div>
            }
          />
        )}
        <p role="status" className="sr-only" data-testid="endpoint-announce">
          {announce}
        </p>
      </div>
    </details>
  );
}

function Ready({
  access: a,
  lesson,
  masked,
  setMasked,
  copyButton,
  rotate,
}: {
  access: EndpointAccess;
  lesson?: string;
  masked: boolean;
  setMasked(v: boolean): void;
  copyButton(what: What, text: string): React.ReactNode;
  rotate: React.ReactNode;
}) {
  const t = useT().endpoint;
  const id = useId();
  const lines = clientLines(a);
  // What is shown; the copy buttons always copy the real password.
  const shown = (text: string) => (masked ? text.replaceAll(a.password, MASK) : text);
  const rows: Array<[What, string, string]> = [
    ["host", t.host, a.host],
    ["port", t.port, String(a.port)],
    ["user", t.user, a.user],
    ["password", t.password, a.password],
  ];
  const snippets: Array<[What, string, string]> = [
    ["cli", t.cli, lines.cli],
    ["python", t.python, lines.python],
    ["node", t.node, lines.node],
  ];
  const code = "rounded-md bg-slate-50 px-2 py-1.5 font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere] dark:bg-slate-950";
  return (
    <>
      <p>{lesson ? t.sameKeysLesson : t.sameKeysConsole}</p>
      {a.room && (
        <p
          className="rounded-md border border-sky-400 bg-sky-50 px-3 py-2 text-sky-950 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-50"
          data-testid="endpoint-room"
        >
          {t.room}
        </p>
      )}
      {/* Side by side where the panel is wide (the console page), one above the other in a lesson's side column and on a phone. */}
      <div className="grid gap-x-8 gap-y-4 @3xl:grid-cols-[minmax(0,24rem)_minmax(0,1fr)]">
        <div className="space-y-3">
          <dl aria-label={t.details} className="space-y-1.5">
            {rows.map(([what, label, value]) => (
              <div key={what} className="flex items-center gap-2">
                <dt className="w-20 shrink-0 text-slate-600 dark:text-slate-400">{label}</dt>
                <dd className="flex min-w-0 flex-1 items-center gap-2">
                  <span className="min-w-0 flex-1 font-mono break-all" data-testid={`endpoint-${what}`}>
                    {what === "password" && masked ? (
                      <>
                        <span aria-hidden>{MASK}</span>
                        <span className="sr-only">{t.hidden}</span>
                      </>
                    ) : (
                      value
                    )}
                  </span>
                  {copyButton(what, value)}
                </dd>
              </div>
            ))}
            {a.tls && (
              <div className="flex items-center gap-2">
                <dt className="w-20 shrink-0 text-slate-600 dark:text-slate-400">{t.tls}</dt>
                <dd>{t.tlsOn}</dd>
              </div>
            )}
          </dl>
          <label className="inline-flex min-h-9 cursor-pointer items-center gap-2 max-lg:min-h-11">
            <input type="checkbox" className="size-4 accent-brand-700" checked={masked} onChange={(e) => setMasked(e.target.checked)} />
            {t.hidePassword}
          </label>
          {rotate}
        </div>
        <section aria-labelledby={`${id}-lines`} className="space-y-2">
          {/* Not a heading: the panel's place in the page's outline differs (under the console page's h1, under a lesson's Your keys). */}
          <p id={`${id}-lines`} className="font-semibold">
            {t.lines}
          </p>
          <ul className="space-y-3">
            {snippets.map(([what, label, text]) => (
              <li key={what} className="space-y-1">
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium">{label}</span>
                  {copyButton(what, text)}
                </div>
                <pre className={code} data-testid={`endpoint-line-${what}`}>
                  {shown(text)}
                </pre>
              </li>
            ))}
            <li className="space-y-1">
              <div className="flex items-center justify-between gap-2">
                <span className="font-medium">{t.insight}</span>
                {copyButton("insight", lines.url)}
              </div>
              <p className="text-slate-700 dark:text-slate-300">
                {t.insightFields}
                {a.tls && ` ${t.insightTls}`}
              </p>
              <pre className={code} data-testid="endpoint-line-insight">
                {shown(lines.url)}
              </pre>
            </li>
          </ul>
        </section>
      </div>
    </>
  );
}

/** The lines a learner pastes into redis-cli, redis-py, ioredis and Redis Insight to reach their keys. */
export function clientLines(a: EndpointAccess): { cli: string; python: string; node: string; url: string } {
  const cli = ["redis-cli", "-h", a.host, "-p", String(a.port), ...(a.tls ? ["--tls"] : []), "--user", a.user, "--pass", a.password].map(shellWord).join(" ");
  // A JSON string is a valid string literal in Python and in JavaScript alike.
  const s = JSON.stringify;
  const python = `import redis\nr = redis.Redis(host=${s(a.host)}, port=${a.port}, username=${s(a.user)}, password=${s(a.password)}${a.tls ? ", ssl=True" : ""}, decode_responses=True)`;
  const node = `import Redis from "ioredis";\nconst redis = new Redis({ host: ${s(a.host)}, port: ${a.port}, username: ${s(a.user)}, password: ${s(a.password)}${a.tls ? ", tls: {}" : ""} });`;
  const host = a.host.includes(":") ? `[${a.host}]` : a.host;
  const url = `${a.tls ? "rediss" : "redis"}://${encodeURIComponent(a.user)}:${encodeURIComponent(a.password)}@${host}:${a.port}`;
  return { cli, python, node, url };
}

/** A word as a POSIX shell reads it: as it is when it has nothing the shell would interpret, else in single quotes. */
const shellWord = (w: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`);
