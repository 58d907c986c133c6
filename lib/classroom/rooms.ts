import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { SandboxError } from "@/lib/errors";
import type { RedisLink } from "@/lib/redis/resp-connection";
import { bulkBytes, utf8, type Reply } from "@/lib/resp/reply";
import { isSessionId, issueSession, type Session } from "@/lib/session";
import { Namespace } from "@/lib/sandbox/namespace";
import { deleteNamespace, dropNamespace, type NamespaceAccess } from "@/lib/sandbox/sandbox";
import { keyIndex } from "@/lib/sandbox/key-index";
import { lessonList } from "@/lib/lessons/load";
import { roomLimits } from "@/lib/config";
import { problem } from "@/lib/problems";

/**
 * Classroom workshops, kept in Redis under the app's own prefix (app:room:…,
 * reachable only by the app's ACL user), so they survive an app restart and
 * expire 12 h after their last activity. An instructor creates a room and
 * gets a short join code and a secret dashboard token (only its hash is
 * stored); students join with the code and a display name and get a session
 * of their own, bound to the room. A room's shared keys live in the
 * namespace `room:{<code>}:`.
 */
export const ROOM_TTL_SECONDS = 12 * 3600;
/** Students in one workshop (PLAYGROUND_ROOM_SIZE, lib/config.ts). */
export const maxStudents = (): number => roomLimits().size;
/** No 0/O, 1/I/L: easy to read off a projector. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_RE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/;

const SLUGS = lessonList("en").map((l) => l.slug) as [string, ...string[]];
export const CreateRoom = z
  .object({
    title: z.string().trim().min(1, "room:title-empty").max(100, "room:title-long"),
    lessons: z.array(z.enum(SLUGS)).min(1, "room:lessons-empty").max(SLUGS.length),
  })
  .strict();
export const JoinRoom = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "room:name-empty")
      .max(40, "room:name-long")
      .regex(/^[^\p{C}]+$/u, "room:name-control"),
  })
  .strict();
export const Broadcast = z.object({ message: z.string().trim().min(1, "room:message-empty").max(500, "room:message-long") }).strict();
export const ProgressReport = z
  .object({
    lesson: z.enum(SLUGS),
    step: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/)
      .optional(),
    exercise: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/)
      .optional(),
    ok: z.boolean(),
  })
  .strict();

export interface StudentProgress {
  name: string;
  session: string;
  joinedAt: number;
  lastAt: number;
  /** lesson slug → step ids run without a mismatch. */
  steps: Record<string, string[]>;
  /** lesson slug → exercises done. */
  exercises: Record<string, string[]>;
  /** Failed steps or checks in a row: "stuck" past a few. */
  errorsInARow: number;
}

export interface RoomState {
  code: string;
  title: string;
  lessons: string[];
  createdAt: number;
  ended: boolean;
  broadcast: { message: string; at: number } | null;
  students: StudentProgress[];
  /** The class job queue (message-queue lesson), in job order. */
  jobs: Array<{ job: number; lane?: string; state: string; by?: string }>;
}

const key = {
  room: (c: string) => `app:room:${c}`,
  names: (c: string) => `app:room:${c}:names`,
  /** session → ms of the last report. */
  progress: (c: string) => `app:room:${c}:last`,
  /** session → failed steps or checks in a row (HINCRBY; reset to 0 on success). */
  errors: (c: string) => `app:room:${c}:errors`,
  /** A student's done items, "step:<lesson>:<id>" / "exercise:<lesson>:<id>": a set, so concurrent reports never overwrite each other. */
  done: (c: string, sessionId: string) => `app:room:${c}:done:${sessionId}`,
  /** session → display name, to say who answered a job. */
  who: (c: string) => `app:room:${c}:who`,
  /** The class job queue: job → {"lane","state"} as the master saw it, and job → the student who answered. */
  jobs: (c: string) => `app:room:${c}:jobs`,
  jobsBy: (c: string) => `app:room:${c}:jobs:by`,
  events: (c: string) => `app:room:${c}:events`,
  student: (sessionId: string) => `app:student:${sessionId}`,
};
export const roomEventsChannel = key.events;
export const roomNamespace = (code: string) => new Namespace(`room:{${code}}:`);
export const isRoomCode = (c: string) => CODE_RE.test(c);

const sha = (s: string) => createHash("sha256").update(s).digest("base64url");

