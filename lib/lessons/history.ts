import { z } from "zod";
import type { RedisLink } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import { isSessionId } from "@/lib/session";
import type { MethodRule } from "./schema";

/**
 * What a learner ran on a lesson page, kept server-side so that an exercise
 * can check *how* it was done ("in a transaction", "with INCR, not SET"),
 * not only the keys it left (lib/lessons/checks.ts). One list per session and
 * lesson in the app's keys — `app:hist:{<session id>}:<slug>`, hash-tagged so
 * a cluster keeps it on one slot — newest first, at most {@link KEEP} entries,
 * gone {@link TTL_S} after the last command. Only the commands a method rule
 * of the lesson could look at are kept, and of their arguments only those a
 * rule names — its keys and flags (lib/lessons/practice.ts decides); values
 * are never kept. An entry holds the command's name, those arguments, its
 * word count, the console tab and how Redis answered: under 250 bytes,
 * typically 80. A check leaves a marker, so that after a "not yet" the next
 * check looks only at what came after it.
 *
 * Bounded per client address too, since sessions are free: each address's
 * lists are listed in `app:hist-addr:{<address>}` (a sorted set by last use);
 * past {@link LISTS_PER_ADDRESS} (a class of 300 behind one NAT, each in all
 * six lessons) the least recently used lists are deleted — a learner whose
 * list went is told "not yet" and does the exercise again. So one address
 * holds at most 1,800 × 40 × 250 B ≈ 18 MB of history, typically a tenth.
 */
const KEEP = 40;
const TTL_S = 6 * 3600;
/** Arguments kept per entry (the rule keys and flags among them). */
const ARGS = 6;
const ARG_BYTES = 48;
export const LISTS_PER_ADDRESS = 1800;

/**
 * How Redis answered: "ok" ran, "nil" ran and did nothing (a SET … NX that
 * found the key, a pop that timed out), "err" refused, "q" queued in MULTI,
 * "exec" an EXEC that ran its queue, "abort" an EXEC that did not.
 */
type Answer = "ok" | "nil" | "err" | "q" | "exec" | "abort";

const Entry = z.union([
  z
    .object({
      t: z.string().max(64),
      a: z.array(z.string().max(ARG_BYTES)).max(ARGS + 1),
      n: z.number().int().min(1),
      r: z.enum(["ok", "nil", "err", "q", "exec", "abort"]),
    })
    .strict(),
  z.object({ c: z.string().regex(/^[a-z0-9-]{1,40}$/), ok: z.boolean() }).strict(),
]);
type Entry = z.infer<typeof Entry>;

const keyOf = (sessionId: string, lesson: string) => {
  // Read back or built from a request, an id or slug of another shape never becomes a key.
  if (!isSessionId(sessionId) || !/^[a-z0-9-]{1,40}$/.test(lesson)) throw new Error("history: bad session id or lesson");
  return `app:hist:{${sessionId}}:${lesson}`;
};

const cut = (a: Uint8Array): string => Buffer.from(a.subarray(0, ARG_BYTES)).toString("utf8");

function answerOf(name: string, reply: Reply): Answer {
  // Whatever EXEC answers besides its replies (nil after a WATCH, EXECABORT, "without MULTI", a lost lease), no queue ran and none is left.
  if (name === "exec") return reply.t === "array" ? "exec" : "abort";
  if (reply.t === "error") return "err";
  if (reply.t === "status" && reply.v === "QUEUED") return "q";
  return reply.t === "nil" ? "nil" : "ok";
}

/** An address as a hash tag can hold it: no braces, bounded; an unknown one is one address, never none. */
const addressTag = (ip: string | undefined) => (ip ? ip.replace(/[{}]/g, "_").slice(0, 64) : "?");

async function push(app: RedisLink, sessionId: string, lesson: string, ip: string | undefined, entry: Entry): Promise<void> {
  const key = keyOf(sessionId, lesson);
  const json = JSON.stringify(entry);
  const owners = `app:hist-addr:{${addressTag(ip)}}`;
  const member = `${sessionId}:${lesson}`;
  // Sent together: the list (one slot) and its address's index (another slot on a cluster).
  const [, , , added] = await Promise.all([
    app.send(["LPUSH", key, json]),
    app.send(["LTRIM", key, "0", String(KEEP - 1)]),
    app.send(["EXPIRE", key, String(TTL_S)]),
    app.send(["ZADD", owners, String(Date.now()), member]),
    app.send(["EXPIRE", owners, String(TTL_S)]),
  ]);
  if (added.t === "integer" && Number(added.v) === 1) {
    // A new list for this address: past the cap, it makes the least recently used one go. Each new list
    // pops at most one, with ZPOPMIN, which hands every member to one caller only: K lists at once over
    // the cap remove exactly K others (a ZRANGE read, then ZREMRANGEBYRANK, let two callers read the same
    // member and orphan the list of another; the test saw one in 1,850).
    const card = await app.send(["ZCARD", owners]);
    if (card.t === "integer" && Number(card.v) > LISTS_PER_ADDRESS) {
      const popped = await app.send(["ZPOPMIN", owners, "1"]);
      const m = popped.t === "array" ? popped.v[0] : undefined;
      // Read back: only an exact `<session id>:<slug>` becomes a key to delete.
      const [sid, slug] = m?.t === "bulk" ? m.v.split(":") : [];
      if (sid && slug && isSessionId(sid) && /^[a-z0-9-]{1,40}$/.test(slug)) await app.send(["UNLINK", keyOf(sid, slug)]);
    }
  }
}

