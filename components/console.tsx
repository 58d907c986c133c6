"use client";

import { useCallback, useEffect, useId, useImperativeHandle, useRef, useState } from "react";
import { formatReply } from "@/lib/cli/format-reply";
import { completions, didYouMean, hint } from "@/lib/cli/completion";
import type { CommandDoc } from "@/lib/command-docs";
import type { Reply } from "@/lib/resp/reply";
import { loadCommandDocs, redisStatus, resetMyData, runCommand } from "@/app/actions";
import { useHistory } from "./use-history";
import { useSubscription } from "./use-subscription";
import { usePersistentFlag } from "./use-persistent-flag";
import { useLocale, useProblemText, useT } from "./i18n";
import { problemText } from "@/lib/i18n/problems";
import { type Problem, type ProblemCode, problem } from "@/lib/problems";

/** What a lesson page can do with the console: run a block's commands in it, as if typed. */
export interface ConsoleHandle {
  run(line: string, client?: string): Promise<{ reply?: Reply; text: string; failure?: string }>;
  note(text: string): void;
  /** Runs a line without showing it (ending a transaction left open before Run all steps). */
  quietly(line: string): Promise<void>;
}

type Entry =
  | { id: number; kind: "command"; input: string; client?: string; reply?: Reply; ms?: number; notices?: Problem[]; pending: boolean; failure?: Problem }
  | { id: number; kind: "stream"; reply: Reply }
  | { id: number; kind: "note"; text: string; tone: "info" | "error" };

const PROMPT = "redis>";

/** What the server says when a tab's transaction ended without its EXEC or DISCARD (lib/sandbox/leases.ts). */
const TX_ENDED = new Set<ProblemCode>(["lease:idle", "lease:lost", "lease:login"]);

/** This tab's id: each console tab is its own client, with its own MULTI/WATCH (like two redis-cli windows). */
function tabId(): string {
  try {
    let id = sessionStorage.getItem("pg:tab");
    if (!id) sessionStorage.setItem("pg:tab", (id = crypto.randomUUID().replace(/-/g, "").slice(0, 16)));
    return id;
  } catch {
    return "default";
  }
}

/**
 * The free console: a redis-cli in the browser. Keyboard first — Enter runs,
 * ↑/↓ walk the history, Tab completes, Ctrl+L clears, Esc empties the prompt.
 */
