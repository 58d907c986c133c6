"use client";

import { explainRedisError } from "@/lib/i18n/redis-errors";
import { INVALID_ARGUMENTS } from "@/lib/cli/parse-command";
import { tabId } from "./tab-id";
import { useCallback, useEffect, useId, useImperativeHandle, useRef, useState } from "react";
import { formatReply } from "@/lib/cli/format-reply";
import { completions, didYouMean, hint } from "@/lib/cli/completion";
import { type CommandDoc, localHelp } from "@/lib/command-docs";
import type { Reply } from "@/lib/resp/reply";
import { byCommonness } from "@/lib/cli/common-commands";
import { NO_TX, nextTx, type TxState } from "@/lib/console-tx";
import { loadCommandDocs, myConsoleState, redisStatus, resetMyData, runCommand } from "@/app/actions";
import { type ConsoleTx, NO_CONSOLE_TX } from "./console-tx";
import { useHistory } from "./use-history";
import { newestThatFit, useTabMemory } from "./use-tab-memory";
import { useSubscription } from "./use-subscription";
import { usePersistentFlag } from "./use-persistent-flag";
import { useLocale, useProblemText, useT } from "./i18n";
import { problemText } from "@/lib/i18n/problems";
import { type Problem, problem } from "@/lib/problems";

/** What a lesson page can do with the console: run a block's commands in it, as if typed. */
export interface ConsoleHandle {
  /** `tx`: the transaction state of the client it ran as, after it (lib/console-tx.ts). */
  run(line: string, client?: string): Promise<{ reply?: Reply; text: string; failure?: string; tx?: TxState }>;
  note(text: string): void;
  /** Runs a line without showing it (ending a transaction left open before Run all steps). */
  quietly(line: string): Promise<void>;
}

type Entry =
  | { id: number; kind: "command"; input: string; client?: string; reply?: Reply; ms?: number; notices?: Problem[]; pending: boolean; failure?: Problem }
  | { id: number; kind: "stream"; reply: Reply }
  | { id: number; kind: "note"; text: string; tone: "info" | "error" };

const PROMPT = "redis>";

/** The newest reply, for a phone's collapsed console bar (components/lesson/dock.tsx). */
export interface LastLine {
  input: string;
  output: string;
  error: boolean;
}

/** Entries kept for a language switch or a reload (components/use-tab-memory.ts): the last 200, and at most 200 KB of JSON. */
const KEPT_ENTRIES = 200;

/** The id a lesson client (a step marked client=…) runs as: a tab of its own beside this one. */
const clientTab = (client: string) => `${tabId()}-${client}`.slice(0, 40);

/**
 * The free console: a redis-cli in the browser. Keyboard first — Enter runs,
 * ↑/↓ walk the history, Tab completes, Ctrl+L clears, Esc empties the prompt;
 * on small screens, buttons beside the prompt do the same by touch.
 */
