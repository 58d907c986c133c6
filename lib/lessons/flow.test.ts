import { describe, expect, it } from "vitest";
import { anchorIndex } from "@/components/scroll-anchor";
import { summarize } from "@/components/lesson/progress";
import { LOCALES } from "@/lib/i18n/locales";
import { lessonList } from "./load";
import { lessonNav } from "./view";

/** The lessons' order and the reader's place in them: "Lesson n of 6", the list's summary, the language switch's anchor. */

describe("lessonNav", () => {
  it("gives every lesson its place and its neighbours, in both languages alike", () => {
    for (const locale of LOCALES) {
      const list = lessonList(locale);
      expect(list.length).toBeGreaterThan(1);
      list.forEach((l, i) => {
        const nav = lessonNav(list, l.slug);
        expect(nav).toEqual({
          n: i + 1,
          total: list.length,
          prev: i > 0 ? { slug: list[i - 1].slug, title: list[i - 1].title } : undefined,
          next: i < list.length - 1 ? { slug: list[i + 1].slug, title: list[i + 1].title } : undefined,
        });
      });
      expect(lessonNav(list, "nope")).toBeNull();
    }
    expect(lessonList("zh").map((l) => l.slug)).toEqual(lessonList("en").map((l) => l.slug));
  });
});

describe("summarize", () => {
  const lessons = [
    { slug: "a", exercises: ["x", "y"] },
    { slug: "b", exercises: ["z"] },
    { slug: "c", exercises: [] },
    { slug: "d", exercises: ["w"] },
  ];

  it("counts done lessons and exercises, and names the first lesson not finished", () => {
    expect(summarize({}, lessons)).toEqual({ lessonsDone: 1, exercisesDone: 0, exercisesTotal: 4, next: "a" });
    expect(summarize({ a: ["x", "y"], b: ["z"] }, lessons)).toEqual({ lessonsDone: 3, exercisesDone: 3, exercisesTotal: 4, next: "d" });
    // Out of order: lesson b done first, a still next.
    expect(summarize({ b: ["z"], d: ["w"] }, lessons)).toEqual({ lessonsDone: 3, exercisesDone: 2, exercisesTotal: 4, next: "a" });
    expect(summarize({ a: ["x", "y"], b: ["z"], d: ["w"] }, lessons).next).toBeNull();
  });

  it("ignores ids a lesson no longer has, repeats and stored junk", () => {
    expect(summarize({ a: ["x", "x", "gone"], b: "z" as unknown as string[], zz: ["q"] }, lessons)).toEqual({
      lessonsDone: 1,
      exercisesDone: 1,
      exercisesTotal: 4,
      next: "a",
    });
  });
});

describe("the language switch's anchor", () => {
  it("is the last heading at or above the limit", () => {
    expect(anchorIndex([], 300)).toBe(-1);
    expect(anchorIndex([300], 300)).toBe(0);
    expect(anchorIndex([400, 900], 300)).toBe(-1);
    expect(anchorIndex([-2000, -40, 250, 900], 300)).toBe(2);
    expect(anchorIndex([-2000, -40, 301], 300)).toBe(1);
  });

  it("finds the same heading in the other language: every lesson has the same headings in the same order", () => {
    const levels = (html: string) => [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => m[1]).join("");
    const outline = (locale: (typeof LOCALES)[number]) =>
      lessonList(locale).map((l) => ({ slug: l.slug, headings: l.sections.map((s) => (s.kind === "prose" ? levels(s.html) : s.kind)).join("|") }));
    const en = outline("en");
    expect(en.every((l) => /2/.test(l.headings))).toBe(true);
    expect(outline("zh")).toEqual(en);
  });
});
