import type { Sender } from "@/lib/sandbox/acl-users";
import type { Namespace } from "@/lib/sandbox/namespace";
import type { Reply } from "@/lib/resp/reply";

/**
 * What a step leaves in the keys (fence meta `holds="…"`, lessons/README.md):
 * in a workshop's shared keys a classmate may have run the step first, so its
 * replies differ (`SADD` answers 0, a count is one more), while the keys hold
 * what the step is about. There the step is checked by this state instead of
 * by its replies.
 *
 *   holds="game:WOW has user:a user:b; only:WOW lacks user:c; nobody:common absent; game:WOW is set"
 */
export type Hold = { key: string; op: "has" | "lacks"; members: string[] } | { key: string; op: "is"; type: HoldType } | { key: string; op: "absent" };

export const HOLD_TYPES = ["string", "list", "set", "zset", "hash", "stream"] as const;
export type HoldType = (typeof HOLD_TYPES)[number];

export const HOLDS_SYNTAX =
  'holds="<key> has <member> …; <key> lacks <member> …; <key> is <string|list|set|zset|hash|stream>; <key> absent" (clauses separated by ;)';

/** Reads a holds= value; throws an Error that names the clause and the forms allowed. */
export function parseHolds(text: string): Hold[] {
  const out: Hold[] = [];
  for (const raw of text.split(";")) {
    const words = raw.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const [key, op, ...rest] = words;
    const bad = () => new Error(`cannot read the holds clause "${raw.trim()}"; write ${HOLDS_SYNTAX}`);
    if (op === "has" || op === "lacks") {
      if (rest.length === 0) throw bad();
      out.push({ key, op, members: rest });
    } else if (op === "is") {
      if (rest.length !== 1 || !(HOLD_TYPES as readonly string[]).includes(rest[0])) throw bad();
      out.push({ key, op, type: rest[0] as HoldType });
    } else if (op === "absent") {
      if (rest.length !== 0) throw bad();
      out.push({ key, op });
    } else throw bad();
  }
  if (out.length === 0) throw new Error(`holds= is empty; write ${HOLDS_SYNTAX}`);
  return out;
}

/** A clause that does not hold, worded by the page in the learner's language. */
export type HoldProblem =
  | { kind: "missing"; key: string }
  | { kind: "exists"; key: string }
  | { kind: "type"; key: string; want: string; got: string }
  | { kind: "members"; key: string; missing: string[] }
  | { kind: "extra"; key: string; present: string[] };

/** Every clause against the namespace's keys (a few reads each): the ones that do not hold. */
export async function checkHolds(conn: Sender, ns: Namespace, holds: Hold[]): Promise<HoldProblem[]> {
  const problems: HoldProblem[] = [];
  for (const h of holds) {
    const key = Buffer.from(ns.add(Buffer.from(h.key)));
    const type = text(await conn.send(["TYPE", key]));
    if (h.op === "absent") {
      if (type !== "none") problems.push({ kind: "exists", key: h.key });
      continue;
    }
    if (type === "none") {
      // A set that does not exist lacks everything.
      if (h.op !== "lacks") problems.push({ kind: "missing", key: h.key });
      continue;
    }
    const want = h.op === "is" ? h.type : "set";
    if (type !== want) {
      problems.push({ kind: "type", key: h.key, want, got: type });
      continue;
    }
    if (h.op === "is") continue;
    const r = await conn.send(["SMISMEMBER", key, ...h.members]);
    const isIn = (i: number) => r.t === "array" && r.v[i]?.t === "integer" && Number(r.v[i].v) === 1;
    if (h.op === "has") {
      const missing = h.members.filter((_, i) => !isIn(i));
      if (missing.length) problems.push({ kind: "members", key: h.key, missing });
    } else {
      const present = h.members.filter((_, i) => isIn(i));
      if (present.length) problems.push({ kind: "extra", key: h.key, present });
    }
  }
  return problems;
}

const text = (r: Reply): string => (r.t === "status" || r.t === "bulk" ? r.v : "");
