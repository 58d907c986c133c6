"use server";

import { z } from "zod";
import { execCommand, resetNamespace, type ExecResult } from "@/lib/exec";
import { actionClient, actionSession } from "@/lib/next-session";
import { runtime } from "@/lib/runtime";
import { checkHealth } from "@/lib/health";
import { isSandboxError, type WireError } from "@/lib/errors";
import { issueProblem, type Problem, problem } from "@/lib/problems";
import { problemText } from "@/lib/i18n/problems";
import type { CommandDoc } from "@/lib/command-docs";
import { checkRate, limitWindow } from "@/lib/rate-limit";
import { heavyReadsPer2s, roomLimits } from "@/lib/config";
import { inspectKeys } from "@/lib/lessons/inspect";
import type { CheckProblem } from "@/lib/lessons/checks";
import { checkLessonExercise, runLessonCommand } from "@/lib/lessons/practice";
import { getLesson } from "@/lib/lessons/load";
import { vennOf, type Venn } from "@/lib/lessons/venn";
import { checkHolds, type HoldProblem } from "@/lib/lessons/holds";
import { ProgressReport, reportProgress, roomInfo, studentRoom } from "@/lib/classroom/rooms";
import { sessionForLesson } from "@/lib/classroom/scope";
import { knownItem } from "@/lib/classroom/catalog";
import type { Session } from "@/lib/session";
import { leaseKeyOf, type TxState, txOfLease } from "@/lib/console-tx";
import { headers } from "next/headers";
import { lastActivity } from "@/lib/endpoint/access";
import { type EndpointAccess, endpointAccessFor } from "@/lib/endpoint/access-for";

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
  const slug = Slug.safeParse(lesson);
  return guard(async () => {
    const own = await actionSession();
    return runLessonCommand(
      own,
      await scopedSession(lesson, own),
      parsed.data,
      { ...(await actionClient()), id: tabId.data },
      slug.success ? slug.data : undefined,
    );
  });
}

export async function resetMyData(): Promise<ActionResult<number>> {
  return guard(async () => resetNamespace(await actionSession()));
}

/** How many keys "Reset my data" / "Start over" would delete: the learner's own sandbox (never a workshop's keys). */
export async function countMyKeys(): Promise<ActionResult<number>> {
  return guard(async () => {
    // A client id no console tab can have (tab ids match Tab: no spaces): a visitor's own MULTI on a tab is never touched.
    const r = await execCommand(await actionSession(), { command: "DBSIZE" }, { ...(await actionClient()), id: "count keys" });
    return r.reply.t === "integer" ? Number(r.reply.v) : 0;
  });
}

export async function loadCommandDocs(): Promise<ActionResult<CommandDoc[]>> {
  return guard(() => runtime().commandDocs());
}

export async function redisStatus(): Promise<boolean> {
  return (await checkHealth()).redis === "ok";
}

/** The session whose namespace a lesson page works in (lib/classroom/scope.ts). */
async function scopedSession(lesson: unknown, own?: Session): Promise<Session> {
  return sessionForLesson(runtime().appConn, own ?? (await actionSession()), lesson);
}

/**
 * For a lesson page's reads of the learner's keys: the session (own or the
 * room's), Redis ready, counted against the rate limit — and, for reads that
 * walk many keys, at most a few a second per visitor, whatever the page asks.
 */
