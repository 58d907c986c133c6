import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkGfm from "remark-gfm";
import remarkRehype from "remark-rehype";
import rehypeStringify from "rehype-stringify";
import YAML from "yaml";
import type { Code, Root, RootContent } from "mdast";
import { FrontMatter } from "./schema";
import { FenceMetaError, parseFenceMeta, type FenceLang } from "./fence-meta";
import { type Hold, parseHolds } from "./holds";
import { headingSlugger } from "./heading-id";

/** One command of a runnable block and the reply redis-cli prints for it (null: not compared). */
export interface RedisCommand {
  line: string;
  expect: string | null;
}

export interface CodeTab {
  lang: "python" | "ts";
  code: string;
  /** Why the tests do not run it, when they do not. */
  norun?: string;
  /** 1-based line of the fence in its file, for error messages. */
  line: number;
}

export type Section =
  | { kind: "prose"; html: string }
  | {
      kind: "step";
      id: string;
      title?: string;
      commands: RedisCommand[];
      nocheck: boolean;
      client?: string;
      /** What the step leaves in the keys (holds=, lib/lessons/holds.ts): how it is checked in a workshop's shared keys. */
      holds?: Hold[];
      tabs: CodeTab[];
      line: number;
    }
  | { kind: "scenario"; id: string; scenario: Scenario; title?: string; line: number }
  | { kind: "venn"; id: string; keys: [string, string]; title?: string; line: number }
  | { kind: "code"; tab: CodeTab };