/** Records one command the learner ran on a lesson page, with Redis's answer (refused ones are not kept). */
export async function recordCommand(
  app: RedisLink,
  sessionId: string,
  lesson: string,
  client: { id?: string; ip?: string },
  argv: Uint8Array[],
  reply: Reply,
  /** Whether an argument is one a rule names (a key, a flag): only those are kept. */
  named: (arg: Uint8Array) => boolean,
): Promise<void> {
  if (argv.length === 0) return;
  const word = cut(argv[0]).toLowerCase();
  const name = /^[a-z]{1,32}$/.test(word) ? word : "?"; // a command name is letters: anything else is kept as "?"
  const r = answerOf(name, reply);
  if (r === "err") return;
  const args = argv.slice(1).filter(named).slice(0, ARGS).map(cut);
  await push(app, sessionId, lesson, client.ip, { t: (client.id ?? "default").slice(0, 40), a: [name, ...args], n: argv.length, r });
}

/** Marks a check of an exercise, and whether it passed: a failed one starts the next check's window. */
export async function recordCheck(app: RedisLink, sessionId: string, lesson: string, ip: string | undefined, exercise: string, ok: boolean): Promise<void> {
  await push(app, sessionId, lesson, ip, { c: exercise, ok });
}

/** The history, oldest first; entries that do not parse (nothing read back is trusted) are skipped. */
export async function readHistory(app: RedisLink, sessionId: string, lesson: string): Promise<Entry[]> {
  const r = await app.send(["LRANGE", keyOf(sessionId, lesson), "0", String(KEEP - 1)]);
  if (r.t !== "array") return [];
  const out: Entry[] = [];
  for (const item of r.v) {
    if (item.t !== "bulk") continue;
    try {
      const e = Entry.safeParse(JSON.parse(item.v));
      if (e.success) out.push(e.data);
    } catch {
      // not JSON: skipped
    }
  }
  return out.reverse();
}

/** A command that ran, as a method check sees it. */
export interface RanCommand {
  name: string;
  args: string[];
  argc: number;
  /** Ran as part of a MULTI … EXEC whose EXEC ran the queue. */
  inTransaction: boolean;
}

/**
 * The commands that ran in an exercise's window: after the last failed check
 * of that exercise (so a learner told "not yet" starts over from there), in
 * order. A queued command counts only once its EXEC ran the queue, and then
 * as in a transaction; refused commands, discarded queues and commands that
 * answered nil (a SET … NX that found the lock held, a pop that timed out) do
 * not count.
 */
export function exerciseWindow(entries: Entry[], exercise: string): RanCommand[] {
  let start = 0;
  entries.forEach((e, i) => {
    if ("c" in e && e.c === exercise && !e.ok) start = i + 1;
  });
  const ran: Array<RanCommand & { at: number }> = [];
  const queued = new Map<string, Array<RanCommand & { at: number }>>();
  entries.forEach((e, at) => {
    if ("c" in e) return;
    const name = e.a[0].toLowerCase();
    const cmd = { name, args: e.a.slice(1), argc: e.n, inTransaction: false, at };
    if (e.r === "q") queued.set(e.t, [...(queued.get(e.t) ?? []), cmd]);
    else if (name === "exec" || name === "discard") {
      if (e.r === "exec") {
        // EXEC's reply says per command what ran; the history keeps only that the queue ran, so each queued command counts.
        for (const c of queued.get(e.t) ?? []) ran.push({ ...c, inTransaction: true, at });
      }
      if (e.r !== "err") queued.delete(e.t); // an EXEC or DISCARD refused with arguments leaves MULTI open
    } else if (e.r === "ok") ran.push(cmd);
  });
  // A transaction counts in the window where its EXEC ran.
  return ran.filter((c) => c.at >= start).map(({ at: _, ...c }) => c);
}

const upper = (s: string) => s.toUpperCase();

/** Whether one command is what a rule describes. */
export function matches(c: RanCommand, rule: MethodRule): boolean {
  if (rule.commands && !rule.commands.map(upper).includes(upper(c.name))) return false;
  if (rule.key !== undefined && !c.args.includes(rule.key)) return false;
  if (rule.flags && !rule.flags.every((f) => c.args.some((a) => upper(a) === upper(f)))) return false;
  if (rule.inTransaction && !c.inTransaction) return false;
  if (rule.argc) {
    const { gte, lte, eq } = rule.argc;
    if ((gte !== undefined && c.argc < gte) || (lte !== undefined && c.argc > lte) || (eq !== undefined && c.argc !== eq)) return false;
  }
  return true;
}
