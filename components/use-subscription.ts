"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { INVALID_ARGUMENTS, parseCommandLine } from "@/lib/cli/parse-command";
import type { Reply } from "@/lib/resp/reply";
import type { Problem } from "@/lib/problems";
import { useT } from "./i18n";

/** `problem`: the playground refused it (lib/problems.ts); the page words it in its language. */
export type StreamEvent = { type: "reply"; reply: Reply } | { type: "note" | "error"; text: string; problem?: Problem };

const dec = new TextDecoder();
const SUB = new Set(["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"]);

/**
 * Subscribed mode for the console: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE open a
 * live stream (GET /api/v1/stream, Server-Sent Events), the UNSUBSCRIBEs
 * and Ctrl+C leave it. The browser's EventSource reconnects by itself.
 */
export function useSubscription(onEvent: (e: StreamEvent) => void, lesson?: string) {
  const [channels, setChannels] = useState<string[]>([]);
  const [patterns, setPatterns] = useState<string[]>([]);
  const [shards, setShards] = useState<string[]>([]);
  const source = useRef<EventSource | null>(null);
  const t = useT().console;
  const words = useRef(t);
  words.current = t;
  const emit = useRef(onEvent);
  emit.current = onEvent;

  const open = useCallback(
    (chs: string[], pats: string[], shs: string[]) => {
      source.current?.close();
      source.current = null;
      if (chs.length + pats.length + shs.length === 0) return;
      const q = new URLSearchParams();
      for (const c of chs) q.append("channel", c);
      for (const p of pats) q.append("pattern", p);
      for (const c of shs) q.append("shard", c);
      if (lesson) q.set("lesson", lesson);
      const es = new EventSource(`/api/v1/stream?${q}`);
      source.current = es;
      const reply = (e: MessageEvent) => emit.current({ type: "reply", reply: JSON.parse(e.data).reply });
      es.addEventListener("subscribe", reply);
      es.addEventListener("message", reply);
      // The playground refused the subscription (a name or pattern too long, patterns too costly): say why, and stop.
      es.addEventListener("refused", (e) => {
        const r = JSON.parse((e as MessageEvent).data).reply as Reply;
        emit.current(
          r.t === "error" ? { type: "error", text: `(error) ${r.v}`, problem: r.problem } : { type: "error", text: String((e as MessageEvent).data) },
        );
        es.close();
        source.current = null;
        setChannels([]);
        setPatterns([]);
        setShards([]);
      });
      es.addEventListener("gap", () => emit.current({ type: "error", text: words.current.gap }));
      es.addEventListener("resumed", () => emit.current({ type: "note", text: words.current.resumed }));
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) emit.current({ type: "error", text: words.current.streamClosed });
      };
    },
    [lesson],
  );

  useEffect(() => () => source.current?.close(), []);

  const handles = (line: string) => SUB.has(line.trim().split(/\s+/, 1)[0].toUpperCase());

  const run = (line: string) => {
    const parsed = parseCommandLine(line);
    // As redis-cli prints a line it cannot split; the problem explains it under that.
    if (!parsed.ok) return emit.current({ type: "error", text: INVALID_ARGUMENTS, problem: parsed.error });
    const [cmd, ...args] = parsed.argv.map((a) => dec.decode(a));
    const word = cmd.toUpperCase();
    let chs = channels;
    let pats = patterns;
    let shs = shards;
    if (word === "SUBSCRIBE" || word === "PSUBSCRIBE" || word === "SSUBSCRIBE") {
      if (args.length === 0) return emit.current({ type: "error", text: `(error) ERR wrong number of arguments for '${cmd.toLowerCase()}' command` });
      if (word === "SUBSCRIBE") chs = [...new Set([...chs, ...args])];
      else if (word === "PSUBSCRIBE") pats = [...new Set([...pats, ...args])];
      else shs = [...new Set([...shs, ...args])];
      emit.current({ type: "note", text: "Reading messages... (press Ctrl-C to quit)" });
    } else if (word === "UNSUBSCRIBE") {
      chs = args.length ? chs.filter((c) => !args.includes(c)) : [];
    } else if (word === "PUNSUBSCRIBE") {
      pats = args.length ? pats.filter((p) => !args.includes(p)) : [];
    } else {
      shs = args.length ? shs.filter((c) => !args.includes(c)) : [];
    }
    setChannels(chs);
    setPatterns(pats);
    setShards(shs);
    open(chs, pats, shs);
    if (chs.length + pats.length + shs.length === 0) emit.current({ type: "note", text: words.current.left });
  };

  const stop = () => {
    setChannels([]);
    setPatterns([]);
    setShards([]);
    open([], [], []);
    emit.current({ type: "note", text: words.current.left });
  };

  return { active: channels.length + patterns.length + shards.length > 0, names: [...channels, ...patterns, ...shards], handles, run, stop };
}
