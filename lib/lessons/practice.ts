import { execCommand, type ExecClient, type ExecResult } from "@/lib/exec";
import { parseCommandLine } from "@/lib/cli/parse-command";
import { runtime } from "@/lib/runtime";
import type { Session } from "@/lib/session";
import { type CheckProblem, methodProblems, runChecks } from "./checks";
import { exerciseWindow, readHistory, recordCheck, recordCommand } from "./history";
import { getLesson } from "./load";
import { leaseKeyOf } from "@/lib/console-tx";

/**
 * A lesson page's commands and exercise checks (docs/architecture.md
 * "Lessons"): commands run as the console's do, and are remembered per
 * session and lesson (lib/lessons/history.ts) so that a check can look at how
 * an exercise was done as well as at the keys it left.
 *
 * `own` is the learner's session (their history is theirs, even in a shared
 * lesson); `scoped` is where the lesson's keys live (their own namespace, or
 * the workshop's: lib/classroom/scope.ts).
 */
export async function runLessonCommand(own: Session, scoped: Session, line: string, client: ExecClient, lesson: string | undefined): Promise<ExecResult> {
  const result = await execCommand(scoped, { command: line }, client);
  const watched = lesson ? watchedBy(lesson) : null;
  if (lesson && watched) {
    const parsed = parseCommandLine(line, runtime().config.maxArgs);
    if (parsed.ok && watched(parsed.argv)) await recordCommand(runtime().appConn, own.id, lesson, client, parsed.argv, result.reply);
  }
  return result;
}

const watchers = new Map<string, ((argv: Uint8Array[]) => boolean) | null>();

/**
 * Which commands a lesson's method rules could look at: their command names,
 * any command on a key a rule names, and EXEC and DISCARD (which decide whether
 * queued commands ran). Null for a lesson without method rules, or none: then
 * nothing is recorded.
 */
function watchedBy(lesson: string): ((argv: Uint8Array[]) => boolean) | null {
  if (watchers.has(lesson)) return watchers.get(lesson) ?? null;
  const rules = getLesson("en", lesson)?.exercises.flatMap((e) => e.method) ?? [];
  let test: ((argv: Uint8Array[]) => boolean) | null = null;
  if (rules.length > 0) {
    const names = new Set(["exec", "discard", ...rules.flatMap((r) => r.commands ?? []).map((c) => c.toLowerCase())]);
    const keys = rules.flatMap((r) => (r.key ? [Buffer.from(r.key)] : []));
    test = (argv) => names.has(Buffer.from(argv[0]).toString("latin1").toLowerCase()) || argv.slice(1).some((a) => keys.some((k) => k.equals(a)));
  }
  watchers.set(lesson, test);
  return test;
}

/**
 * An exercise's checks: an open MULTI in the page's console tab first (its
 * writes have not happened), then the keys, then the method since the last
 * "not yet". The check is remembered, so a "not yet" starts the next window.
 */
export async function checkLessonExercise(
  own: Session,
  scoped: Session,
  lesson: string,
  exercise: string,
  tab?: string,
  ip?: string,
): Promise<CheckProblem[] | null> {
  const ex = getLesson("en", lesson)?.exercises.find((x) => x.id === exercise);
  if (!ex) return null;
  const rt = runtime();
  const problems: CheckProblem[] = [];
  const lease = tab ? rt.leases.get(leaseKeyOf(scoped, tab)) : undefined;
  if (lease?.multi) problems.push({ kind: "openTx", queued: lease.queued.length });
  problems.push(...(await runChecks(rt.scoped(scoped.ns), scoped.ns, ex.checks)));
  if (ex.method.length > 0) problems.push(...methodProblems(exerciseWindow(await readHistory(rt.appConn, own.id, lesson), exercise), ex.method));
  await recordCheck(rt.appConn, own.id, lesson, ip, exercise, problems.length === 0);
  return problems;
}
