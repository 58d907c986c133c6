import { SandboxError } from "@/lib/errors";
import type { Hooks } from "@/lib/hooks";
import { reapIdleRooms, recordAnswer, roomInfo, roomNamespace, studentRoom } from "./rooms";
import { problem } from "@/lib/problems";

const dec = new TextDecoder();

/**
 * The classroom's part in the command path and the reaper (lib/hooks.ts):
 * - the "room" scope: a student's commands in a shared lesson run in the workshop's namespace;
 * - `PUBLISH CHANNEL_RESULT <job>` in a workshop's namespace answers a class job (the dashboard says who did);
 * - rooms idle 12 h are reaped with their shared keys.
 */
export function installClassroom(hooks: Hooks): void {
  hooks.scopes.set("room", async (rt, session) => {
    const code = await studentRoom(rt.appConn, session.id);
    if (!code) throw new SandboxError("forbidden", problem("room:not-joined"));
    if ((await roomInfo(rt.appConn, code))?.ended !== false) throw new SandboxError("forbidden", problem("room:ended-shared"));
    return { id: session.id, ns: roomNamespace(code) };
  });
  hooks.afterExec.push((rt, session, argv, reply) => {
    const room = /^room:\{([A-Z0-9]{6})\}:$/.exec(session.ns.prefix)?.[1];
    if (!room || argv.length !== 3 || reply.t !== "integer") return;
    if (dec.decode(argv[0]).toLowerCase() !== "publish" || dec.decode(argv[1]) !== "CHANNEL_RESULT") return;
    const job = dec.decode(argv[2]);
    if (!/^\d{1,3}$/.test(job)) return;
    void recordAnswer(rt.appConn, room, session.id, Number(job)).catch(() => {});
  });
  // Rooms' shared keys go with the room, 12 h after its last activity.
  hooks.reapers.push((rt, now) => reapIdleRooms(rt.appConn, rt, now));
}
