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
  const watch = lesson ? watchOf(lesson) : null;
  // Long lines are not kept (a rule looks at names, keys and flags: a few hundred bytes at most), so a
  // megabyte line is never split a second time; refused commands are dropped by recordCommand.
  if (lesson && watch && line.length <= MAX_RECORDED_LINE) {
    const parsed = parseCommandLine(line, runtime().config.maxArgs);
    if (parsed.ok && watch.test(parsed.argv)) await recordCommand(runtime().appConn, own.id, lesson, client, parsed.argv, result.reply, watch.named);
  }
  return result;
}

const MAX_RECORDED_LINE = 4096;

interface Watch {
  /** Whether a rule of the lesson could look at this command. */
  test(argv: Uint8Array[]): boolean;
  /** Whether an argument is a key or flag a rule names: only those are kept. */
  named(arg: Uint8Array): boolean;
}

/** Per lesson, built once from lessons/ (only for lessons that exist: a slug never adds an entry by itself). */
const watches = new Map<string, Watch | null>();

/**
 * Which commands a lesson's method rules could look at: their command names,
 * any command on a key a rule names, and EXEC and DISCARD (which decide whether
 * queued commands ran). Null for a lesson without method rules, or none: then
 * nothing is recorded.
 */
function watchOf(lesson: string): Watch | null {
  const known = watches.get(lesson);
  if (known !== undefined) return known;
  const found = getLesson("en", lesson);
  if (!found) return null; // an unknown slug is not remembered
  const rules = found.exercises.flatMap((e) => e.method);
  let watch: Watch | null = null;
  if (rules.length > 0) {
    const names = new Set(["exec", "discard", ...rules.flatMap((r) => r.commands ?? []).map((c) => c.toLowerCase())]);
    const keys = rules.flatMap((r) => (r.key ? [Buffer.from(r.key)] : []));
    const flags = new Set(rules.flatMap((r) => r.flags ?? []).map((f) => f.toUpperCase()));
    const isKey = (a: Uint8Array) => keys.some((k) => k.equals(a));
    watch = {
      test: (argv) => names.has(Buffer.from(argv[0]).toString("latin1").toLowerCase()) || argv.slice(1).some(isKey),
      named: (a) => isKey(a) || (a.length <= 16 && flags.has(Buffer.from(a).toString("latin1").toUpperCase())),
    };
  }
  watches.set(lesson, watch);
  return watch;
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
