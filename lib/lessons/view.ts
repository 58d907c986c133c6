import type { Lesson } from "./load";
import type { RedisCommand, Scenario } from "./parse";
import type { Hold } from "./holds";
import { highlight } from "./highlight";

/** What a lesson page hands to the browser: plain data, code already highlighted. */
export interface ViewTab {
  lang: "python" | "ts";
  html: string;
  norun?: string;
}
export type ViewSection =
  | { kind: "prose"; html: string }
  | { kind: "step"; id: string; title?: string; commands: RedisCommand[]; nocheck: boolean; client?: string; holds?: Hold[]; tabs: ViewTab[] }
  | { kind: "scenario"; id: string; scenario: Scenario; title?: string }
  | { kind: "venn"; id: string; keys: [string, string]; title?: string }
  | { kind: "code"; tab: ViewTab };

export interface LessonViewData {
  slug: string;
  order: number;
  title: string;
  summary: string;
  /** Runs in the workshop's shared keys when the learner is in a workshop. */
  shared: boolean;
  sections: ViewSection[];
  /** Each with its hint (after two misses) and solution (offered after four). */
  exercises: Array<{ id: string; title: string; prompt: string; hint?: string; solution: string[] }>;
  /** "Lesson n of 6" and the neighbours (the page adds it: `lessonNav`). */
  nav?: LessonNavData;
}

export async function toView(lesson: Lesson): Promise<LessonViewData> {
  const tab = async (t: { lang: "python" | "ts"; code: string; norun?: string }): Promise<ViewTab> => ({
    lang: t.lang,
    html: await highlight(t.code, t.lang),
    ...(t.norun ? { norun: t.norun } : {}),
  });
  const sections = await Promise.all(
    lesson.sections.map(async (s): Promise<ViewSection> => {
      switch (s.kind) {
        case "prose":
          return s;
        case "scenario":
          return { kind: "scenario", id: s.id, scenario: s.scenario, title: s.title };
        case "venn":
          return { kind: "venn", id: s.id, keys: s.keys, title: s.title };
        case "code":
          return { kind: "code", tab: await tab(s.tab) };
        case "step":
          return {
            kind: "step",
            id: s.id,
            title: s.title,
            commands: s.commands,
            nocheck: s.nocheck,
            client: s.client,
            ...(s.holds ? { holds: s.holds } : {}),
            tabs: await Promise.all(s.tabs.map(tab)),
          };
      }
    }),
  );
  return {
    slug: lesson.slug,
    order: lesson.order,
    title: lesson.title,
    summary: lesson.summary,
    shared: lesson.shared,
    sections,
    exercises: lesson.exercises.map(({ id, title, prompt, hint, solution }) => ({ id, title, prompt, ...(hint ? { hint } : {}), solution })),
  };
}

/** Where a lesson sits in its list: "Lesson n of total", and its neighbours for the previous/next links. */
export interface LessonNavData {
  /** 1-based place in the list. */
  n: number;
  total: number;
  prev?: { slug: string; title: string };
  next?: { slug: string; title: string };
}

/** The nav of `slug` in `list` (one locale's lessons in order), or null when it is not in the list. */
export function lessonNav(list: ReadonlyArray<{ slug: string; title: string }>, slug: string): LessonNavData | null {
  const i = list.findIndex((l) => l.slug === slug);
  if (i < 0) return null;
  const link = (l: { slug: string; title: string } | undefined) => (l ? { slug: l.slug, title: l.title } : undefined);
  return { n: i + 1, total: list.length, prev: link(list[i - 1]), next: link(list[i + 1]) };
}
