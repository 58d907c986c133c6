import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import type { Locale } from "@/lib/i18n/locales";
import { LESSONS_DIR, lessonList } from "./load";
import { LessonError } from "./parse";

/**
 * The notes: the Redis cheat-sheet the lessons are built from (lessons/notes/notes.txt, as written,
 * mistakes included), split into parts by lessons/notes/parts.yaml. Each part links to the lesson that
 * teaches it; each mistake is marked with what the lesson corrects. Read at `next build`, like the
 * lessons: a part that leaves a line out, a quote that is not on its line or a heading that does not
 * exist stops the build with the file and the fix.
 */
const Text = z.object({ en: z.string().min(1), zh: z.string().min(1) }).strict();
const Line = z.number().int().positive();

const Mistake = z
  .object({
    lines: z.array(Line).min(1).describe("the lines (1-based, in notes.txt) the mistake is on"),
    quote: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe("the text on each of those lines that is wrong (one for all, or one per line); without it, the whole lines"),
    anchor: Text.describe("the id of the lesson heading where the correction is taught, in each language"),
    en: z.string().min(1).describe("what the lesson corrects, in English"),
    zh: z.string().min(1).describe("what the lesson corrects, in 中文"),
  })
  .strict();

const Part = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .describe("the part's id on the notes page: /en/notes#<id>"),
    lines: z.tuple([Line, Line]).describe("first and last line of the part, both included"),
    title: Text,
    lesson: z.string().describe("the slug of the lesson that teaches this part"),
    anchor: Text.describe("the id of the lesson heading that starts on this part, in each language"),
    mistakes: z.array(Mistake).default([]),
  })
  .strict();

export const NotesFile = z.object({ parts: z.array(Part).min(1) }).strict();
export type NotePart = z.infer<typeof Part>;

export interface Notes {
  /** The lines of notes.txt, without their line ends. */
  lines: string[];
  parts: NotePart[];
}

const FILE = "lessons/notes/parts.yaml";

/** Reads and checks the notes and their parts: in order, every line once, every quote on its lines. */
export function loadNotes(dir = path.join(LESSONS_DIR, "notes")): Notes {
  const text = fs.readFileSync(/*turbopackIgnore: true*/ path.join(dir, "notes.txt"), "utf8");
  const parsed = NotesFile.safeParse(YAML.parse(fs.readFileSync(/*turbopackIgnore: true*/ path.join(dir, "parts.yaml"), "utf8")));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LessonError(FILE, undefined, `${i.path.join(".")}: ${i.message}`);
  }
  const notes = { lines: text.replace(/\n$/, "").split("\n"), parts: parsed.data.parts };
  const problem = checkNotes(notes)[0];
  if (problem) throw new LessonError(FILE, undefined, problem);
  return notes;
}

/** What is wrong with the parts, if anything: each names the part and the fix. */
export function checkNotes({ lines, parts }: Notes): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  let next = 1;
  for (const p of parts) {
    const [from, to] = p.lines;
    if (ids.has(p.id)) out.push(`two parts are called "${p.id}"`);
    ids.add(p.id);
    if (from !== next) out.push(`part "${p.id}" starts at line ${from}; the part before it ends at line ${next - 1}, so it must start at ${next}`);
    if (to < from) out.push(`part "${p.id}" ends (line ${to}) before it starts (line ${from})`);
    next = to + 1;
    const marked = new Set<number>();
    for (const m of p.mistakes) {
      for (const n of m.lines) {
        if (marked.has(n)) out.push(`part "${p.id}": line ${n} is marked by two mistakes; a line shows one`);
        marked.add(n);
        const quote = quoteOn(m, n);
        if (n < from || n > to) out.push(`part "${p.id}" (lines ${from}–${to}) marks a mistake on line ${n}, outside it`);
        else if (quote !== undefined && !lines[n - 1].includes(quote)) out.push(`part "${p.id}": line ${n} does not contain "${quote}"`);
        else if (quote === undefined && lines[n - 1].trim() === "") out.push(`part "${p.id}" marks the empty line ${n}`);
      }
      if (Array.isArray(m.quote) && m.quote.length !== m.lines.length)
        out.push(`part "${p.id}": a mistake on ${m.lines.length} lines has ${m.quote.length} quotes; give one for all, or one per line`);
    }
  }
  if (next !== lines.length + 1) out.push(`the parts end at line ${next - 1}, but notes.txt has ${lines.length} lines: add a part for the rest`);
  return out;
}

