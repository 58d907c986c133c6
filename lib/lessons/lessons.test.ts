import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { LOCALES } from "@/lib/i18n/locales";
import { lessonList, loadLessons } from "./load";
import { runChecks } from "./checks";
import { parseLesson } from "./parse";

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
});
