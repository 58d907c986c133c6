import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { SandboxError, isSandboxError } from "@/lib/errors";
import { runtime } from "@/lib/runtime";
import { checkRate, hit, limitWindow, secondsLeft, windowKey } from "@/lib/rate-limit";
import { roomLimits } from "@/lib/config";
import { knownItem } from "@/lib/classroom/catalog";
import { openStream } from "./sse-slots";
import { assertSessionRequest, sessionCookie, type Session } from "@/lib/session";
import {
  Broadcast,
  CreateRoom,
  JoinRoom,
  ProgressReport,
  activeRooms,
  assertInstructor,
  isRoomCode,
  roomInfo,
  broadcast,
  createRoom,
  endRoom,
  joinRoom,
  reportProgress,
  resetShared,
  roomEventsChannel,
  roomState,
  studentRoom,
} from "@/lib/classroom/rooms";
import { startSse } from "./sse";
import { Dispatch, startClassQueue, stopClassQueue } from "@/lib/classroom/queue";
import { issueProblem, problem } from "@/lib/problems";

/**
 * The classroom API (README "Classroom workshops"): instructors create a room and drive it
 * with their bearer token; students join with a code and a name and get a
 * session; the dashboard and the students' pages follow the room live (SSE).
 */
type Json = (status: number, body: unknown) => void;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    throw new SandboxError("bad_request", issueProblem(r.error.issues[0]));
  }
  return r.data;
}

const bearer = (req: IncomingMessage) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;

export async function handleRooms(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  session: Session | null,
  readBody: () => Promise<unknown>,
  json: Json,
  ip: string | undefined,
): Promise<void> {
  const rt = runtime();
  await rt.appConn.ensureReady();
  const app = rt.appConn;
  const limits = roomLimits(); // lib/config.ts: every limit in one table
  const parts = path.split("/").slice(4); // /api/v1/rooms/<code>/<action>
  // Join codes are read off a projector: any case will do.
  const [code, action] = [/^[a-z0-9]{6}$/i.test(parts[0] ?? "") ? parts[0].toUpperCase() : parts[0], parts[1]];
  const method = req.method ?? "GET";
  const want = (m: string) => {
    if (method !== m) {
      res.setHeader("allow", m);
      throw new SandboxError("method_not_allowed", problem("request:method", { allow: m }));
    }
  };

  if (parts.length === 0 || (parts.length === 1 && code === "")) {
    want("POST");
    // Rooms are cheap to open and live 12 h: a few per address per hour, and a cap in all.
    await limitWindow(app, `rooms:${ip ?? "?"}`, limits.perIpHour, 3600, "rooms");
    if ((await activeRooms(app)) >= limits.maxActive) throw new SandboxError("busy", problem("room:capacity"), 600);
    return json(201, await createRoom(app, parse(CreateRoom, await readBody())));
  }
  if (code === "progress" && parts.length === 1) {
    want("POST");
    if (!session) throw new SandboxError("unauthorized");
    await limitWindow(app, `progress:${session.id}`, limits.progressPer10s, 10, "progress");
    return json(200, { recorded: await reportProgress(app, session.id, parse(ProgressReport, await readBody()), knownItem) });
  }
  if (code === "me" && parts.length === 1) {
    want("GET");
    return json(200, { room: session ? await studentRoom(app, session.id) : null });
  }
  if (!isRoomCode(code ?? "")) throw new SandboxError("not_found", problem("room:code-format"));
  // Instructor actions that delete keys scan the keyspace: a handful a minute per room.
  const costly = () => limitWindow(app, `room-admin:${code}`, limits.actionsPerMinute, 60, "room-admin");
  switch (action) {
    case undefined:
      want("GET");
      await assertInstructor(app, code, bearer(req));
      return json(200, await roomState(app, code));
    case "join": {
      want("POST");
      // A join replaces the visitor's session cookie: the same rule as POST /api/v1/sessions (lib/session.ts).
      assertSessionRequest(req.headers, rt.config.trustProxy, `POST /api/v1/rooms/${code}/join`, `-d '{"name": "Ada"}'`);
      await checkRate(app, rt.config.rate, `join:${code}`, ip);
      const { name } = parse(JoinRoom, await readBody());
      // Guessing codes: at most PLAYGROUND_JOIN_MISSES_PER_IP_MINUTE answers for unknown codes per address per minute. A miss
      // is counted, then decided (hit: INCR, atomic), so concurrent guesses cannot all get their 404: past
      // the limit a guess gets 429, which says nothing about the code. Joins with a code that exists are
      // not counted (a class behind one NAT gets in), but are refused too once the limit is reached, or a
      // 201 would tell an over-limit guesser which code is live. Past it, nothing reaches the room store.
      const miss = `join-miss:${ip ?? "?"}`;
      const tooMany = (wait: number) =>
        new SandboxError("rate_limited", problem("limit:window", { what: "join-misses", max: limits.joinMissesPerIpMinute, seconds: 60, wait }), wait);
      const misses = await app.send(["GET", windowKey(miss)]);
      // Anything but a count there (a key of another type, not a number) goes through hit, which refuses it.
      if (misses.t !== "nil" && !(misses.t === "bulk" && /^-?\d+$/.test(misses.v))) await hit(app, windowKey(miss), 60_000);
      if (misses.t === "bulk" && Number(misses.v) >= limits.joinMissesPerIpMinute) throw tooMany(await secondsLeft(app, windowKey(miss), 60));
      // Every lookup is counted before it happens (increment, then decide), so a burst of concurrent
      // guesses reaches the room store at most PLAYGROUND_JOINS_PER_IP_MINUTE times a minute per address; a join with a
      // code that exists gives its try back, so a class behind one NAT is held back only while 60 of
      // its joins are in flight at the same instant.
      const tries = windowKey(`join-try:${ip ?? "?"}`);
      if ((await hit(app, tries, 60_000)) > limits.joinsPerIpMinute) {
        const wait = await secondsLeft(app, tries, 60);
        throw new SandboxError("rate_limited", problem("limit:joins", { max: limits.joinsPerIpMinute, wait }), wait);
      }
      let token: string;
      try {
        ({ token } = await joinRoom(app, rt.config.sessionSecret, code, name));
        void Promise.all([app.send(["DECR", tries]), app.send(["PEXPIRE", tries, "60000", "NX"])]).catch(() => {});
      } catch (e) {
        if (isSandboxError(e) && e.kind === "not_found") await limitWindow(app, miss, limits.joinMissesPerIpMinute, 60, "join-misses");
        throw e;
      }
      res.setHeader("set-cookie", sessionCookie(token));
      return json(201, { session: token });
    }
    case "broadcast":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      await broadcast(app, code, parse(Broadcast, await readBody()).message);
      return json(200, { ok: true });
    case "dispatch":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      await costly();
      await startClassQueue(code, parse(Dispatch, await readBody()), ip);
      return json(202, { ok: true });
    case "reset":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      await costly();
      stopClassQueue(code);
      return json(200, { deleted: await resetShared(rt, app, code) });
    case "end":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      await costly();
      stopClassQueue(code);
      await endRoom(app, rt, code);
      return json(200, { ok: true });
    case "events":
      want("GET");
      await assertInstructor(app, code, tokenFromQueryOrBearer(req));
      return follow(req, res, code, `ip:${ip ?? "?"}`, ip, async (send) => send("room", await roomState(app, code)));
    case "student-events": {
      want("GET");
      if (!session) throw new SandboxError("unauthorized");
      if ((await studentRoom(app, session.id)) !== code) throw new SandboxError("forbidden", problem("room:not-member"));
      let last = "";
      // One HGETALL per change (not the whole roster): students only need the broadcast and whether it ended.
      return follow(req, res, code, `session:${session.id}`, ip, async (send, close) => {
        const info = await roomInfo(app, code);
        if (!info) return close();
        const s = await app.send(["HGET", `app:room:${code}`, "broadcast"]);
        const now = JSON.stringify({ broadcast: s.t === "bulk" ? JSON.parse(s.v) : null, ended: info.ended, title: info.title, lessons: info.lessons });
        if (now !== last) send("room", JSON.parse(now));
        last = now;
        if (info.ended) close();
      });
    }
    default:
      throw new SandboxError("not_found", problem("request:no-route", { method, path, see: "/api/v1/rooms" }));
  }
}

