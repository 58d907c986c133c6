import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { LOCALES } from "@/lib/i18n/locales";
import { lessonList, loadLessons } from "./load";
import { runChecks } from "./checks";
import { parseLesson, type Section } from "./parse";
import { checkHolds, parseHolds } from "./holds";
import { roomNamespace } from "@/lib/classroom/rooms";
import type { Session } from "@/lib/session";

/**
 * Every lesson, in every language, run against a real Redis: each runnable
 * block in a fresh namespace, each expected reply compared with what
 * redis-cli would print; each exercise's solution makes its checks pass (and
 * an empty namespace does not). A stale expectation fails here.
 */
const rt = useTestRuntime();
const lessons = [...loadLessons().values()];

describe("the lessons", () => {
  it("exist in every language, numbered 1, 2, 3 … in folder order: the folders are the one list of lessons", () => {
    const slugs = new Set(lessons.map((l) => l.slug));
    for (const slug of slugs) {
      for (const locale of LOCALES)
        expect(
          lessons.some((l) => l.slug === slug && l.locale === locale),
          `${locale}/${slug}`,
        ).toBe(true);
    }
    for (const locale of LOCALES) expect(lessonList(locale).map((l) => l.order)).toEqual([...slugs].map((_, i) => i + 1));
    expect(slugs.size).toBe(6);
  });

  for (const lesson of lessons) {
    describe(`${lesson.locale}/${lesson.slug}`, () => {
      it("runs every block with the replies the lesson shows", async () => {
        await rt.conn.waitReady();
        const { session } = issueSession(rt.config.sessionSecret);
        const tab = `lesson-test`;
        let checked = 0;
        try {
          for (const s of lesson.sections) {
            if (s.kind !== "step") continue;
            for (const c of s.commands) {
              const r = await execCommand(session, { command: c.line }, { id: s.client ? `${tab}-${s.client}` : tab });
              if (s.nocheck || c.expect === null) continue;
              expect(r.text, `step ${s.id}: ${c.line}`).toBe(c.expect);
              checked++;
            }
            // What the step says it leaves (holds=) is there after a fresh run too.
            if (s.holds) expect(await checkHolds(rt.scoped(session.ns), session.ns, s.holds), `step ${s.id}: holds=`).toEqual([]);
          }
        } finally {
          await execCommand(session, { command: "DISCARD" }, { id: tab }).catch(() => {});
          await execCommand(session, { command: "FLUSHDB" });
        }
        expect(checked).toBeGreaterThan(0);
      });

      it("has exercises whose solutions pass their checks, and an empty sandbox does not", async () => {
        for (const ex of lesson.exercises) {
          const { session } = issueSession(rt.config.sessionSecret);
          expect(await runChecks(rt.scoped(session.ns), session.ns, ex.checks), `${ex.id} on an empty sandbox`).not.toEqual([]);
          for (const line of ex.solution) {
            const r = await execCommand(session, { command: line });
            expect(r.reply.t, `${ex.id}: ${line} → ${r.text}`).not.toBe("error");
          }
          expect(await runChecks(rt.scoped(session.ns), session.ns, ex.checks), `${ex.id} after its solution`).toEqual([]);
          await execCommand(session, { command: "FLUSHDB" });
        }
      });
    });
  }
});

type Step = Extract<Section, { kind: "step" }>;

/**
 * One student's run of a step in a workshop's shared keys, judged as the lesson page judges it
 * (components/lesson/lesson-view.tsx runStep): every reply as the lesson shows it, or, for a step
 * with holds=, no unexpected error and the keys holding what it leaves. Empty: the step counts.
 */
async function sharedRun(session: Session, tab: string, step: Step): Promise<string[]> {
  const differs: string[] = [];
  let errored = false;
  for (const c of step.commands) {
    const r = await execCommand(session, { command: c.line }, { id: step.client ? `${tab}-${step.client}` : tab });
    if (step.nocheck || c.expect === null || r.text === c.expect) continue;
    differs.push(`${c.line} → ${r.text} (the lesson shows ${c.expect})`);
    if (r.reply.t === "error") errored = true;
  }
  if (differs.length === 0) return [];
  if (!step.holds) return differs;
  const problems = await checkHolds(rt.scoped(session.ns), session.ns, step.holds);
  return errored || problems.length ? [...differs, ...problems.map((p) => JSON.stringify(p))] : [];
}