/** A piece of a part's text: as written, or marked as the mistake numbered `n` (1-based, in its part). */
export type Piece = { text: string; mistake?: number };

export interface PartView {
  id: string;
  title: string;
  /** The part's lines, as pieces: join their text and you have the lines as written, with "\n" between. */
  pieces: Piece[];
  lesson: { slug: string; order: number; title: string; href: string };
  mistakes: Array<{ n: number; quote: string; text: string; href: string; heading: string }>;
}

/** The notes for the page in one language: each part with its lesson's title and its links resolved. */
export function notesView(locale: Locale, notes = loadNotes()): PartView[] {
  const lessons = new Map(lessonList(locale).map((l) => [l.slug, l]));
  return notes.parts.map((p) => {
    const lesson = lessons.get(p.lesson);
    if (!lesson) throw new LessonError(FILE, undefined, `part "${p.id}": there is no lesson "${p.lesson}" (the slugs: ${[...lessons.keys()].join(", ")})`);
    const headings = lessonHeadings(lesson.sections);
    const link = (anchor: string, what: string) => {
      const heading = headings.get(anchor);
      if (heading === undefined)
        throw new LessonError(
          FILE,
          undefined,
          `${what}: lesson "${p.lesson}" in ${locale} has no heading "${anchor}" (its headings: ${[...headings.keys()].join(", ")})`,
        );
      return { href: `/${locale}/lessons/${p.lesson}#${anchor}`, heading };
    };
    return {
      id: p.id,
      title: p.title[locale],
      pieces: pieces(notes.lines, p),
      lesson: { slug: p.lesson, order: lesson.order, title: lesson.title, href: link(p.anchor[locale], `part "${p.id}"`).href },
      mistakes: p.mistakes.map((m, i) => ({
        n: i + 1,
        quote: [...new Set(m.lines.map((n) => quoteOn(m, n) ?? notes.lines[n - 1].trim()))].join("\n"),
        text: m[locale],
        ...link(m.anchor[locale], `part "${p.id}", mistake ${i + 1}`),
      })),
    };
  });
}

/** The ids and texts of a lesson's headings, as its page renders them (lib/lessons/heading-id.ts). */
export function lessonHeadings(sections: Array<{ kind: string; html?: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of sections) {
    if (s.kind !== "prose" || !s.html) continue;
    for (const m of s.html.matchAll(/<h[1-6] id="([^"]+)">([\s\S]*?)<\/h[1-6]>/g)) out.set(m[1], decode(m[2].replace(/<[^>]+>/g, "")));
  }
  return out;
}

const decode = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&(amp|lt|gt|quot);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"' })[e as "amp"]);

/** What a mistake marks on line `n`: its quote there, or undefined for the whole line. */
function quoteOn(m: NotePart["mistakes"][number], n: number): string | undefined {
  return Array.isArray(m.quote) ? m.quote[m.lines.indexOf(n)] : m.quote;
}

/** A part's lines cut into pieces at its mistakes: each quote on each of its lines, or the whole line (without its indent). */
function pieces(lines: string[], p: NotePart): Piece[] {
  const out: Piece[] = [];
  const push = (text: string, mistake?: number) => {
    if (text === "") return;
    const last = out[out.length - 1];
    if (last && last.mistake === undefined && mistake === undefined) last.text += text;
    else out.push(mistake === undefined ? { text } : { text, mistake });
  };
  for (let n = p.lines[0]; n <= p.lines[1]; n++) {
    const line = lines[n - 1];
    const i = p.mistakes.findIndex((m) => m.lines.includes(n));
    const m = p.mistakes[i];
    if (!m) push(line);
    else if (m.quote === undefined) {
      const body = line.trim();
      const at = line.indexOf(body);
      push(line.slice(0, at));
      push(body, i + 1);
      push(line.slice(at + body.length));
    } else {
      const quote = quoteOn(m, n) as string;
      const at = line.indexOf(quote);
      push(line.slice(0, at));
      push(quote, i + 1);
      push(line.slice(at + quote.length));
    }
    if (n < p.lines[1]) push("\n");
  }
  return out;
}
