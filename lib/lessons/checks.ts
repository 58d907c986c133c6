import type { Sender } from "@/lib/sandbox/acl-users";
import type { Reply } from "@/lib/resp/reply";
import type { Namespace } from "@/lib/sandbox/namespace";
import type { Check, MethodRule } from "./schema";
import { matches, type RanCommand } from "./history";

/**
 * Exercises' declarative checks, evaluated against the learner's own
 * namespace. Each failed check becomes a problem the page words in the
 * learner's language ("page:1 is 7; it should be at least 10").
 */
export type CheckProblem =
  | { kind: "missing"; key: string }
  | { kind: "exists"; key: string }
  | { kind: "type"; key: string; want: string; got: string }
  | { kind: "notInteger"; key: string; got: string }
  | { kind: "range"; key: string; what: "value" | "ttl" | "card"; got: number; gte?: number; lte?: number; eq?: number }
  | { kind: "notEquals"; key: string; want: string; got: string }
  | { kind: "members"; key: string; missing: string[] }
  /** A method rule (lib/lessons/history.ts) the commands since the last "not yet" do not meet: `got` matching commands. */
  | { kind: "method"; rule: MethodRule; got: number }
  /** A console tab of this lesson has a MULTI open: its queued writes have not happened yet. */
  | { kind: "openTx"; queued: number };

const CARD: Record<string, string> = { list: "LLEN", set: "SCARD", zset: "ZCARD", hash: "HLEN", stream: "XLEN", string: "STRLEN" };

export async function runChecks(conn: Sender, ns: Namespace, checks: Check[]): Promise<CheckProblem[]> {
  const problems: CheckProblem[] = [];
  for (const c of checks) {
    const key = Buffer.from(ns.add(Buffer.from(c.key)));
    const type = text(await conn.send(["TYPE", key]));
    if (type === "none") {
      if (c.exists !== false) problems.push({ kind: "missing", key: c.key });
      continue;
    }
    if (c.exists === false) {
      problems.push({ kind: "exists", key: c.key });
      continue;
    }
    // A value check needs a string: say so, rather than comparing "(list)" with a value.
    const want = c.type ?? (c.integer || c.equals !== undefined ? "string" : undefined);
    if (want && want !== type) {
      problems.push({ kind: "type", key: c.key, want, got: type });
      continue;
    }
    if (c.integer || c.equals !== undefined) {
      // Only as much of the value as a check can need: a GET of two 1 MB values per check, echoed back, moved 546 MB in 6 s (hostile review).
      const value = type === "string" ? await shortValue(conn, key) : `(${type})`;
      if (c.equals !== undefined && value !== c.equals) problems.push({ kind: "notEquals", key: c.key, want: c.equals, got: value });
      if (c.integer) {
        if (!/^-?\d+$/.test(value)) problems.push({ kind: "notInteger", key: c.key, got: value });
        else range(problems, c.key, "value", Number(value), c.integer);
      }
    }
    if (c.ttl) range(problems, c.key, "ttl", Number(num(await conn.send(["TTL", key]))), c.ttl);
    if (c.card) range(problems, c.key, "card", Number(num(await conn.send([CARD[type] ?? "STRLEN", key]))), c.card);
    if (c.members) {
      const r = await conn.send(["SMISMEMBER", key, ...c.members]);
      const missing = r.t === "array" ? c.members.filter((_, i) => !(r.v[i]?.t === "integer" && Number(r.v[i].v) === 1)) : c.members;
      if (missing.length) problems.push({ kind: "members", key: c.key, missing });
    }
  }
  return problems;
}

function range(out: CheckProblem[], key: string, what: "value" | "ttl" | "card", got: number, b: { gte?: number; lte?: number; eq?: number }) {
  if ((b.gte !== undefined && got < b.gte) || (b.lte !== undefined && got > b.lte) || (b.eq !== undefined && got !== b.eq))
    out.push({ kind: "range", key, what, got, ...b });
}

/** The first 256 bytes of a string; a longer one says how long it is (it can equal no expected value). */
async function shortValue(conn: Sender, key: Buffer): Promise<string> {
  const [head, len] = await Promise.all([conn.send(["GETRANGE", key, "0", "255"]), conn.send(["STRLEN", key])]);
  const n = num(len);
  return n > 256 ? `${text(head)}… (${n.toLocaleString("en")} bytes)` : text(head);
}

const text = (r: Reply): string => (r.t === "status" || r.t === "bulk" ? r.v : r.t === "nil" ? "(nil)" : "");
const num = (r: Reply): number => (r.t === "integer" ? Number(r.v) : NaN);

/**
 * The method rules against the commands run since the last "not yet"
 * (lib/lessons/history.ts exerciseWindow): each rule that does not hold,
 * with how many commands matched it.
 */
export function methodProblems(ran: RanCommand[], rules: MethodRule[]): CheckProblem[] {
  const out: CheckProblem[] = [];
  for (const rule of rules) {
    const got = ran.filter((c) => matches(c, rule)).length;
    const { gte = rule.never ? undefined : 1, lte, eq } = rule.count ?? {};
    const ok = rule.never ? got === 0 : (gte === undefined || got >= gte) && (lte === undefined || got <= lte) && (eq === undefined || got === eq);
    if (!ok) out.push({ kind: "method", rule, got });
  }
  return out;
}
