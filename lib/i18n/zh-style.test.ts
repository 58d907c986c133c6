import { describe, expect, it } from "vitest";
import { MESSAGES } from "./messages";
import { PROBLEMS, problemText } from "./problems";
import { SAMPLES } from "./problem-samples";
import { GENERAL_HELP_TEXT } from "@/lib/command-docs";
import { lessonList } from "@/lib/lessons/load";
import { loadNotes } from "@/lib/lessons/notes";
import type { Problem } from "@/lib/problems";
import { zhStyleIssues } from "./zh-style";

/**
 * Every Chinese text the learner reads, held to the house style (lib/i18n/zh-style.ts): every zh UI
 * message (functions called with sample arguments), every zh problem, the console's HELP, the notes'
 * corrections, the explanations of Redis's errors and the prose of every lesson.zh.md; code spans,
 * code blocks and redis-cli output are left as they are.
 */

/**
 * Sample arguments for the zh messages' functions, by parameter name: each function is called once per
 * alternative (a parameter cycles through its list). Names that can hold Chinese or Latin text (a
 * lesson title, a short label) get both.
 */
const ARGS: Record<string, unknown[]> = {
  n: [3, 1],
  done: [2],
  total: [6],
  of: [100],
  x: [12],
  w: [3],
  job: [42],
  status: [503],
  min: [5],
  more: [0, 2],
  lessonsDone: [2],
  lessons: [6],
  exercisesDone: [5],
  exercises: [12],
  s: ["1.2"],
  k: ["page:1"],
  key: ["page:1"],
  keys: ["game:WOW"],
  a: ["game:WOW"],
  b: ["sport:basketball"],
  cmd: ["GET A"],
  command: ["INCR page:1"],
  names: ["GET, SET"],
  want: ["string"],
  got: ["list", "7"],
  missing: ["user:c"],
  present: ["user:z"],
  url: ["https://example.com/join"],
  c: ["B"],
  lang: ["Python"],
  name: ["Ada", "小明"],
  title: ["Redis 入门", "SET/GET 与过期", "Basics"],
  heading: ["会过期的键：SETEX", "MULTI 与 EXEC"],
  part: ["过期时间", "SET 和 GET"],
  label: ["显示的命令（每一半的前三条）", "Stream 的命令"],
  what: ["ttl", "card", "value"],
  short: ["发布/订阅", "Stream", "可靠列表"],
  phase: ["逐条发送", "管道"],
  bound: ["至少为 100 且至多为 300", "等于 4"],
  how: ["执行 INCR"],
  h: [
    { inTransaction: true, key: "page:1", commands: ["INCR", "INCRBY"] },
    { inTransaction: false, commands: ["SET"] },
  ],
};
/** Functions whose arguments say something particular (a formatted duration, a range's bounds joined). */
const CALLS: Record<string, unknown[][]> = {
  "lesson.expiresIn": [["59 秒"], ["2 分钟"]],
  "lesson.problem.range": [
    ["page:1", "value", 7, `${MESSAGES.zh.lesson.problem.atLeast(100)}${MESSAGES.zh.lesson.problem.and}${MESSAGES.zh.lesson.problem.atMost(300)}`],
    ["page:1", "ttl", 7, MESSAGES.zh.lesson.problem.atLeast(100)],
    ["game:WOW", "card", 4, MESSAGES.zh.lesson.problem.exactly(3)],
  ],
};

const paramNames = (f: (...a: unknown[]) => unknown): string[] => {
  const src = f.toString();
  const m = /^\s*(?:\(([^)]*)\)|([A-Za-z_$][\w$]*))\s*=>/.exec(src) ?? /^[^(]*\(([^)]*)\)/.exec(src);
  const list = m?.[1] ?? m?.[2] ?? "";
  return list
    .split(",")
    .map((p) => p.replace(/[:=].*$/s, "").trim())
    .filter(Boolean);
};

/** Every zh message as text, each with its path; a function without samples for its parameters is reported. */
function zhMessages(): { texts: Array<[string, string]>; unsampled: string[] } {
  const texts: Array<[string, string]> = [];
  const unsampled: string[] = [];
  const walk = (o: unknown, path: string[]) => {
    const at = path.join(".");
    if (typeof o === "string") texts.push([at, o]);
    else if (typeof o === "function") {
      const f = o as (...a: unknown[]) => unknown;
      let calls = CALLS[at];
      if (!calls) {
        const names = paramNames(f);
        const missing = names.filter((n) => !(n in ARGS));
        if (missing.length) {
          unsampled.push(`${at}(${missing.join(", ")})`);
          return;
        }
        const rounds = Math.max(1, ...names.map((n) => ARGS[n].length));
        calls = Array.from({ length: rounds }, (_, i) => names.map((n) => ARGS[n][i % ARGS[n].length]));
      }
      for (const args of calls) texts.push([`${at}(${args.map((a) => JSON.stringify(a)).join(", ")})`, String(f(...args))]);
    } else if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) if (!(path.length === 0 && k === "problems")) walk(v, [...path, k]);
  };
  walk(MESSAGES.zh, []);
  return { texts, unsampled };
}