/**
 * Shared lessons whose steps still need the sandbox to themselves, each with why: the test checks
 * they do fail a second student (so an entry goes once its lesson is fixed).
 */
const ORDER_DEPENDENT: Record<string, string> = {};

describe("shared lessons in a workshop's keys: whoever runs a step first, every student's step counts", () => {
  const shared = lessons.filter((l) => l.shared);
  it("there are shared lessons, and their holds= read the same in every language (the server checks the English ones)", () => {
    expect(shared.length).toBeGreaterThan(0);
    for (const l of shared) {
      const en = lessons.find((x) => x.slug === l.slug && x.locale === "en")!;
      const holds = (x: typeof l) => x.sections.flatMap((s) => (s.kind === "step" ? [[s.id, s.holds ?? null]] : []));
      expect(holds(l), `${l.locale}/${l.slug}`).toEqual(holds(en));
    }
  });

  for (const lesson of shared.filter((l) => l.locale === "en")) {
    const steps = lesson.sections.filter((s): s is Step => s.kind === "step");
    // A workshop's namespace, as lib/classroom/scope.ts hands it to each of the room's students.
    const room = () => roomNamespace(Array.from({ length: 6 }, () => "ABCDEFGHJKMNPQRSTUVWXYZ23456789"[Math.floor(Math.random() * 31)]).join(""));
    const student = (ns: Session["ns"]): Session => ({ id: issueSession(rt.config.sessionSecret).session.id, ns });
    const known = ORDER_DEPENDENT[lesson.slug];

    (known ? it.fails : it)(`${lesson.slug}: a second and a third student, after the first did every step and exercise`, async () => {
      await rt.conn.waitReady();
      const ns = room();
      const [a, b, c] = [student(ns), student(ns), student(ns)];
      try {
        for (const s of steps) expect(await sharedRun(a, "a", s), `first student, step ${s.id}`).toEqual([]);
        for (const ex of lesson.exercises) for (const line of ex.solution) await execCommand(a, { command: line }, { id: "a" });
        for (const [who, tab] of [
          [b, "b"],
          [c, "c"],
        ] as const)
          for (const s of steps) expect(await sharedRun(who, tab, s), `student ${tab}, step ${s.id}`).toEqual([]);
      } finally {
        for (const tab of ["a", "b", "c"]) await execCommand(a, { command: "DISCARD" }, { id: tab }).catch(() => {});
        await execCommand(a, { command: "FLUSHDB" });
      }
    });

    (known ? it.fails : it)(`${lesson.slug}: three students in lockstep, each step run by one right after another`, async () => {
      await rt.conn.waitReady();
      const ns = room();
      const students = [student(ns), student(ns), student(ns)];
      try {
        for (const s of steps)
          for (const [i, who] of students.entries()) expect(await sharedRun(who, `s${i}`, s), `student ${i + 1}, step ${s.id}`).toEqual([]);
      } finally {
        for (const tab of ["s0", "s1", "s2"]) await execCommand(students[0], { command: "DISCARD" }, { id: tab }).catch(() => {});
        await execCommand(students[0], { command: "FLUSHDB" });
      }
    });
  }
});