/** EventSource cannot send headers: the dashboard passes its token as ?token= (the page keeps it in the URL fragment). */
function tokenFromQueryOrBearer(req: IncomingMessage): string | null {
  return bearer(req) ?? new URL(req.url ?? "/", "http://x").searchParams.get("token");
}

/** Sends `push` now and whenever the room changes (at most every 200 ms), until the client goes away. */
async function follow(
  req: IncomingMessage,
  res: ServerResponse,
  code: string,
  owner: string,
  ip: string | undefined,
  push: (send: (event: string, data: unknown) => void, close: () => void) => Promise<void>,
): Promise<void> {
  // The awaits before this point may have outlived the client: nothing to hold for a closed socket.
  if (req.destroyed || res.destroyed) return;
  const slot = openStream(owner, ip); // the address TRUST_PROXY decided (api.ts), not the socket's
  const hub = runtime().hub();
  const sse = startSse(res);
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const run = () => {
    timer = null;
    if (!closed) void push(sse.send, () => res.end()).catch(() => {});
  };
  const listener = {
    onMessage() {
      timer ??= setTimeout(run, 200);
    },
  };
  const cleanup = () => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    sse.close();
    slot.release();
    void hub.remove(listener);
  };
  req.on("close", cleanup);
  res.on("close", cleanup);
  await hub.add(listener, "channel", [Buffer.from(roomEventsChannel(code))]).catch(() => {});
  if (req.destroyed || res.destroyed) return cleanup();
  run();
}