/** The text a reader sees of a lesson's prose: no code blocks; code spans as a neutral mark. */
function proseText(html: string): string {
  return html
    .replace(/<pre[\s\S]*?<\/pre>/g, "\n")
    .replace(/<code>[\s\S]*?<\/code>/g, "\u2063")
    .replace(/<\/(p|li|h\d|td|th|blockquote)>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&(amp|lt|gt|quot);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"' })[e as "amp"]);
}

/**
 * Command templates in plain-text fields (exercise hints), where Chinese names the arguments: code,
 * though nothing marks it as code.
 */
const TEMPLATES = ["SINTERSTORE 目标键 键1 键2", "LMOVE 源 目标 RIGHT LEFT"];

const issuesOf = (items: Array<[string, string]>) =>
  items.flatMap(([where, text]) =>
    TEMPLATES.reduce((t, code) => t.replaceAll(code, "\u2063"), text)
      .split("\n")
      .flatMap(zhStyleIssues)
      .map((i) => `${where}: ${i}`),
  );

describe("简体中文 punctuation and spacing", () => {
  it("finds each kind of mistake, and leaves good text alone", () => {
    expect(zhStyleIssues("练习 1: 会过期的键")).toHaveLength(1);
    expect(zhStyleIssues("应该至少为 100且至多为 300")).toHaveLength(1);
    expect(zhStyleIssues("page:1 的元素个数 是 4")).toHaveLength(1);
    expect(zhStyleIssues("显示的命令（每一半的前三条） (6)")).toHaveLength(1);
    expect(zhStyleIssues("设置过期时间:")).toHaveLength(1);
    expect(zhStyleIssues("建立一些集合网络(感觉更适合)")).toHaveLength(1);
    expect(zhStyleIssues("运行Stream")).toHaveLength(1);
    expect(zhStyleIssues("完成 ，然后")).toHaveLength(1);
    for (const good of [
      "练习 1：会过期的键",
      "应该至少为 100 且至多为 300。",
      "显示的命令（每一半的前三条）（6）",
      '需要 Content-Type: application/json（收到的是 "text/plain"）',
      "随后的 pipe.execute() 什么也不发送，返回 []。",
      "回车运行 · ↑/↓ 历史 · Tab 补全",
    ])
      expect(zhStyleIssues(good), good).toEqual([]);
  });

  it("holds in every zh UI message", () => {
    const { texts, unsampled } = zhMessages();
    expect(unsampled, "add sample arguments for these parameters to ARGS").toEqual([]);
    expect(texts.length).toBeGreaterThan(300);
    expect(issuesOf(texts)).toEqual([]);
  });

  it("holds in every zh problem, and in the console's HELP", () => {
    const texts = Object.entries(SAMPLES).map(([code, params]): [string, string] => [code, problemText({ code, params } as Problem, "zh")]);
    expect(texts.length).toBe(Object.keys(PROBLEMS.zh).length);
    expect(issuesOf([...texts, ["HELP", GENERAL_HELP_TEXT.zh]])).toEqual([]);
  });

  it("holds in the notes' corrections and titles", () => {
    const notes = loadNotes();
    expect(
      issuesOf(notes.parts.flatMap((p) => [[p.id, p.title.zh], ...p.mistakes.map((m, i): [string, string] => [`${p.id} mistake ${i + 1}`, m.zh])])),
    ).toEqual([]);
  });

  for (const lesson of lessonList("zh")) {
    it(`holds in lessons/*-${lesson.slug}/lesson.zh.md: front matter and prose (code and redis-cli output aside)`, () => {
      const texts: Array<[string, string]> = [
        ["title", lesson.title],
        ["summary", lesson.summary],
        ...lesson.exercises.flatMap(
          (e): Array<[string, string]> => [
            [`exercise ${e.id} title`, e.title],
            [`exercise ${e.id} prompt`, e.prompt],
            ...(e.hint ? [[`exercise ${e.id} hint`, e.hint] as [string, string]] : []),
          ],
        ),
        ...lesson.sections.flatMap((s, i): Array<[string, string]> => (s.kind === "prose" ? [[`prose #${i}`, proseText(s.html)]] : [])),
      ];
      expect(issuesOf(texts)).toEqual([]);
    });
  }
});
