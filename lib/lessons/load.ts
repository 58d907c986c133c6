import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { LOCALES, type Locale } from "@/lib/i18n/locales";
import { ExercisesFile, type Check, type FrontMatter, type MethodRule } from "./schema";
import { LessonError, parseLesson, type Section } from "./parse";

/**
 * Loads every lesson from `lessons/NN-slug/` in every language, checks it
 * loudly (the file, the line, the fix; docs/architecture.md "Lessons") and keeps the result. Pages
 * are built from it at `next build`, so a broken lesson fails the build.
 */
export interface Exercise {
  id: string;
  title: string;
  prompt: string;
  /** Shown after two misses, in this language. */
  hint?: string;
  checks: Check[];
  /** How it must be done (lib/lessons/history.ts), when the prompt says so. */
  method: MethodRule[];
  solution: string[];
  /** Wrong ways the tests try: each must be told "not yet". */
  mistakes: string[][];
}

export interface Lesson {
  slug: string;
  order: number;
  locale: Locale;
  title: string;
  summary: string;
  shared: boolean;
  sections: Section[];
  exercises: Exercise[];
}

export const LESSONS_DIR = path.join(process.cwd(), "lessons");
const DIR_RE = /^(\d{2})-([a-z0-9-]+)$/;

let cache: Map<string, Lesson> | null = null;

/** Every lesson in every language, keyed `${locale}/${slug}`. */
export function loadLessons(dir = LESSONS_DIR): Map<string, Lesson> {
  if (cache && dir === LESSONS_DIR) return cache;
  const out = new Map<string, Lesson>();
  const folders = fs
    .readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    if (folder === "notes") continue; // the cheat-sheet the lessons are built from (the notes page), not a lesson
    const m = DIR_RE.exec(folder);
    if (!m) throw new LessonError(path.join("lessons", folder), undefined, "a lesson folder is named NN-slug, e.g. 01-basics");
    const [, nn, slug] = m;
    const exercisesPath = path.join(dir, folder, "exercises.yaml");
    const rel = (f: string) => path.join("lessons", folder, f);
    if (!fs.existsSync(/*turbopackIgnore: true*/ exercisesPath))
      throw new LessonError(rel("exercises.yaml"), undefined, "missing: every lesson has exercises with their checks");
    const parsedChecks = ExercisesFile.safeParse(YAML.parse(fs.readFileSync(/*turbopackIgnore: true*/ exercisesPath, "utf8")));
    if (!parsedChecks.success) {
      const i = parsedChecks.error.issues[0];
      throw new LessonError(rel("exercises.yaml"), undefined, `${i.path.join(".")}: ${i.message}`);
    }
    const checks = parsedChecks.data;
    let first: { locale: Locale; sections: Section[]; front: FrontMatter } | null = null;
    for (const locale of LOCALES) {
      const file = rel(`lesson.${locale}.md`);
      const full = path.join(dir, folder, `lesson.${locale}.md`);
      if (!fs.existsSync(/*turbopackIgnore: true*/ full)) throw new LessonError(file, undefined, `missing: every lesson exists in ${LOCALES.join(" and ")}`);
      const { front, sections } = parseLesson(file, fs.readFileSync(/*turbopackIgnore: true*/ full, "utf8"));
      for (const e of front.exercises) {
        if (!checks[e.id]) throw new LessonError(file, 2, `exercise "${e.id}" has no checks in exercises.yaml`);
      }
      for (const id of Object.keys(checks)) {
        if (!front.exercises.some((e) => e.id === id))
          throw new LessonError(file, 2, `exercises.yaml has "${id}", which this file's front matter does not list`);
      }
      if (first) assertSameSteps(file, first, { locale, sections, front });
      else first = { locale, sections, front };
      out.set(`${locale}/${slug}`, {
        slug,
        order: Number(nn),
        locale,
        title: front.title,
        summary: front.summary,
        shared: front.shared,
        sections,
        exercises: front.exercises.map((e) => {
          const x = checks[e.id];
          return { ...e, checks: x.checks, method: x.method ?? [], solution: x.solution, mistakes: x.mistakes ?? [] };
        }),
      });
    }
  }
  if (dir === LESSONS_DIR) cache = out;
  return out;
}

/** The languages teach the same steps: same ids, same commands, same expected replies, same code. */
function assertSameSteps(
  file: string,
  a: { locale: Locale; sections: Section[]; front: FrontMatter },
  b: { locale: Locale; sections: Section[]; front: FrontMatter },
) {
  const shape = (s: Section[]) =>
    s.flatMap((x) =>
      x.kind === "step"
        ? [
            `step ${x.id} [${x.client ?? ""}] ${x.nocheck}: ${x.commands.map((c) => `${c.line} => ${c.expect}`).join(" | ")} tabs ${x.tabs.map((t) => t.lang).join(",")}`,
          ]
        : x.kind === "scenario"
          ? [`scenario ${x.id} ${x.scenario}`]
          : x.kind === "venn"
            ? [`venn ${x.id} ${x.keys.join(" ")}`]
            : [],
    );
  const [sa, sb] = [shape(a.sections), shape(b.sections)];
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    if (sa[i] !== sb[i]) {
      throw new LessonError(
        file,
        undefined,
        `differs from lesson.${a.locale}.md at step ${i + 1}: ${sb[i] ?? "(missing)"} ≠ ${sa[i] ?? "(missing)"}; both languages run the same steps`,
      );
    }
  }
  const ids = (f: FrontMatter) => f.exercises.map((e) => e.id).join(",");
  if (ids(a.front) !== ids(b.front)) throw new LessonError(file, 2, `exercises ${ids(b.front)} ≠ lesson.${a.locale}.md's ${ids(a.front)}`);
}

export function getLesson(locale: Locale, slug: string): Lesson | undefined {
  return loadLessons().get(`${locale}/${slug}`);
}

export function lessonList(locale: Locale): Lesson[] {
  return [...loadLessons().values()].filter((l) => l.locale === locale).sort((a, b) => a.order - b.order);
}
