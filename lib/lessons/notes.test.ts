import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LOCALES, type Locale } from "@/lib/i18n/locales";
import { LESSONS_DIR, lessonList } from "./load";
import { checkNotes, lessonHeadings, loadNotes, type Notes, notesView } from "./notes";
import { headingSlugger } from "./heading-id";
import type { Heading } from "mdast";

/**
 * The notes page's data (lessons/notes/): the parts cover notes.txt in order, every line once; every
 * mistake's quote is on its lines; every lesson and heading a part links to exists in both languages, as
 * the lesson page renders it; and the lessons link to the notes page where they speak of the notes.
 */
const notes = loadNotes();
const NOTES_DIR = path.join(LESSONS_DIR, "notes");

describe("the notes' parts", () => {
  it("cover notes.txt from its first line to its last, in order, without a gap or an overlap", () => {
    const text = fs.readFileSync(path.join(NOTES_DIR, "notes.txt"), "utf8");
    expect(notes.lines.length).toBe(text.replace(/\n$/, "").split("\n").length);
    expect(notes.parts[0].lines[0]).toBe(1);
    for (let i = 1; i < notes.parts.length; i++) expect(notes.parts[i].lines[0], notes.parts[i].id).toBe(notes.parts[i - 1].lines[1] + 1);
    expect(notes.parts[notes.parts.length - 1].lines[1]).toBe(notes.lines.length);
    // The page shows the parts one after another: together they are the text, byte for byte.
    for (const locale of LOCALES) {
      const shown = notesView(locale)
        .map((p) => p.pieces.map((x) => x.text).join(""))
        .join("\n");
      expect(`${shown}\n`).toBe(text);
    }
  });

  it("mark each mistake where the notes make it, with a correction in both languages", () => {
    expect(checkNotes(notes)).toEqual([]);
    const marked = notesView("en").flatMap((p) => p.pieces.filter((x) => x.mistake !== undefined).map((x) => x.text));
    // The mistakes the lessons call out (lessons/README.md, "Voice").
    for (const m of ["setex(name, value, time)", "piprline", "据说有原子性", "subcribe", "r.publish", "print"]) expect(marked).toContain(m);
    for (const p of notes.parts) for (const m of p.mistakes) expect(m.zh, `${p.id}: ${m.en}`).toMatch(/\p{Script=Han}/u);
  });

  it("refuse a part that leaves lines out, overlaps, or quotes what its line does not say", () => {
    const broken = (f: (n: Notes) => void) => {
      const copy: Notes = structuredClone(notes);
      f(copy);
      return checkNotes(copy);
    };
    expect(broken((n) => (n.parts[1].lines[0] += 1))).toEqual([expect.stringContaining('part "set-get" starts at line 9')]);
    expect(broken((n) => (n.parts[1].lines[0] -= 1))).toEqual([expect.stringContaining('part "set-get" starts at line 7')]);
    expect(broken((n) => n.parts.pop())).toEqual([expect.stringContaining("add a part for the rest")]);
    expect(broken((n) => (n.parts[2].mistakes[0].quote = "setex(name, time, value)"))).toEqual([
      expect.stringContaining('line 15 does not contain "setex(name, time, value)"'),
    ]);
    expect(broken((n) => (n.parts[2].mistakes[0].lines = [12]))).toEqual([expect.stringContaining("outside it")]);
  });

  it("stop the build with the file and the fix when the data is wrong", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "notes-"));
    try {
      fs.copyFileSync(path.join(NOTES_DIR, "notes.txt"), path.join(dir, "notes.txt"));
      const yaml = fs.readFileSync(path.join(NOTES_DIR, "parts.yaml"), "utf8");
      fs.writeFileSync(path.join(dir, "parts.yaml"), yaml.replace("lines: [8, 12]", "lines: [9, 12]"));
      expect(() => loadNotes(dir)).toThrow(/^lessons\/notes\/parts\.yaml: part "set-get" starts at line 9/);
      fs.writeFileSync(path.join(dir, "parts.yaml"), yaml.replace("lesson: basics", "lesson: basic"));
      expect(() => notesView("en", loadNotes(dir))).toThrow(/there is no lesson "basic"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the notes' links into the lessons", () => {
  for (const locale of LOCALES) {
    it(`name lessons and headings that exist in ${locale}, as the lesson page renders them`, () => {
      const lessons = new Map(lessonList(locale).map((l) => [l.slug, l]));
      for (const p of notes.parts) {
        const lesson = lessons.get(p.lesson);
        expect(lesson, `part ${p.id}: lesson ${p.lesson}`).toBeDefined();
        const headings = lessonHeadings(lesson?.sections ?? []);
        for (const anchor of [p.anchor[locale], ...p.mistakes.map((m) => m.anchor[locale])]) {
          expect([...headings.keys()], `part ${p.id}: #${anchor} in ${locale}/${p.lesson}`).toContain(anchor);
        }
      }
      // notesView resolves every link, or throws.
      expect(notesView(locale).every((p) => p.lesson.href.startsWith(`/${locale}/lessons/`))).toBe(true);
    });
  }

  it("reach the same section in both languages", () => {
    // A part's anchors are the nth heading of its lesson in each language: the lessons' outlines match.
    for (const p of notes.parts) {
      for (const [en, zh] of [[p.anchor.en, p.anchor.zh], ...p.mistakes.map((m) => [m.anchor.en, m.anchor.zh])]) {
        const at = (locale: Locale, anchor: string) =>
          [...lessonHeadings(lessonList(locale).find((l) => l.slug === p.lesson)?.sections ?? []).keys()].indexOf(anchor);
        expect(at("zh", zh), `${p.id}: #${en} and #${zh}`).toBe(at("en", en));
      }
    }
  });

  it("use heading ids made the way GitHub makes them", () => {
    const h = (text: string): Heading => ({ type: "heading", depth: 2, children: [{ type: "text", value: text }] });
    const id = headingSlugger();
    expect(id(h("Keys that expire: SETEX"))).toBe("keys-that-expire-setex");
    expect(id(h("“Said to be thread-safe”: what exactly is"))).toBe("said-to-be-thread-safe-what-exactly-is");
    expect(id(h("会过期的键：SETEX"))).toBe("会过期的键setex");
    expect(id(h("Recap"))).toBe("recap");
    expect(id(h("Recap"))).toBe("recap-1");
  });
});

/**
 * Every block of lesson prose (a paragraph, a list item, a table cell) that speaks of the notes links its
 * first mention to the notes page, at a part that exists. Justified exceptions: headings (a link inside a
 * heading; the paragraph under it carries the link instead), a second mention in the same block (one
 * link per block is enough), code, and the front matter (plain text, no links).
 */
const MENTION: Record<Locale, RegExp> = { en: /\bthe\s+notes\b/i, zh: /笔记/ };

function unlinkedMentions(html: string, locale: Locale, parts: Set<string>): string[] {
  const out: string[] = [];
  const body = html
    .replace(/<pre[\s\S]*?<\/pre>/g, "")
    .replace(/<code>[\s\S]*?<\/code>/g, "`code`")
    .replace(/<h(\d)[^>]*>[\s\S]*?<\/h\1>/g, "\n");
  for (const block of body.split(/<\/?(?:p|li|ul|ol|blockquote|td|th|tr|table)>/)) {
    const marked = block.replace(/<a href="([^"]*)">([\s\S]*?)<\/a>/g, (_, href: string, text: string) => {
      const m = new RegExp(`^/${locale}/notes#([a-z0-9-]+)$`).exec(href);
      if (m && !parts.has(m[1])) out.push(`a link to a part that does not exist: ${href}`);
      return m ? `\uE000${text}\uE001` : text;
    });
    const text = marked.replace(/<[^>]+>/g, "");
    const first = MENTION[locale].exec(text);
    if (!first) continue;
    const before = text.slice(0, first.index);
    const inLink = before.lastIndexOf("\uE000") > before.lastIndexOf("\uE001");
    if (!inLink)
      out.push(
        text
          .replace(/[\uE000\uE001]/g, "")
          .trim()
          .slice(0, 160),
      );
  }
  return out;
}

