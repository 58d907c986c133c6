import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { SandboxError } from "@/lib/errors";
import { runtime } from "@/lib/runtime";
import { checkRate } from "@/lib/rate-limit";
import { sessionCookie, type Session } from "@/lib/session";
import {
  Broadcast,
  CreateRoom,
  JoinRoom,
  ProgressReport,
  assertInstructor,
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
import { Dispatch, startClassQueue } from "@/lib/classroom/queue";

/**
 * The classroom API (README "Rooms"): instructors create a room and drive it
 * with their bearer token; students join with a code and a name and get a
 * session; the dashboard and the students' pages follow the room live (SSE).
 */
type Json = (status: number, body: unknown) => void;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SandboxError("bad_request", `${i.message}${i.path.length ? ` (at ${i.path.join(".")})` : ""}`);
  }
  return r.data;
}

const bearer = (req: IncomingMessage) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;

export async function handleRooms(req: IncomingMessage, res: ServerResponse, path: string, session: Session | null, readBody: () => Promise<unknown>, json: Json, ip: string | undefined): Promise<void> {
  const rt = runtime();
  await rt.appConn.ensureReady();
  const app = rt.appConn;
  const parts = path.split("/").slice(4); // /api/v1/rooms/<code>/<action>
  const [code, action] = [parts[0], parts[1]];
  const method = req.method ?? "GET";
  const want = (m: string) => {
    if (method !== m) {
      res.setHeader("allow", m);
      throw new SandboxError("method_not_allowed", `Use ${m}.`);
    }
  };

  if (parts.length === 0 || (parts.length === 1 && code === "")) {
    want("POST");
    await checkRate(app, rt.config.rate, `rooms:${ip ?? "?"}`, ip);
    return json(201, await createRoom(app, parse(CreateRoom, await readBody())));
  }
  if (code === "progress" && parts.length === 1) {
    want("POST");
    if (!session) throw new SandboxError("unauthorized");
    return json(200, { recorded: await reportProgress(app, session.id, parse(ProgressReport, await readBody())) });
  }
  if (code === "me" && parts.length === 1) {
    want("GET");
    return json(200, { room: session ? await studentRoom(app, session.id) : null });
  }
  switch (action) {
    case undefined:
      want("GET");
      await assertInstructor(app, code, bearer(req));
      return json(200, await roomState(app, code));
    case "join": {
      want("POST");
      await checkRate(app, rt.config.rate, `join:${code}`, ip);
      const { name } = parse(JoinRoom, await readBody());
      const { token } = await joinRoom(app, rt.config.sessionSecret, code, name);
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
      await startClassQueue(code, parse(Dispatch, await readBody()), ip);
      return json(202, { ok: true });
    case "reset":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      return json(200, { deleted: await resetShared(rt.conn, app, code) });
    case "end":
      want("POST");
      await assertInstructor(app, code, bearer(req));
      await endRoom(app, rt.conn, code);
      return json(200, { ok: true });
    case "events":
      want("GET");
      await assertInstructor(app, code, tokenFromQueryOrBearer(req));
      return follow(req, res, code, async (send) => send("room", await roomState(app, code)));
    case "student-events": {
      want("GET");
      if (!session) throw new SandboxError("unauthorized");
      if ((await studentRoom(app, session.id)) !== code) throw new SandboxError("forbidden", "You are not in this workshop.");
      let last = "";
      return follow(req, res, code, async (send) => {
        const s = await roomState(app, code);
        const now = JSON.stringify({ broadcast: s.broadcast, ended: s.ended, title: s.title, lessons: s.lessons });
        if (now !== last) send("room", JSON.parse(now));
        last = now;
      });
    }
    default:
      throw new SandboxError("not_found", `No API route ${method} ${path}. See the README for /api/v1/rooms.`);
  }
}

/** EventSource cannot send headers: the dashboard passes its token as ?token= (the page keeps it in the URL fragment). */
function tokenFromQueryOrBearer(req: IncomingMessage): string | null {
  return bearer(req) ?? new URL(req.url ?? "/", "http://x").searchParams.get("token");
}

/** Sends `push` now and whenever the room changes (at most every 200 ms), until the client goes away. */
async function follow(req: IncomingMessage, res: ServerResponse, code: string, push: (send: (event: string, data: unknown) => void) => Promise<void>): Promise<void> {
  const hub = runtime().hub();
  const sse = startSse(res);
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const run = () => {
    timer = null;
    if (!closed) void push(sse.send).catch(() => {});
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
    void hub.remove(listener);
  };
  req.on("close", cleanup);
  res.on("close", cleanup);
  await hub.add(listener, "channel", [Buffer.from(roomEventsChannel(code))]).catch(() => {});
  run();
}
