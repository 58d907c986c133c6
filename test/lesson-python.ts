import fs from "node:fs";
import path from "node:path";

/**
 * The lessons' code as the tests run it: fenced blocks taken from a lesson's
 * markdown, and lesson 6's fixed job queue pointed at the endpoint. Shared by
 * vitest (lib/endpoint/clients.test.ts) and Playwright (e2e/endpoint-python.spec.ts),
 * so it throws plain errors rather than using either one's `expect`.
 */

/** The fenced `lang` blocks of a lesson's section `heading` (up to the next heading of its level); `file` is under lessons/. */
export function lessonBlocks(file: string, heading: string, lang: string): string[] {
  const text = fs.readFileSync(path.join(import.meta.dirname, "../lessons", file), "utf8");
  const at = text.indexOf(`\n## ${heading}\n`);
  if (at <= 0) throw new Error(`no heading "${heading}" in ${file}`);
  const next = text.indexOf("\n## ", at + 1);
  const section = text.slice(at, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(new RegExp(`\n\`\`\`${lang}\n([\\s\\S]*?)\n\`\`\`\n`, "g"))].map((m) => m[1]);
  if (blocks.length === 0) throw new Error(`no ${lang} blocks under "${heading}" in ${file}`);
  return blocks;
}

/** `from` replaced by `to`, exactly `times` times (the lesson's code changed: the test using it must be looked at again). */
export function replaceExactly(code: string, from: string, to: string, times: number): string {
  const found = code.split(from).length - 1;
  if (found !== times) throw new Error(`"${from}" is in the lesson's code ${found} times, not ${times}`);
  return code.split(from).join(to);
}

/**
 * Lesson 6's "The program, fixed" (a master and five worker threads, redis-py), with only where it connects changed:
 * 127.0.0.1 at the port in $PG_PORT, signed in with the password in $PG_PASSWORD (as user default).
 */
export function fixedJobQueue(): string {
  let code = lessonBlocks("06-message-queue/lesson.en.md", "The program, fixed", "python")[0];
  code = replaceExactly(
    code,
    'HOST, PORT = "localhost", 6379',
    'import os\nHOST, PORT = "127.0.0.1", int(os.environ["PG_PORT"])\nPASSWORD = os.environ["PG_PASSWORD"]',
    1,
  );
  return replaceExactly(code, "redis.Redis(HOST, PORT, decode_responses=True)", "redis.Redis(HOST, PORT, password=PASSWORD, decode_responses=True)", 2);
}