describe("the lessons' mentions of the notes", () => {
  const parts = new Set(notes.parts.map((p) => p.id));
  for (const locale of LOCALES) {
    for (const lesson of lessonList(locale)) {
      it(`${locale}/${lesson.slug} links the notes page where it speaks of the notes`, () => {
        const html = lesson.sections.flatMap((s) => (s.kind === "prose" ? [s.html] : [])).join("\n");
        expect(unlinkedMentions(html, locale, parts)).toEqual([]);
      });
    }
  }

  it("finds an unlinked mention, and a link to a part that does not exist", () => {
    const parts = new Set(["setex"]);
    expect(unlinkedMentions("<p>As the notes say.</p>", "en", parts)).toEqual(["As the notes say."]);
    expect(unlinkedMentions('<p>As <a href="/en/notes#setex">the notes</a> say; the notes again.</p>', "en", parts)).toEqual([]);
    expect(unlinkedMentions('<p>As <a href="/zh/notes#setex">the notes</a> say.</p>', "en", parts)).toEqual(["As the notes say."]);
    expect(unlinkedMentions('<p><a href="/zh/notes#nope">笔记</a>里</p>', "zh", parts)).toEqual(["a link to a part that does not exist: /zh/notes#nope"]);
    expect(unlinkedMentions("<h2>笔记里的管道</h2><pre><code>the notes</code></pre>", "zh", parts)).toEqual([]);
  });
});