async function lessonRead(lesson: unknown, heavy?: "inspector" | "venn", own?: Session) {
  const session = await scopedSession(lesson, own);
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

/**
 * Runs an exercise's checks against the learner's keys and, where the prompt
 * says how, the commands they ran since their last "not yet"
 * (lib/lessons/practice.ts); `tab` is the page's console tab, whose open MULTI
 * is mentioned. An empty list means done.
 */
export async function checkExercise(slug: unknown, exercise: unknown, tab?: unknown): Promise<ActionResult<CheckProblem[]>> {
  const s = Slug.safeParse(slug);
  const e = Slug.safeParse(exercise);
  if (!s.success || !e.success) return fail(problem("request:unknown-exercise"));
  const t = tab === undefined ? undefined : Tab.safeParse(tab);
  if (t && !t.success) return fail(problem("request:invalid-tab"));
  if (!getLesson("en", s.data)?.exercises.some((x) => x.id === e.data)) return fail(problem("request:unknown-exercise"));
  return guard(async () => {
    const own = await actionSession();
    const { session } = await lessonRead(s.data, undefined, own);
    return (await checkLessonExercise(own, session, s.data, e.data, t?.data, (await actionClient()).ip)) ?? [];
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

/**
 * A step's holds= (lib/lessons/holds.ts) against the keys the lesson page works in: in a workshop's
 * shared keys, where a classmate may have run the step first, the step is checked by these instead
 * of its replies. `shared` says whether the page works in the workshop's keys (the server decides).
 */
export async function checkStepHolds(slug: unknown, step: unknown): Promise<ActionResult<{ shared: boolean; problems: HoldProblem[] }>> {
  const s = Slug.safeParse(slug);
  const st = Slug.safeParse(step);
  const found = s.success && st.success ? getLesson("en", s.data)?.sections.find((x) => x.kind === "step" && x.id === st.data) : undefined;
  if (!s.success || !found || found.kind !== "step" || !found.holds) return fail(problem("request:invalid-progress"));
  const holds = found.holds;
  return guard(async () => {
    const own = await actionSession();
    const { session, rt } = await lessonRead(s.data, undefined, own);
    return { shared: session.ns.prefix !== own.ns.prefix, problems: await checkHolds(rt.scoped(session.ns), session.ns, holds) };
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

/**
 * A console tab's transaction state ({multi, watching, queued}), for its prompt's `redis(TX)>` when a page
 * mounts: after a navigation or a reload, a MULTI opened earlier in this browser tab is still open on the
 * server (lib/console-tx.ts). `lesson`: the lesson page's slug, whose keys may be a workshop's.
 */
export async function myConsoleState(tab: unknown, lesson?: unknown): Promise<ActionResult<TxState>> {
  const tabId = Tab.safeParse(tab);
  if (!tabId.success) return fail(problem("request:invalid-tab"));
  const slug = lesson === undefined ? undefined : Slug.safeParse(lesson);
  if (slug && !slug.success) return fail(issueProblem(slug.error.issues[0]));
  return guard(async () => {
    const session = await scopedSession(slug?.data);
    const rt = runtime();
    await rt.appConn.ensureReady();
    await checkRate(rt.appConn, rt.config.rate, session.id, (await actionClient()).ip); // as a command: a page cannot ask faster than it could type
    return txOfLease(rt.leases.get(leaseKeyOf(session, tabId.data)));
  });
}

export type { EndpointAccess };

const Locale = z.enum(["en", "zh"]);

/** The endpoint's address and this session's password (recorded so the endpoint accepts it); null when the endpoint is off. `locale`: the language its errors are worded in. */
export async function myEndpointAccess(locale: unknown, lesson?: unknown): Promise<ActionResult<EndpointAccess | null>> {
  return endpointAccess(locale, lesson, false);
}

/** A new password for this session's own clients: the old one stops working, and clients signed in with it are disconnected. */
export async function rotateMyEndpointPassword(locale: unknown, lesson?: unknown): Promise<ActionResult<EndpointAccess | null>> {
  return endpointAccess(locale, lesson, true);
}

async function endpointAccess(locale: unknown, lesson: unknown, rotate: boolean): Promise<ActionResult<EndpointAccess | null>> {
  const lang = Locale.safeParse(locale);
  if (!lang.success) return fail(problem("request:invalid-locale"));
  return guard(async () => {
    const own = await actionSession();
    const scoped = lesson === undefined ? own : await scopedSession(lesson, own);
    return endpointAccessFor(own, lang.data, rotate, (await actionClient()).ip, (await headers()).get("host"), scoped);
  });
}

/** When a client of the endpoint last ran a command where this page works (ms since the epoch), or null: the key inspector refreshes when it moves. */
export async function myEndpointActivity(lesson?: unknown): Promise<ActionResult<number | null>> {
  return guard(async () => {
    const session = await scopedSession(lesson);
    const rt = runtime();
    await rt.appConn.ensureReady();
    return lastActivity(rt.appConn, session.ns);
  });
}
