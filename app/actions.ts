"use server";

import { z } from "zod";
import { execCommand, resetNamespace, type ExecResult } from "@/lib/exec";
import { actionClient, actionSession } from "@/lib/next-session";
import { runtime } from "@/lib/runtime";
import { checkHealth } from "@/lib/health";
import { isSandboxError, type WireError } from "@/lib/errors";
import { type Problem, problem } from "@/lib/problems";
import { problemText } from "@/lib/i18n/problems";
import type { CommandDoc } from "@/lib/command-docs";
import { checkRate, limitWindow } from "@/lib/rate-limit";
import { heavyReadsPer2s, roomLimits } from "@/lib/config";
import { inspectKeys } from "@/lib/lessons/inspect";
import { type CheckProblem, runChecks } from "@/lib/lessons/checks";
import { getLesson } from "@/lib/lessons/load";
import { vennOf, type Venn } from "@/lib/lessons/venn";
import { ProgressReport, reportProgress, roomInfo, studentRoom } from "@/lib/classroom/rooms";
import { sessionForLesson } from "@/lib/classroom/scope";
import { knownItem } from "@/lib/classroom/catalog";
import type { Session } from "@/lib/session";

/** A server action's answer: the value, or the error as a code the page words in its language (lib/i18n/problems.ts). */
export type ActionResult<T> = { ok: true; value: T } | { ok: false; unavailable: boolean; error: WireError };

const fail = (p: Problem): { ok: false; unavailable: false; error: WireError } => ({
  ok: false,
  unavailable: false,
  error: { ...p, message: problemText(p) },
});

async function guard<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (isSandboxError(e)) return { ok: false, unavailable: e.kind === "redis_unavailable", error: e.toWire() };
    console.error("[action]", e);
    return fail(problem("server:failed"));
  }
}

const Line = z.string().max(1024 * 1024);
const Tab = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);

/** Runs one command line; `tab` identifies the console tab, which has its own MULTI/WATCH. */
export async function runCommand(line: unknown, tab: unknown, lesson?: unknown): Promise<ActionResult<ExecResult>> {
  const parsed = Line.safeParse(line);
  if (!parsed.success) return fail(problem("request:invalid-line"));
  const tabId = Tab.safeParse(tab);
  if (!tabId.success) return fail(problem("request:invalid-tab"));
  return guard(async () => execCommand(await scopedSession(lesson), { command: parsed.data }, { ...(await actionClient()), id: tabId.data }));
}

export async function resetMyData(): Promise<ActionResult<number>> {
  return guard(async () => resetNamespace(await actionSession()));
}

export async function loadCommandDocs(): Promise<ActionResult<CommandDoc[]>> {
  return guard(() => runtime().commandDocs());
}

export async function redisStatus(): Promise<boolean> {
  return (await checkHealth()).redis === "ok";
}

/** The session whose namespace a lesson page works in (lib/classroom/scope.ts). */
async function scopedSession(lesson: unknown): Promise<Session> {
  return sessionForLesson(runtime().appConn, await actionSession(), lesson);
}

/**
 * For a lesson page's reads of the learner's keys: the session (own or the
 * room's), Redis ready, counted against the rate limit — and, for reads that
 * walk many keys, at most a few a second per visitor, whatever the page asks.
 */
async function lessonRead(lesson: unknown, heavy?: "inspector" | "venn") {
  const session = await scopedSession(lesson);
  const rt = runtime();
  await rt.conn.ensureReady();
  const ip = (await actionClient()).ip;
  await checkRate(rt.appConn, rt.config.rate, session.id, ip);
  if (heavy) await limitWindow(rt.appConn, `${heavy}:${session.id}`, heavyReadsPer2s(), 2, heavy);
  // Out of the same work budget as the console's commands (lib/sandbox/work-budget.ts): a read of every key, or a check's few.
  rt.work.spend(session.id, ip, heavy ? 5_000 : 500);
  return { session, rt };
}

/** The key inspector: the learner's keys, their types, TTLs and a preview. */
export async function inspectMyKeys(lesson?: unknown): Promise<ActionResult<Awaited<ReturnType<typeof inspectKeys>>>> {
  return guard(async () => {
    const { session, rt } = await lessonRead(lesson, "inspector");
    return inspectKeys(rt.scoped(session.ns), session.ns);
  });
}

const Slug = z.string().regex(/^[a-z0-9-]{1,40}$/, "Invalid lesson.");

/** Runs an exercise's checks against the learner's namespace: an empty list means done. */
export async function checkExercise(slug: unknown, exercise: unknown): Promise<ActionResult<CheckProblem[]>> {
  const s = Slug.safeParse(slug);
  const e = Slug.safeParse(exercise);
  if (!s.success || !e.success) return fail(problem("request:unknown-exercise"));
  const ex = getLesson("en", s.data)?.exercises.find((x) => x.id === e.data);
  if (!ex) return fail(problem("request:unknown-exercise"));
  return guard(async () => {
    const { session, rt } = await lessonRead(s.data);
    return runChecks(rt.scoped(session.ns), session.ns, ex.checks);
  });
}

const SetKey = z.string().min(1).max(200);

/** Two of the learner's sets, split for a Venn diagram. */
export async function vennOfMySets(a: unknown, b: unknown, lesson?: unknown): Promise<ActionResult<Venn>> {
  const ka = SetKey.safeParse(a);
  const kb = SetKey.safeParse(b);
  if (!ka.success || !kb.success) return fail(problem("request:invalid-sets"));
  return guard(async () => {
    const { session, rt } = await lessonRead(lesson, "venn");
    return vennOf(rt.scoped(session.ns), session.ns, ka.data, kb.data);
  });
}

/** Records a student's step or exercise in their workshop (a no-op outside one). */
export async function reportMyProgress(report: unknown): Promise<ActionResult<boolean>> {
  const parsed = ProgressReport.safeParse(report);
  if (!parsed.success) return fail(problem("request:invalid-progress"));
  return guard(async () => {
    const session = await actionSession();
    const rt = runtime();
    await rt.appConn.ensureReady();
    await limitWindow(rt.appConn, `progress:${session.id}`, roomLimits().progressPer10s, 10, "progress");
    return reportProgress(rt.appConn, session.id, parsed.data, knownItem);
  });
}

/** The workshop this browser's session joined, if any, and whether a lesson runs in its shared keys. */
export async function myRoom(): Promise<ActionResult<{ code: string; title: string; lessons: string[] } | null>> {
  return guard(async () => {
    const session = await actionSession();
    const rt = runtime();
    await rt.appConn.ensureReady();
    const code = await studentRoom(rt.appConn, session.id);
    if (!code) return null;
    const s = await roomInfo(rt.appConn, code);
    return s ? { code, title: s.title, lessons: s.lessons } : null;
  });
}
