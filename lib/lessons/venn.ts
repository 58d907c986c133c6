import type { Sender } from "@/lib/sandbox/acl-users";
import type { Reply } from "@/lib/resp/reply";
import type { Namespace } from "@/lib/sandbox/namespace";

/** Two of the learner's sets split three ways — only in A, in both, only in B — for a live Venn diagram. */
export interface Venn {
  keys: [string, string];
  types: [string, string];
  onlyA: string[];
  both: string[];
  onlyB: string[];
  /** How many in each region (the lists stop at 40). */
  counts: [number, number, number];
}

const MAX = 40;
const BIG = 1000;

export async function vennOf(conn: Sender, ns: Namespace, a: string, b: string): Promise<Venn> {
  const [ka, kb] = [a, b].map((k) => Buffer.from(ns.add(Buffer.from(k))));
  const [ta, tb] = await Promise.all([conn.send(["TYPE", ka]), conn.send(["TYPE", kb])]);
  const types: [string, string] = [ta.t === "status" ? ta.v : "none", tb.t === "status" ? tb.v : "none"];
  if (types.some((t) => t !== "set" && t !== "none")) return { keys: [a, b], types, onlyA: [], both: [], onlyB: [], counts: [0, 0, 0] };
  // Big sets: counts only (SCARD, SINTERCARD), never whole replies of thousands of members.
  const [ca, cb] = await Promise.all([conn.send(["SCARD", ka]), conn.send(["SCARD", kb])]);
  const [na, nb] = [ca, cb].map((r) => (r.t === "integer" ? Number(r.v) : 0));
  if (na > BIG || nb > BIG) {
    const both = await conn.send(["SINTERCARD", "2", ka, kb]);
    const nBoth = both.t === "integer" ? Number(both.v) : 0;
    return { keys: [a, b], types, onlyA: [], both: [], onlyB: [], counts: [na - nBoth, nBoth, nb - nBoth] };
  }
  const regions = (await Promise.all([conn.send(["SDIFF", ka, kb]), conn.send(["SINTER", ka, kb]), conn.send(["SDIFF", kb, ka])])).map(members);
  const [onlyA, both, onlyB] = regions.map((m) => m.slice(0, MAX));
  return { keys: [a, b], types, onlyA, both, onlyB, counts: [regions[0].length, regions[1].length, regions[2].length] };
}

function members(r: Reply): string[] {
  if (r.t !== "array") return [];
  return r.v.map((m) => (m.t === "bulk" ? m.v : "")).sort();
}