export function Console({
  handle,
  onCommand,
  onTx,
  onLast,
  lesson,
  embedded,
}: {
  handle?: React.Ref<ConsoleHandle>;
  onCommand?: () => void;
  /** The transaction state changed (its prompt's `redis(TX)>`), for a lesson page's steps and exercises. */
  onTx?: (tx: ConsoleTx) => void;
  /** A reply arrived (or the screen was cleared: null). */
  onLast?: (last: LastLine | null) => void;
  lesson?: string;
  embedded?: boolean;
} = {}) {
  const t = useT().console;
  const p = useT().phone;
  const [entries, setEntries] = useState<Entry[]>([]);
  const [value, setValue] = useState("");
  const [docs, setDocs] = useState<CommandDoc[]>([]);
  const [raw, setRaw] = usePersistentFlag("pg:raw", false);
  const [down, setDown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  // In MULTI the prompt says so, as redis-cli's "127.0.0.1:6379(TX)>" does; the server's state, followed reply by reply.
  const [tx, setTx] = useState<ConsoleTx>(NO_CONSOLE_TX);
  const txs = useRef<Record<string, TxState>>({});
  const replies = useRef(0);
  const zh = useLocale() === "zh";
  const say = useProblemText();
  const sub = useSubscription((e) => {
    if (e.type === "reply") setEntries((x) => [...x, { id: nextId.current++, kind: "stream", reply: e.reply }]);
    else {
      note(e.text, e.type === "error" ? "error" : "info");
      // In 中文, a refusal of the playground's own is explained under it, as for commands; a line redis-cli cannot split, in both languages.
      if (e.problem && (zh || e.text === INVALID_ARGUMENTS)) note(problemText(e.problem, zh ? "zh" : "en"), "info");
    }
  }, lesson);
  const history = useHistory("pg:history");
  const inputRef = useRef<HTMLInputElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const nextId = useRef(1);
  const tabState = useRef<{ base: string; options: string[]; index: number } | null>(null);
  const inputId = useId();
  const hintId = useId();

  /** Records a client's state ("" is this tab's own) and tells the page. */
  const setTxFor = useCallback(
    (client: string, state: TxState) => {
      txs.current = { ...txs.current, [client]: state };
      const { "": mine = NO_TX, ...clients } = txs.current;
      const next = { ...mine, clients };
      setTx(next);
      onTx?.(next);
    },
    [onTx],
  );

  // A MULTI opened before a navigation or a reload is still open on the server: ask, unless a reply already told.
  useEffect(() => {
    const before = replies.current;
    void myConsoleState(tabId(), lesson)
      .then((r) => {
        if (r.ok && replies.current === before) setTxFor("", r.value);
      })
      .catch(() => undefined);
  }, [lesson, setTxFor]);

  // The transcript survives a language switch and a reload in this browser tab.
  useTabMemory(
    "console",
    entries,
    (stored) => {
      if (!Array.isArray(stored)) return;
      const kept = stored.filter((x): x is Entry => typeof x === "object" && x !== null && typeof x.id === "number" && typeof x.kind === "string");
      nextId.current = Math.max(nextId.current, ...kept.map((x) => x.id + 1));
      setEntries((now) => [...kept, ...now]);
    },
    (list) =>
      list.length === 0
        ? null
        : newestThatFit(
            list.filter((x) => x.kind !== "command" || !x.pending),
            KEPT_ENTRIES,
          ),
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `entries` is the trigger; onLast is the page's setter
  useEffect(() => {
    if (!onLast) return;
    const last = entries.findLast((x) => x.kind !== "note" && !(x.kind === "command" && x.pending));
    if (!last) return onLast(null);
    if (last.kind === "stream") return onLast({ input: "", output: firstLine(last.reply, raw), error: false });
    if (last.kind !== "command") return;
    const error = last.reply?.t === "error" || !!last.failure;
    onLast({ input: last.input, output: last.failure ? say(last.failure) : last.reply ? firstLine(last.reply, raw) : "", error });
  }, [entries, raw]);

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

  async function run(line: string, client?: string): Promise<{ reply?: Reply; text: string; failure?: string; tx?: TxState }> {
    const id = nextId.current++;
    setEntries((e) => [...e, { id, kind: "command", input: line, client, pending: true }]);
    if (!client) history.push(line);
    setBusy(true);
    const tab = client ? clientTab(client) : tabId();
    try {
      const r = await runCommand(line, tab, lesson);
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
      if (!r.ok) return { text: say(r.error), failure: say(r.error) };
      replies.current++;
      const key = client ?? "";
      let state = nextTx(txs.current[key] ?? NO_TX, line, r.value.reply, r.value.notices);
      // A refusal about the transaction itself: the server knows what is open now.
      if (state === null) {
        const asked = await myConsoleState(tab, lesson).catch(() => null);
        state = asked?.ok ? asked.value : (txs.current[key] ?? NO_TX);
      }
      setTxFor(key, state);
      return { reply: r.value.reply, text: r.value.text, tx: state };
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
      const r = await runCommand(line, tabId(), lesson).catch(() => null);
      if (r?.ok) setTxFor("", nextTx(txs.current[""] ?? NO_TX, line, r.value.reply, r.value.notices) ?? NO_TX);
    },
  }));

  // Enter, ↑, ↓ and Tab, by key or by the touch buttons beside the prompt.
  function submit() {
    const line = value;
    setValue("");
    history.reset();
    tabState.current = null;
    if (line.trim() === "") return;
    if (/^\s*clear\s*$/i.test(line)) return setEntries([]);
    if (sub.handles(line)) {
      history.push(line);
      setEntries((x) => [...x, { id: nextId.current++, kind: "command", input: line, pending: false }]);
      return sub.run(line);
    }
    void run(line);
  }
  function older() {
    const v = history.older(value);
    if (v !== null) setValue(v);
  }
  function newer() {
    const v = history.newer();
    if (v !== null) setValue(v);
  }
  /** The next completion of the command name, common commands first (lib/cli/common-commands.ts); false if there is none. */
  function complete(): boolean {
    if (value.trim() === "") return false;
    const state = tabState.current ?? { base: value, options: byCommonness(completions(value, docs)), index: -1 };
    if (state.options.length === 0) return false;
    state.index = (state.index + 1) % state.options.length;
    tabState.current = state;
    setValue(state.options[state.index]);
    return true;
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key !== "Tab") tabState.current = null;
    if (e.key === "Enter") {
      e.preventDefault();
      submit();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      older();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      newer();
    } else if (e.key === "Tab" && !e.shiftKey) {
      if (complete()) e.preventDefault(); // else Tab moves focus on
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
    "shrink-0 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 max-lg:min-h-11 dark:border-slate-700 dark:hover:bg-slate-800 aria-pressed:bg-slate-900 aria-pressed:text-white dark:aria-pressed:bg-slate-100 dark:aria-pressed:text-slate-900";
  // A touch button keeps the focus (and the phone's keyboard) on the prompt.
  const keepFocus = (e: React.PointerEvent) => e.preventDefault();
  const touch = `${button} min-w-11 font-mono`;

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
          <button type="button" className="rounded border border-sky-600 px-2 py-0.5 max-lg:min-h-11 max-lg:px-3" onClick={() => sub.stop()}>
            {t.stop} <kbd className="font-mono text-xs max-lg:hidden">Ctrl+C</kbd>
          </button>
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2 max-lg:flex-nowrap max-lg:overflow-x-auto" role="toolbar" aria-label={t.options}>
        <button type="button" className={button} aria-pressed={raw} onClick={() => setRaw(!raw)} title={t.rawTitle}>
          {t.raw}
        </button>
        <button type="button" className={button} onClick={() => setEntries([])} title={t.clearTitle}>
          {t.clear} <kbd className="font-mono text-xs opacity-70 max-lg:hidden">Ctrl+L</kbd>
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
          className={`${embedded ? "max-h-[35vh] max-lg:max-h-[30dvh] max-lg:min-h-28" : "max-h-[60vh] max-lg:max-h-[50dvh]"} min-h-48 overflow-y-auto p-3`}
          data-testid="console-log"
        >
          {entries.length === 0 && <p className="text-slate-600 dark:text-slate-400">{t.empty}</p>}
          {entries.map((x) =>
            x.kind === "stream" ? (
              <div key={x.id} className="mb-1">
                <pre data-testid="stream-message" className="whitespace-pre-wrap [overflow-wrap:anywhere]">
                  {formatReply(x.reply, raw ? "raw" : "cli").replace(/\n$/, "")}
                </pre>
                {!raw && escapesText(x.reply) && <RawHint />}
              </div>
            ) : x.kind === "note" ? (
              <p key={x.id} className={x.tone === "error" ? "text-red-700 dark:text-red-400" : "text-sky-800 dark:text-sky-300"}>
                {x.text}
              </p>
            ) : (
              <EntryView key={x.id} entry={x} raw={raw} docs={docs} />
            ),
          )}
        </div>
        <div className="relative flex items-center gap-2 border-t border-slate-300 px-3 py-2 max-lg:min-h-11 max-lg:text-base dark:border-slate-700">
          <label htmlFor={inputId} className="shrink-0 text-brand-700 dark:text-red-400" data-testid="prompt">
            {tx.multi ? PROMPT.replace(">", "(TX)>") : PROMPT}
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
              className="relative w-full bg-transparent outline-none max-lg:text-base"
            />
          </div>
          {busy && (
            <span className="text-xs text-slate-600" aria-hidden>
              …
            </span>
          )}
        </div>
        <div className="flex items-center gap-2 border-t border-slate-300 px-3 py-2 font-sans lg:hidden dark:border-slate-700" data-testid="touch-keys">
          <button type="button" className={touch} onPointerDown={keepFocus} onClick={older} aria-label={p.older}>
            ↑
          </button>
          <button type="button" className={touch} onPointerDown={keepFocus} onClick={newer} aria-label={p.newer}>
            ↓
          </button>
          <button type="button" className={touch} onPointerDown={keepFocus} onClick={() => complete()} aria-label={p.complete}>
            Tab
          </button>
          <button
            type="button"
            className="ml-auto min-h-11 shrink-0 rounded-md bg-brand-700 px-4 text-sm font-medium text-white hover:bg-brand-600"
            onPointerDown={keepFocus}
            onClick={submit}
            aria-label={p.runLabel}
          >
            {p.run} ⏎
          </button>
        </div>
      </div>
      <p id={hintId} className="text-xs text-slate-600 dark:text-slate-400">
        <span className="max-lg:hidden">{t.keys}</span>
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
  // In 中文, the playground's own refusals and notices are explained under the reply, and so are Redis's common errors (Redis's words stay as they are).
  const zh = useLocale() === "zh";
  const say = useProblemText();
  // Redis's own common errors (WRONGTYPE, unknown command, …) get a 中文 explanation too (lib/i18n/redis-errors.ts).
  const explained =
    zh && entry.reply?.t === "error" ? (entry.reply.problem ? say(entry.reply.problem) : (explainRedisError(entry.reply.v, "zh") ?? null)) : null;
  const notice = entry.notices?.map(say).join(" ");
  // Redis does not know the command: offer the nearest names it does know.
  const unknown = entry.reply?.t === "error" ? /^ERR unknown command '([^']+)'/.exec(entry.reply.v)?.[1] : undefined;
  const suggestions = unknown ? didYouMean(unknown, docs) : [];
  const text = entry.reply ? formatReply(localHelp(entry.reply, zh ? "zh" : "en"), raw ? "raw" : "cli").replace(/\n$/, "") : "";
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
            className="shrink-0 rounded px-2 py-1 text-xs text-slate-600 underline-offset-2 hover:underline max-lg:hidden dark:text-slate-400"
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
      {!raw && entry.reply && escapesText(entry.reply) && <RawHint />}
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

/** Whether redis-cli's quoting shows some of a reply's text as \x escapes: a bulk string beyond ASCII that is valid UTF-8. */
function escapesText(r: Reply): boolean {
  switch (r.t) {
    case "bulk":
      return !r.b64 && /[\u0080-\uffff]/.test(r.v);
    case "array":
    case "set":
    case "push":
    case "map":
      return r.v.some(escapesText);
    default:
      return false;
  }
}

/** Points from escaped UTF-8 to the Raw output toggle (which shows it as text, as redis-cli --raw does). */
function RawHint() {
  return (
    <p data-testid="raw-hint" className="font-sans text-xs text-slate-700 dark:text-slate-300">
      {useT().phone.rawHint}
    </p>
  );
}

/** The first line of a reply as printed, for the phone's console bar. */
function firstLine(r: Reply, raw: boolean): string {
  return formatReply(r, raw ? "raw" : "cli").split("\n", 1)[0];
}
