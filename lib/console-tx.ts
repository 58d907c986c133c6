import type { Problem, ProblemCode } from "@/lib/problems";
import type { Reply } from "@/lib/resp/reply";
import type { Session } from "@/lib/session";

/**
 * Whether a console tab has a transaction open on its connection, so that its
 * prompt reads `redis(TX)>` as redis-cli's does. The server holds the truth
 * (a tab's lease, lib/sandbox/leases.ts); a page asks for it when it mounts
 * and follows it from each reply after that. Shared by server and client.
 */
export interface TxState {
  /** MULTI is open: commands answer QUEUED until EXEC or DISCARD. */
  multi: boolean;
  /** WATCH is on: the next EXEC fails if a watched key changes. */
  watching: boolean;
  /** Commands queued since MULTI. */
  queued: number;
}

export const NO_TX: TxState = { multi: false, watching: false, queued: 0 };

/** What the server says when a tab's transaction ended without its EXEC or DISCARD (lib/sandbox/leases.ts). */
const TX_ENDED = new Set<ProblemCode>(["lease:idle", "lease:lost", "lease:login"]);

/**
 * The key of a console tab's lease: the same string lib/exec.ts builds for
 * the route (`clientKey`), a tab's own commands and its room-scope commands
 * being two clients. lib/console-tx.test.ts fails if the two drift apart.
 */
export function leaseKeyOf(session: Session, tab: string): string {
  return `${session.id}/${tab}/${session.ns.prefix}`;
}

/** A lease as the state the prompt shows (no lease: nothing open). */
export function txOfLease(lease: { multi: boolean; watching: boolean; queued: unknown[] } | undefined): TxState {
  return lease ? { multi: lease.multi, watching: lease.watching, queued: lease.multi ? lease.queued.length : 0 } : NO_TX;
}

/**
 * The state after a command, read from its reply as Redis and the route
 * (lib/sandbox/route.ts `transaction`) decide it, or null when the reply
 * cannot tell (a refusal about the transaction itself): then ask the server.
 */
export function nextTx(prev: TxState, line: string, reply: Reply, notices: readonly Problem[] = []): TxState | null {
  const problems = [...notices, ...(reply.t === "error" && reply.problem ? [reply.problem] : [])];
  // The lease ended (idle, lost) before this command: whatever it was, it ran on a clean connection.
  const before = problems.some((p) => TX_ENDED.has(p.code)) ? NO_TX : prev;
  if (problems.some((p) => p.code === "tx:late")) return null;
  if (reply.t === "status" && reply.v === "QUEUED") return { ...before, multi: true, queued: before.queued + 1 };
  const word = line.trim().split(/\s+/, 1)[0].toUpperCase();
  const error = reply.t === "error" ? reply.v : null;
  switch (word) {
    case "MULTI":
      if (error === null || error.startsWith("ERR MULTI calls can not be nested")) return before.multi ? before : { ...before, multi: true, queued: 0 };
      return error.startsWith("ERR wrong number of arguments") ? before : null;
    case "EXEC":
      // EXEC with arguments is refused and leaves MULTI open; otherwise, even EXECABORT, the transaction and its WATCH are over.
      if (error?.startsWith("ERR EXEC without MULTI")) return { ...before, multi: false, queued: 0 };
      if (error === null || error.startsWith("EXECABORT")) return NO_TX;
      return error.startsWith("ERR wrong number of arguments") ? before : null;
    case "DISCARD":
      if (error?.startsWith("ERR DISCARD without MULTI")) return { ...before, multi: false, queued: 0 };
      if (error === null) return NO_TX;
      return error.startsWith("ERR wrong number of arguments") ? before : null;
    case "WATCH":
      if (error === null) return { ...before, watching: true };
      return before;
    case "UNWATCH":
      if (error === null) return { ...before, watching: false };
      return before;
    default:
      return before;
  }
}