describe("the lesson parser", () => {
  const head = "---\ntitle: T\nsummary: S\nexercises:\n  - { id: a, title: A, prompt: P }\n---\n";
  it("reads commands, replies, tabs and prose", () => {
    const { sections } = parseLesson(
      "x.md",
      `${head}\nSome *prose*.\n\n\`\`\`redis id=one\n> SET a 1\nOK\n> GET a\n"1"\n\`\`\`\n\n\`\`\`python\nprint(1)\n\`\`\`\n`,
    );
    expect(sections[0]).toEqual({ kind: "prose", html: "<p>Some <em>prose</em>.</p>" });
    expect(sections[1]).toMatchObject({
      kind: "step",
      id: "one",
      commands: [
        { line: "SET a 1", expect: "OK" },
        { line: "GET a", expect: '"1"' },
      ],
      tabs: [{ lang: "python" }],
    });
  });

  it("fails with the file, the line and the fix", () => {
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis colour=red\n> PING\n\`\`\`\n`)).toThrow(/^l\.md:8: unknown fence meta "colour".*allowed: id=/);
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis\nPING\n\`\`\`\n`)).toThrow(/^l\.md:9: a redis block starts with a command line/);
    expect(() => parseLesson("l.md", `---\ntitle: T\n---\n`)).toThrow(/front matter field "summary"/);
    expect(() => parseLesson("l.md", `${head.replace("title: T", "title: T\nlevel: 3")}`)).toThrow(/Unrecognized key.*level|level/);
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis scenario=teleport\n\`\`\`\n`)).toThrow(
      /scenario=teleport is not one of pipeline, visitors, job-queue, connections/,
    );
    expect(() => parseLesson("l.md", `${head}\n\`\`\`python norun\nx\n\`\`\`\n`)).toThrow(/norun needs its reason/);
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis venn="only-one"\n\`\`\`\n`)).toThrow(/venn= names two set keys/);
    expect(parseLesson("l.md", `${head}\n\`\`\`redis venn="a b"\n\`\`\`\n`).sections[0]).toMatchObject({ kind: "venn", keys: ["a", "b"] });
  });

  it("reads holds= (what a step leaves) and refuses what it cannot read, naming the forms", () => {
    const step = parseLesson("l.md", `${head}\n\`\`\`redis id=s holds="k has a b; k lacks c; gone absent; k is set"\n> SADD k a b\n\`\`\`\n`).sections[0];
    expect(step).toMatchObject({
      kind: "step",
      holds: [
        { key: "k", op: "has", members: ["a", "b"] },
        { key: "k", op: "lacks", members: ["c"] },
        { key: "gone", op: "absent" },
        { key: "k", op: "is", type: "set" },
      ],
    });
    expect(parseLesson("l.md", `${head}\n\`\`\`redis\n> PING\n\`\`\`\n`).sections[0]).not.toHaveProperty("holds");
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis holds="k contains a"\n> PING\n\`\`\`\n`)).toThrow(
      /^l\.md:8: cannot read the holds clause "k contains a"; write holds="<key> has <member>/,
    );
    expect(() => parseLesson("l.md", `${head}\n\`\`\`redis holds\n> PING\n\`\`\`\n`)).toThrow(/holds= is empty/);
    expect(() => parseHolds("k is blob")).toThrow(/cannot read the holds clause "k is blob"/);
    expect(() => parseHolds("k has")).toThrow(/cannot read/);
  });

  it("checks holds= against real keys: each clause that does not hold, by kind", async () => {
    await rt.conn.waitReady();
    const { session } = issueSession(rt.config.sessionSecret);
    try {
      for (const line of ["SADD k a b", "SET s v"]) await execCommand(session, { command: line });
      const check = (text: string) => checkHolds(rt.scoped(session.ns), session.ns, parseHolds(text));
      expect(await check("k has a b; k lacks c; gone absent; gone lacks x; k is set; s is string")).toEqual([]);
      expect(await check("k has a c d; k lacks b; s absent; gone has a; s has a; k is list")).toEqual([
        { kind: "members", key: "k", missing: ["c", "d"] },
        { kind: "extra", key: "k", present: ["b"] },
        { kind: "exists", key: "s" },
        { kind: "missing", key: "gone" },
        { kind: "type", key: "s", want: "set", got: "string" },
        { kind: "type", key: "k", want: "list", got: "set" },
      ]);
    } finally {
      await execCommand(session, { command: "FLUSHDB" });
    }
  });
});