function newCode(): string {
  return Array.from({ length: 6 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

async function ok(conn: RedisLink, argv: (string | Buffer)[]): Promise<Reply> {
  const r = await conn.send(argv);
  if (r.t === "error") {
    const e = new SandboxError("internal", problem("room:store"));
    e.detail = `${argv[0]} failed: ${r.v}`;
    throw e;
  }
  return r;
}

async function touch(conn: RedisLink, code: string, sessionId?: string): Promise<void> {
  const ttl = String(ROOM_TTL_SECONDS);
  const keys = [
    key.room(code),
    key.names(code),
    key.progress(code),
    key.errors(code),
    key.who(code),
    key.jobs(code),
    key.jobsBy(code),
    ...(sessionId ? [key.done(code, sessionId), key.student(sessionId)] : []),
  ];
  await Promise.all([...keys.map((k) => conn.send(["EXPIRE", k, ttl])), conn.send(["ZADD", ACTIVE_ROOMS, String(Date.now()), code])]);
}

/** Rooms by last activity: the reaper deletes the shared keys of rooms idle past ROOM_TTL_SECONDS. */
export const ACTIVE_ROOMS = "app:rooms:active";

export async function reapIdleRooms(app: RedisLink, sandbox: NamespaceAccess, now = Date.now()): Promise<number> {
  let n = 0;
  for (;;) {
    const idle = await app.send(["ZRANGEBYSCORE", ACTIVE_ROOMS, "-inf", String(now - ROOM_TTL_SECONDS * 1000), "LIMIT", "0", "100"]);
    if (idle.t !== "array" || idle.v.length === 0) return n;
    let removed = 0;
    for (const r of idle.v) {
      if (r.t !== "bulk") continue;
      // A member becomes a key prefix and a SCAN MATCH glob: only an exact join code is used.
      if (isRoomCode(r.v)) {
        await dropNamespace(sandbox, roomNamespace(r.v));
        n++;
      } else console.warn(`[reaper] removed ${JSON.stringify(r.v.slice(0, 60))} from ${ACTIVE_ROOMS}: not a join code`);
      // The member's own bytes (a non-UTF-8 one comes back as base64).
      const gone = await app.send([utf8("ZREM"), utf8(ACTIVE_ROOMS), bulkBytes(r)]);
      if (gone.t === "integer") removed += Number(gone.v);
    }
    if (removed === 0) return n; // nothing could be removed: do not read the same batch forever
  }
}

/** How many rooms were active in the last ROOM_TTL_SECONDS: opening more stops at a cap. */
export async function activeRooms(app: RedisLink, now = Date.now()): Promise<number> {
  const r = await app.send(["ZCOUNT", ACTIVE_ROOMS, String(now - ROOM_TTL_SECONDS * 1000), "+inf"]);
  return r.t === "integer" ? Number(r.v) : 0;
}

export async function createRoom(conn: RedisLink, input: z.infer<typeof CreateRoom>): Promise<{ code: string; instructorToken: string }> {
  const instructorToken = randomBytes(24).toString("base64url");
  for (let attempt = 0; attempt < 10; attempt++) {
    const code = newCode();
    const made = await ok(conn, ["HSETNX", key.room(code), "title", input.title]);
    if (made.t === "integer" && Number(made.v) === 0) continue; // taken: another code
    await ok(conn, [
      "HSET",
      key.room(code),
      "lessons",
      JSON.stringify(input.lessons),
      "token",
      sha(instructorToken),
      "createdAt",
      String(Date.now()),
      "ended",
      "0",
    ]);
    await touch(conn, code);
    return { code, instructorToken };
  }
  throw new SandboxError("busy", problem("room:no-code"), 1);
}

async function roomFields(conn: RedisLink, code: string): Promise<Record<string, string> | null> {
  if (!isRoomCode(code)) return null;
  const r = await ok(conn, ["HGETALL", key.room(code)]);
  if (r.t !== "array" || r.v.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < r.v.length; i += 2) {
    const k = r.v[i];
    const v = r.v[i + 1];
    if (k.t === "bulk" && v.t === "bulk") out[k.v] = v.v;
  }
  return out;
}

/** The instructor's token opens the dashboard; anything else does not (a student's session gets 403). */
export async function assertInstructor(conn: RedisLink, code: string, token: string | null): Promise<void> {
  if (!token) throw new SandboxError("unauthorized", problem("room:token"));
  // A code that does not exist answers as a wrong token does: this route tells nobody which codes are live.
  const room = await roomFields(conn, code);
  const given = Buffer.from(sha(token));
  const want = Buffer.from(room?.token ?? "");
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new SandboxError("forbidden", problem("room:instructor-only"));
  }
}

export async function joinRoom(conn: RedisLink, secret: string, code: string, name: string): Promise<{ token: string; session: Session }> {
  const room = await roomFields(conn, code);
  if (!room) throw new SandboxError("not_found", problem("room:not-found", { code }));
  if (room.ended === "1") throw new SandboxError("not_found", problem("room:ended"));
  const MAX_STUDENTS = maxStudents();
  const full = () => new SandboxError("conflict", problem("room:full", { max: MAX_STUDENTS }));
  const count = await ok(conn, ["HLEN", key.names(code)]);
  if (count.t === "integer" && Number(count.v) >= MAX_STUDENTS) throw full();
  const { token, session } = issueSession(secret);
  // Names are unique in a room, whatever their case: HSETNX on the folded name.
  const folded = name.toLowerCase();
  const claimed = await ok(conn, ["HSETNX", key.names(code), folded, JSON.stringify({ name, session: session.id, joinedAt: Date.now() })]);
  if (claimed.t === "integer" && Number(claimed.v) === 0) {
    throw new SandboxError("conflict", problem("room:name-taken", { name }));
  }
  // Joins racing past the HLEN above: count again after claiming, and give the seat back past the cap.
  const after = await ok(conn, ["HLEN", key.names(code)]);
  if (after.t === "integer" && Number(after.v) > MAX_STUDENTS) {
    await conn.send(["HDEL", key.names(code), folded]);
    throw full();
  }
  await ok(conn, ["SET", key.student(session.id), code, "EX", String(ROOM_TTL_SECONDS)]);
  await ok(conn, ["HSET", key.who(code), session.id, name]);
  await touch(conn, code);
  await publish(conn, code, "join");
  return { token, session };
}

/** A room's title, lessons and whether it ended: one HGETALL, for the per-command path. */
export async function roomInfo(conn: RedisLink, code: string): Promise<{ title: string; lessons: string[]; ended: boolean } | null> {
  const room = await roomFields(conn, code);
  return room ? { title: room.title, lessons: JSON.parse(room.lessons ?? "[]"), ended: room.ended === "1" } : null;
}

/** The room a session joined, if any. */
export async function studentRoom(conn: RedisLink, sessionId: string): Promise<string | null> {
  const r = await conn.send(["GET", key.student(sessionId)]);
  return r.t === "bulk" && isRoomCode(r.v) ? r.v : null;
}

export async function reportProgress(
  conn: RedisLink,
  sessionId: string,
  report: z.infer<typeof ProgressReport>,
  known: (lesson: string, kind: "step" | "exercise", id: string) => boolean,
): Promise<boolean> {
  const code = await studentRoom(conn, sessionId);
  if (!code) return false;
  const room = await roomFields(conn, code);
  if (!room || room.ended === "1") return false;
  // Only the room's lessons, and only steps and exercises they really have.
  if (!(JSON.parse(room.lessons ?? "[]") as string[]).includes(report.lesson)) return false;
  if (report.step && !known(report.lesson, "step", report.step)) return false;
  if (report.exercise && !known(report.lesson, "exercise", report.exercise)) return false;
  // Each fact is its own write (SADD, HSET, HINCRBY): two reports at once cannot lose each other.
  const writes: Array<Promise<Reply>> = [ok(conn, ["HSET", key.progress(code), sessionId, String(Date.now())])];
  if (report.ok) {
    writes.push(ok(conn, ["HSET", key.errors(code), sessionId, "0"]));
    if (report.step) writes.push(ok(conn, ["SADD", key.done(code, sessionId), `step:${report.lesson}:${report.step}`]));
    if (report.exercise) writes.push(ok(conn, ["SADD", key.done(code, sessionId), `exercise:${report.lesson}:${report.exercise}`]));
  } else writes.push(ok(conn, ["HINCRBY", key.errors(code), sessionId, "1"]));
  await Promise.all(writes);
  await touch(conn, code, sessionId);
  await publish(conn, code, "progress");
  return true;
}

export async function roomState(conn: RedisLink, code: string): Promise<RoomState> {
  const room = await roomFields(conn, code);
  if (!room) throw new SandboxError("not_found", problem("room:not-found", { code }));
  const [names, last, errors, jobs, jobsBy] = await Promise.all(
    [key.names(code), key.progress(code), key.errors(code), key.jobs(code), key.jobsBy(code)].map((k) => ok(conn, ["HGETALL", k])),
  );
  const asMap = (r: Reply) => {
    const m = new Map<string, string>();
    if (r.t === "array")
      for (let i = 0; i + 1 < r.v.length; i += 2)
        if (r.v[i].t === "bulk" && r.v[i + 1].t === "bulk") m.set((r.v[i] as { v: string }).v, (r.v[i + 1] as { v: string }).v);
    return m;
  };
  const [lastAt, errs] = [asMap(last), asMap(errors)];
  // Session ids read back become key names (the done sets): only exact ids are used.
  const joined = [...asMap(names).values()]
    .map((v) => JSON.parse(v) as { name: string; session: string; joinedAt: number })
    .filter((s) => typeof s.session === "string" && isSessionId(s.session));
  const done = await Promise.all(joined.map((s) => conn.send(["SMEMBERS", key.done(code, s.session)])));
  const students: StudentProgress[] = joined.map((s, i) => {
    const steps: Record<string, string[]> = {};
    const exercises: Record<string, string[]> = {};
    const items = done[i];
    if (items.t === "array")
      for (const it of items.v) {
        if (it.t !== "bulk") continue;
        const [kind, lesson, id] = it.v.split(":");
        const into = kind === "step" ? steps : exercises;
        (into[lesson] ??= []).push(id);
      }
    return {
      name: s.name,
      // Not the session id itself: the dashboard never sees a student's credentials.
      session: sha(s.session).slice(0, 10),
      joinedAt: s.joinedAt,
      lastAt: Number(lastAt.get(s.session) ?? s.joinedAt),
      steps,
      exercises,
      errorsInARow: Number(errs.get(s.session) ?? 0),
    };
  });
  students.sort((a, b) => a.joinedAt - b.joinedAt);
  return {
    code,
    title: room.title,
    lessons: JSON.parse(room.lessons ?? "[]"),
    createdAt: Number(room.createdAt),
    ended: room.ended === "1",
    broadcast: room.broadcast ? JSON.parse(room.broadcast) : null,
    students,
    jobs: (() => {
      const by = asMap(jobsBy);
      return [...asMap(jobs).entries()]
        .map(([job, v]) => ({ job: Number(job), ...(JSON.parse(v) as { lane?: string; state: string }), ...(by.has(job) ? { by: by.get(job) } : {}) }))
        .sort((a, b) => a.job - b.job);
    })(),
  };
}

export async function broadcast(conn: RedisLink, code: string, message: string): Promise<void> {
  await ok(conn, ["HSET", key.room(code), "broadcast", JSON.stringify({ message, at: Date.now() })]);
  await touch(conn, code);
  await publish(conn, code, "broadcast");
}

export async function endRoom(conn: RedisLink, sandbox: NamespaceAccess, code: string): Promise<void> {
  const was = await ok(conn, ["HGET", key.room(code), "ended"]);
  if (was.t === "bulk" && was.v === "1") return; // ended already: nothing to do again
  await ok(conn, ["HSET", key.room(code), "ended", "1"]);
  await dropNamespace(sandbox, roomNamespace(code));
  await publish(conn, code, "ended");
}

export async function resetShared(sandbox: NamespaceAccess, conn: RedisLink, code: string): Promise<number> {
  const n = await deleteNamespace(sandbox.scoped(roomNamespace(code)), roomNamespace(code), keyIndex(sandbox));
  await publish(conn, code, "reset");
  return n;
}

async function publish(conn: RedisLink, code: string, what: string): Promise<void> {
  await conn.send(["PUBLISH", key.events(code), what]).catch(() => {});
}

/** The master's view of a class job (dispatched, failed, done…), kept for the dashboard. */
export async function recordJob(conn: RedisLink, code: string, job: number, state: string, lane?: string): Promise<void> {
  const cur = await conn.send(["HGET", key.jobs(code), String(job)]);
  const prev = cur.t === "bulk" ? (JSON.parse(cur.v) as { lane?: string }) : {};
  await conn.send(["HSET", key.jobs(code), String(job), JSON.stringify({ lane: lane ?? prev.lane, state })]);
  await publish(conn, code, "job");
}

/** A student's PUBLISH CHANNEL_RESULT <job> in the room: remember who answered it. */
export async function recordAnswer(conn: RedisLink, code: string, sessionId: string, job: number): Promise<void> {
  const [who, seen] = await Promise.all([conn.send(["HGET", key.who(code), sessionId]), conn.send(["HGET", key.jobs(code), String(job)])]);
  // Only jobs the master really handed to someone (not ones whose PUBLISH reached nobody) can be claimed.
  if (who.t !== "bulk" || seen.t !== "bulk" || (JSON.parse(seen.v) as { state?: string }).state === "failed") return;
  await conn.send(["HSETNX", key.jobsBy(code), String(job), who.v]);
  await publish(conn, code, "answer");
}

export async function clearJobs(conn: RedisLink, code: string): Promise<void> {
  // Two commands: the keys have no hash tag in common, and a cluster refuses a DEL across slots.
  await Promise.all([conn.send(["DEL", key.jobs(code)]), conn.send(["DEL", key.jobsBy(code)])]);
}