export function Console({
  handle,
  onCommand,
  lesson,
  embedded,
}: {
  handle?: React.Ref<ConsoleHandle>;
  onCommand?: () => void;
  lesson?: string;
  embedded?: boolean;
} = {}) {
  const t = useT().console;
  const [entries, setEntries] = useState<Entry[]>([]);
  const [value, setValue] = useState("");
  const [docs, setDocs] = useState<CommandDoc[]>([]);
  const [raw, setRaw] = usePersistentFlag("pg:raw", false);
  const [down, setDown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  // In MULTI the prompt says so, as redis-cli's "127.0.0.1:6379(TX)>" does.
  const [inTx, setInTx] = useState(false);
  const zh = useLocale() === "zh";
  const say = useProblemText();
  const sub = useSubscription((e) => {
    if (e.type === "reply") setEntries((x) => [...x, { id: nextId.current++, kind: "stream", reply: e.reply }]);
    else {
      note(e.text, e.type === "error" ? "error" : "info");
      // In 中文, a refusal of the playground's own is explained under it, as for commands.
      if (zh && e.problem) note(problemText(e.problem, "zh"), "info");
    }
  }, lesson);
  const history = useHistory("pg:history");
  const inputRef = useRef<HTMLInputElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const nextId = useRef(1);
  const tabState = useRef<{ base: string; options: string[]; index: number } | null>(null);
  const inputId = useId();
  const hintId = useId();

  const loadDocs = useCallback(async () => {
    const r = await loadCommandDocs();
    if (r.ok) setDocs(r.value);
    else if (r.unavailable) setDown(true);
  }, []);

  useEffect(() => {
    void loadDocs();
  }, [loadDocs]);

  // While Redis is down, poll until it is back, then say so.
  // biome-ignore lint/correctness/useExhaustiveDependencies: polls only while `down`; note, loadDocs and docs are read when Redis is back
  useEffect(() => {
    if (!down) return;
    const timer = setInterval(async () => {
      if (await redisStatus().catch(() => false)) {
        setDown(false);
        note(t.back, "info");
        if (docs.length === 0) void loadDocs();
      }
    }, 2000);
    return () => clearInterval(timer);
  }, [down]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `entries` is the trigger: scroll to the end when a line is added
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries]);

  function note(text: string, tone: "info" | "error") {
    setEntries((e) => [...e, { id: nextId.current++, kind: "note", text, tone }]);
  }

  async function run(line: string, client?: string): Promise<{ reply?: Reply; text: string; failure?: string }> {
    const id = nextId.current++;
    setEntries((e) => [...e, { id, kind: "command", input: line, client, pending: true }]);
    if (!client) history.push(line);
    setBusy(true);
    try {
      const r = await runCommand(line, client ? `${tabId()}-${client}`.slice(0, 40) : tabId(), lesson);
      setEntries((e) =>
        e.map((x) =>
          x.id === id && x.kind === "command"
            ? r.ok
              ? { ...x, pending: false, reply: r.value.reply, ms: r.value.ms, notices: r.value.notices }
              : { ...x, pending: false, failure: r.error }
            : x,
        ),
      );
      if (!r.ok && r.unavailable) setDown(true);
      if (r.ok && !client) {
        const word = line.trim().split(/\s+/, 1)[0].toUpperCase();
        if (word === "MULTI" && r.value.reply.t === "status") setInTx(true);
        const said = [...(r.value.notices ?? []), ...(r.value.reply.t === "error" && r.value.reply.problem ? [r.value.reply.problem] : [])];
        if (word === "EXEC" || word === "DISCARD" || said.some((p) => TX_ENDED.has(p.code))) setInTx(false);
      }
      return r.ok ? { reply: r.value.reply, text: r.value.text } : { text: say(r.error), failure: say(r.error) };
    } catch {
      const lost = problem("client:no-answer");
      setEntries((e) => e.map((x) => (x.id === id && x.kind === "command" ? { ...x, pending: false, failure: lost } : x)));
      return { text: say(lost), failure: say(lost) };
    } finally {
      setBusy(false);
      onCommand?.();
    }
  }

  useImperativeHandle(handle, () => ({
    run,
    note: (text: string) => note(text, "info"),
    quietly: async (line: string) => {
      await runCommand(line, tabId(), lesson).catch(() => undefined);
      setInTx(false);
    },
  }));

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key !== "Tab") tabState.current = null;
    if (e.key === "Enter") {
      e.preventDefault();
      const line = value;
      setValue("");
      history.reset();
      if (line.trim() === "") return;
      if (/^\s*clear\s*$/i.test(line)) return setEntries([]);
      if (sub.handles(line)) {
        history.push(line);
        setEntries((x) => [...x, { id: nextId.current++, kind: "command", input: line, pending: false }]);
        return sub.run(line);
      }
      void run(line);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      const v = history.older(value);
      if (v !== null) setValue(v);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      const v = history.newer();
      if (v !== null) setValue(v);
    } else if (e.key === "Tab" && !e.shiftKey && value.trim() !== "") {
      const state = tabState.current ?? { base: value, options: completions(value, docs), index: -1 };
      if (state.options.length === 0) return; // let Tab move focus on
      e.preventDefault();
      state.index = (state.index + 1) % state.options.length;
      tabState.current = state;
      setValue(state.options[state.index]);
    } else if (e.key === "c" && e.ctrlKey && sub.active && window.getSelection()?.toString() === "") {
      e.preventDefault();
      sub.stop();
    } else if (e.key === "l" && e.ctrlKey) {
      e.preventDefault();
      setEntries([]);
    } else if (e.key === "Escape") {
      setValue("");
      history.reset();
    }
  }

  async function onReset() {
    if (!confirmReset) return setConfirmReset(true);
    setConfirmReset(false);
    const r = await resetMyData();
    if (r.ok) note(t.resetDone(r.value), "info");
    else {
      note(say(r.error), "error");
      if (r.unavailable) setDown(true);
    }
    inputRef.current?.focus();
    onCommand?.();
  }

  const transcript = () =>
    entries
      .map((x) =>
        x.kind === "note"
          ? x.text
          : x.kind === "stream"
            ? formatReply(x.reply, raw ? "raw" : "cli").replace(/\n$/, "")
            : `${x.client ? `redis:${x.client}>` : PROMPT} ${x.input}\n${x.reply ? formatReply(x.reply, raw ? "raw" : "cli").replace(/\n$/, "") : (x.failure ?? "")}`,
      )
      .join("\n");

  const hintText = hint(value, docs);
  const button =
    "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800 aria-pressed:bg-slate-900 aria-pressed:text-white dark:aria-pressed:bg-slate-100 dark:aria-pressed:text-slate-900";

  return (
    <section aria-label={t.region} className="space-y-2" data-docs={docs.length > 0 ? "ready" : "loading"} data-testid="console">
      {down && (
        <div
          role="alert"
          className="rounded-md border border-amber-400 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-600 dark:bg-amber-950 dark:text-amber-100"
        >
          <strong>{t.down}</strong> {t.downMore}
        </div>
      )}
      {sub.active && (
        <div
          role="status"
          className="flex flex-wrap items-center gap-2 rounded-md border border-sky-400 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-100"
        >
          <span>
            {t.subscribed} <strong>{sub.names.join(", ")}</strong> — {t.subscribedMore}
          </span>
          <button type="button" className="rounded border border-sky-600 px-2 py-0.5" onClick={() => sub.stop()}>
            {t.stop} <kbd className="font-mono text-xs">Ctrl+C</kbd>
          </button>
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label={t.options}>
        <button type="button" className={button} aria-pressed={raw} onClick={() => setRaw(!raw)} title={t.rawTitle}>
          {t.raw}
        </button>
        <button type="button" className={button} onClick={() => setEntries([])} title={t.clearTitle}>
          {t.clear} <kbd className="font-mono text-xs opacity-70">Ctrl+L</kbd>
        </button>
        <button type="button" className={button} onClick={() => void navigator.clipboard?.writeText(transcript())}>
          {t.copyAll}
        </button>
        <button
          type="button"
          className={`${button} ${confirmReset ? "border-red-500 text-red-700 dark:text-red-300" : ""}`}
          onClick={() => void onReset()}
          onBlur={() => setConfirmReset(false)}
        >
          {confirmReset ? t.resetConfirm : t.reset}
        </button>
      </div>
      <div className="overflow-hidden rounded-lg border border-slate-300 bg-slate-50 font-mono text-sm dark:border-slate-700 dark:bg-slate-950">
        <div
          ref={logRef}
          role="log"
          aria-label={t.output}
          aria-live="polite"
          className={`${embedded ? "max-h-[35vh]" : "max-h-[60vh]"} min-h-48 overflow-y-auto p-3`}
          data-testid="console-log"
        >
          {entries.length === 0 && <p className="text-slate-600 dark:text-slate-400">{t.empty}</p>}
          {entries.map((x) =>
            x.kind === "stream" ? (
              <pre key={x.id} data-testid="stream-message" className="mb-1 whitespace-pre-wrap [overflow-wrap:anywhere]">
                {formatReply(x.reply, raw ? "raw" : "cli").replace(/\n$/, "")}
              </pre>
            ) : x.kind === "note" ? (
              <p key={x.id} className={x.tone === "error" ? "text-red-700 dark:text-red-400" : "text-sky-800 dark:text-sky-300"}>
                {x.text}
              </p>
            ) : (
              <EntryView key={x.id} entry={x} raw={raw} docs={docs} />
            ),
          )}
        </div>
        <div className="relative flex items-center gap-2 border-t border-slate-300 px-3 py-2 dark:border-slate-700">
          <label htmlFor={inputId} className="shrink-0 text-brand-700 dark:text-red-400" data-testid="prompt">
            {inTx ? PROMPT.replace(">", "(TX)>") : PROMPT}
            <span className="sr-only"> {t.command}</span>
          </label>
          <div className="relative min-w-0 flex-1">
            <div aria-hidden className="pointer-events-none absolute inset-0 overflow-hidden whitespace-pre">
              <span className="invisible">{value}</span>
              <span className="text-slate-400 dark:text-slate-600" data-testid="hint">
                {hintText}
              </span>
            </div>
            <input
              ref={inputRef}
              id={inputId}
              value={value}
              onChange={(e) => {
                setValue(e.target.value);
                tabState.current = null;
              }}
              onKeyDown={onKeyDown}
              // biome-ignore lint/a11y/noAutofocus: the console page is a prompt, keyboard-first; embedded in a lesson it does not take focus
              autoFocus={!embedded}
              autoComplete="off"
              autoCapitalize="off"
              autoCorrect="off"
              spellCheck={false}
              enterKeyHint="send"
              aria-describedby={hintId}
              className="relative w-full bg-transparent outline-none"
            />
          </div>
          {busy && (
            <span className="text-xs text-slate-600" aria-hidden>
              …
            </span>
          )}
        </div>
      </div>
      <p id={hintId} className="text-xs text-slate-600 dark:text-slate-400">
        {t.keys}
        {hintText ? (
          <span className="sr-only">
            . {t.arguments}: {hintText}
          </span>
        ) : null}
      </p>
    </section>
  );
}

function EntryView({ entry, raw, docs }: { entry: Extract<Entry, { kind: "command" }>; raw: boolean; docs: readonly CommandDoc[] }) {
  const t = useT().console;
  // In 中文, the playground's own refusals and notices are explained under the reply (Redis's words stay as they are).
  const zh = useLocale() === "zh";
  const say = useProblemText();
  const explained = zh && entry.reply?.t === "error" && entry.reply.problem ? say(entry.reply.problem) : null;
  const notice = entry.notices?.map(say).join(" ");
  // Redis does not know the command: offer the nearest names it does know.
  const unknown = entry.reply?.t === "error" ? /^ERR unknown command '([^']+)'/.exec(entry.reply.v)?.[1] : undefined;
  const suggestions = unknown ? didYouMean(unknown, docs) : [];
  const text = entry.reply ? formatReply(entry.reply, raw ? "raw" : "cli").replace(/\n$/, "") : "";
  const isError = entry.reply?.t === "error" || !!entry.failure;
  return (
    <div className="group mb-2" data-testid="entry">
      <div className="flex items-baseline gap-2">
        <span className="text-brand-700 dark:text-red-400" aria-hidden>
          {entry.client ? `redis:${entry.client}>` : PROMPT}
        </span>
        <span className="min-w-0 flex-1 whitespace-pre-wrap [overflow-wrap:anywhere]">{entry.input}</span>
        {entry.ms !== undefined && entry.ms > 0 && (
          <span className="shrink-0 text-xs text-slate-600 dark:text-slate-400" title={t.roundTrip}>
            {entry.ms.toFixed(2)} ms
          </span>
        )}
        {entry.reply && (
          <button
            type="button"
            className="shrink-0 rounded px-2 py-1 text-xs text-slate-600 underline-offset-2 hover:underline dark:text-slate-400"
            onClick={() => void navigator.clipboard?.writeText(text)}
            aria-label={t.copyOutput(entry.input)}
          >
            {t.copy}
          </button>
        )}
      </div>
      {entry.pending ? (
        <p className="text-slate-600">…</p>
      ) : (
        <pre data-testid="output" className={`whitespace-pre-wrap [overflow-wrap:anywhere] ${isError ? "text-red-700 dark:text-red-400" : ""}`}>
          {entry.failure ? say(entry.failure) : text}
        </pre>
      )}
      {suggestions.length > 0 && (
        <p data-testid="did-you-mean" className="font-sans text-xs text-slate-700 dark:text-slate-300">
          {t.didYouMean(suggestions.join(", "))}
        </p>
      )}
      {explained && (
        <p data-testid="explain" lang="zh-CN" className="font-sans text-xs text-slate-700 dark:text-slate-300">
          {explained}
        </p>
      )}
      {notice && (
        <p data-testid="notice" className="font-sans text-xs text-sky-800 dark:text-sky-300">
          {notice}
        </p>
      )}
    </div>
  );
}