export const SCENARIOS = ["pipeline", "visitors", "job-queue", "connections"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ParsedLesson {
  front: FrontMatter;
  sections: Section[];
}

/** A lesson file that cannot be used: names the file, the line and the fix. */
export class LessonError extends Error {
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line ? `:${line}` : ""}: ${message}`);
    this.name = "LessonError";
  }
}

const LANGS: Record<string, FenceLang> = { redis: "redis", python: "python", py: "python", ts: "ts", typescript: "ts" };

/** Parses one lesson file (front matter + markdown) into prose and steps. */
export function parseLesson(file: string, source: string): ParsedLesson {
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (!fm) throw new LessonError(file, 1, "a lesson starts with front matter between --- lines (title, summary, exercises)");
  let data: unknown;
  try {
    data = YAML.parse(fm[1]);
  } catch (e) {
    throw new LessonError(file, 2, `the front matter is not valid YAML: ${(e as Error).message}`);
  }
  const front = FrontMatter.safeParse(data);
  if (!front.success) {
    const i = front.error.issues[0];
    throw new LessonError(file, 2, `front matter${i.path.length ? ` field "${i.path.join(".")}"` : ""}: ${i.message}`);
  }
  const offset = fm[0].split("\n").length - 1;
  const body = source.slice(fm[0].length);
  const tree = unified().use(remarkParse).use(remarkGfm).parse(body) as Root;

  const sections: Section[] = [];
  let prose: RootContent[] = [];
  let steps = 0;
  const flush = () => {
    if (prose.length === 0) return;
    sections.push({ kind: "prose", html: toHtml(prose) });
    prose = [];
  };
  const ids = new Set<string>();
  const headingId = headingSlugger();
  for (const node of tree.children) {
    // Headings carry ids, so other pages (the notes page) can link to a section.
    if (node.type === "heading") node.data = { ...node.data, hProperties: { id: headingId(node) } };
    if (node.type !== "code" || !node.lang || !(node.lang in LANGS)) {
      prose.push(node);
      continue;
    }
    const line = (node.position?.start.line ?? 0) + offset;
    const lang = LANGS[node.lang];
    let meta: ReturnType<typeof parseFenceMeta>;
    try {
      meta = parseFenceMeta(lang, node.meta);
    } catch (e) {
      if (e instanceof FenceMetaError) throw new LessonError(file, line, e.message);
      throw e;
    }
    if (lang === "redis") {
      flush();
      const id = typeof meta.id === "string" ? meta.id : `step-${++steps}`;
      if (ids.has(id)) throw new LessonError(file, line, `two steps are called "${id}"; give each a unique id=`);
      ids.add(id);
      const title = typeof meta.title === "string" ? meta.title : undefined;
      if (meta.venn !== undefined) {
        const keys = String(meta.venn).split(/\s+/).filter(Boolean);
        if (keys.length !== 2) throw new LessonError(file, line, 'venn= names two set keys: venn="game:WOW sport:basketball"');
        if (node.value.trim()) throw new LessonError(file, line, "a venn block has no commands: leave it empty");
        sections.push({ kind: "venn", id, keys: [keys[0], keys[1]], title, line });
        continue;
      }
      if (meta.scenario !== undefined) {
        if (!SCENARIOS.includes(meta.scenario as Scenario)) {
          throw new LessonError(file, line, `scenario=${String(meta.scenario)} is not one of ${SCENARIOS.join(", ")}`);
        }
        if (node.value.trim()) throw new LessonError(file, line, "a scenario block has no commands: leave it empty");
        sections.push({ kind: "scenario", id, scenario: meta.scenario as Scenario, title, line });
        continue;
      }
      let holds: Hold[] | undefined;
      if (meta.holds !== undefined) {
        try {
          holds = parseHolds(meta.holds === true ? "" : meta.holds);
        } catch (e) {
          throw new LessonError(file, line, (e as Error).message);
        }
      }
      sections.push({
        kind: "step",
        id,
        title,
        commands: parseTranscript(file, line, node),
        nocheck: meta.nocheck === true,
        client: typeof meta.client === "string" ? meta.client : undefined,
        ...(holds ? { holds } : {}),
        tabs: [],
        line,
      });
      continue;
    }
    const tab: CodeTab = { lang: lang as "python" | "ts", code: node.value, line, ...(typeof meta.norun === "string" ? { norun: meta.norun } : {}) };
    if (meta.norun === true) throw new LessonError(file, line, 'norun needs its reason: norun="the notes\' code, bugs included"');
    // Code right after a redis block (with nothing between) is that step in another client.
    const last = sections[sections.length - 1];
    if (prose.length === 0 && last?.kind === "step" && !tab.norun) {
      if (last.tabs.some((t) => t.lang === tab.lang)) throw new LessonError(file, line, `step "${last.id}" already has a ${tab.lang} tab`);
      last.tabs.push(tab);
    } else {
      flush();
      sections.push({ kind: "code", tab });
    }
  }
  flush();
  return { front: front.data, sections };
}

/** `> COMMAND` lines, each followed by the reply redis-cli prints (no lines: not compared). */
function parseTranscript(file: string, fenceLine: number, node: Code): RedisCommand[] {
  const out: RedisCommand[] = [];
  let expect: string[] | null = null;
  const lines = node.value.split("\n");
  for (const [i, raw] of lines.entries()) {
    if (raw.startsWith("> ")) {
      if (out.length) out[out.length - 1].expect = expect?.length ? expect.join("\n") : null;
      out.push({ line: raw.slice(2).trim(), expect: null });
      expect = [];
    } else {
      if (!expect) throw new LessonError(file, fenceLine + 1 + i, "a redis block starts with a command line: write it as `> SET greeting hello`");
      expect.push(raw);
    }
  }
  if (out.length === 0) throw new LessonError(file, fenceLine, "a redis block holds `> COMMAND` lines, each followed by its reply");
  out[out.length - 1].expect = expect?.length ? expect.join("\n") : null;
  for (const c of out) if (c.line === "") throw new LessonError(file, fenceLine, "an empty `> ` line");
  return out;
}

const toHtmlProcessor = unified().use(remarkRehype).use(rehypeStringify);

function toHtml(nodes: RootContent[]): string {
  const hast = toHtmlProcessor.runSync({ type: "root", children: nodes } as Root);
  // A line break inside a Chinese sentence is no word break: the browser would show it as a space.
  return toHtmlProcessor.stringify(hast as never).replace(CJK_BREAK, "$1");
}

const CJK = "\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef";
const CJK_BREAK = new RegExp(`([${CJK}])\\n(?=[${CJK}])`, "gu");
