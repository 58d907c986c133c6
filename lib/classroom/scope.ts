import type { RedisLink } from "@/lib/redis/resp-connection";
import type { Session } from "@/lib/session";
import { getLesson } from "@/lib/lessons/load";
import { roomInfo, roomNamespace, studentRoom } from "./rooms";

/**
 * Where a lesson page works: for a lesson marked shared, taken by a student
 * whose workshop includes it, the workshop's keys and channels; else the
 * visitor's own sandbox. Decided on the server from the lesson's slug.
 */
export async function sessionForLesson(app: RedisLink, session: Session, lesson: unknown): Promise<Session> {
  if (typeof lesson !== "string" || !getLesson("en", lesson)?.shared) return session;
  const code = await studentRoom(app, session.id);
  if (!code) return session;
  const room = await roomInfo(app, code);
  return room && !room.ended && room.lessons.includes(lesson) ? { id: session.id, ns: roomNamespace(code) } : session;
}
