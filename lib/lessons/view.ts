import type { Lesson } from "./load";
import type { RedisCommand, Scenario } from "./parse";
import { highlight } from "./highlight";

/** What a lesson page hands to the browser: plain data, code already highlighted. */
export interface ViewTab {
  lang: "python" | "ts";
  html: string;
  norun?: string;
}
export type ViewSection =
  | { kind: "prose"; html: string }
  | { kind: "step"; id: string; title?: string; commands: RedisCommand[]; nocheck: boolean; client?: string; tabs: ViewTab[] }
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
  exercises: Array<{ id: string; title: string; prompt: string }>;
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
    exercises: lesson.exercises.map(({ id, title, prompt }) => ({ id, title, prompt })),
  };
}
