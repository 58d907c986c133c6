import type { Reply } from "@/lib/resp/reply";
import { SandboxError } from "@/lib/errors";
import { problem } from "@/lib/problems";

/**
 * Work per second, per session and per client address (README's Limits table).
 *
 * The per-command budget (costs.ts) keeps each command under ≈ 5 ms of
 * Redis, and the rate limit counts commands; but 200 commands a second of
 * 5 ms each is all of Redis's one thread. In the hostile review one session
 * sending commands each within the budget from 8 console tabs at once held
 * another visitor's PING at p99 130 ms. So what each command cost is charged
 * to two buckets, the session's and its address's, which drain at their
 * rate; a command runs only while both hold less than one second's worth. A
 * burst may go past it once; then the sender waits, and is told for how long.
 *
 * Charged, in costs.ts units (≈ 0.1 µs of Redis or Node time): the command's
 * estimate (costs.ts), the reply this process decoded and formatted (one unit
 * per 16 bytes, counting what was cut for the browser), and for PUBLISH what
 * the message costs this process's live streams. Every command costs at
 * least 10 (its round trip). In this process: several app instances each
 * allow as much (a per-address figure for a whole deployment would need a
 * counter in Redis on every command).
 *
 * At most `inFlight` commands of one session run at once, whatever their
 * console tabs or API clients: more would queue on the shared connection in
 * front of everyone else's.
 */
export interface WorkLimits {
  perSession: number;
  perIp: number;
  inFlight: number;
}

interface Bucket {
  debt: number;
  at: number;
}

export class WorkBudget {
  private buckets = new Map<string, Bucket>();
  private running = new Map<string, number>();

  constructor(private readonly limits: WorkLimits) {}

  /**
   * Admits one command of `session` from `ip` (throws rate_limited with the
   * numbers and when to come back) and returns its release: call it once the
   * command is done, with what it cost beyond its estimate.
   */
  begin(session: string, ip: string | undefined): () => void {
    const { perSession, perIp, inFlight } = this.limits;
    const running = this.running.get(session) ?? 0;
    if (running >= inFlight) {
      throw new SandboxError("rate_limited", problem("limit:in-flight", { n: running, max: inFlight }), 1);
    }
    const mine = this.level(`s:${session}`, perSession);
    if (mine >= perSession) throw this.tooMuch(mine, perSession, "visitor");
    if (ip !== undefined) {
      const ours = this.level(`a:${ip}`, perIp);
      if (ours >= perIp) throw this.tooMuch(ours, perIp, "address");
    }
    this.running.set(session, running + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.running.get(session) ?? 1) - 1;
      if (n > 0) this.running.set(session, n);
      else this.running.delete(session);
    };
  }

  /**
   * Spends a command's estimate before it runs: refused (rate_limited) if the
   * session or its address already owes a second's worth, so commands sent at
   * the same time from many tabs cannot all start at once.
   */
  spend(session: string, ip: string | undefined, units: number): void {
    if (units <= 0) return;
    const { perSession, perIp } = this.limits;
    const mine = this.level(`s:${session}`, perSession);
    if (mine >= perSession) throw this.tooMuch(mine, perSession, "visitor");
    if (ip !== undefined) {
      const ours = this.level(`a:${ip}`, perIp);
      if (ours >= perIp) throw this.tooMuch(ours, perIp, "address");
    }
    this.charge(session, ip, units);
  }

  /** Charges `units` of work to the session and its address. */
  charge(session: string, ip: string | undefined, units: number): void {
    const add = (key: string, rate: number) => {
      const b = this.bucket(key, rate);
      b.debt += Math.max(0, units);
    };
    add(`s:${session}`, this.limits.perSession);
    if (ip !== undefined) add(`a:${ip}`, this.limits.perIp);
  }

  /** The key's debt now, drained at `rate` per second since it was last touched. */
  private level(key: string, rate: number): number {
    return this.bucket(key, rate).debt;
  }

  private bucket(key: string, rate: number): Bucket {
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { debt: 0, at: now };
      this.buckets.set(key, b);
      if (this.buckets.size > 100_000) this.sweep(now);
    }
    b.debt = Math.max(0, b.debt - ((now - b.at) / 1000) * rate);
    b.at = now;
    return b;
  }

  /** Forgets buckets that have drained (the map would otherwise hold every session ever seen). */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.debt - ((now - b.at) / 1000) * this.limits.perSession <= 0) this.buckets.delete(k);
  }

  private tooMuch(debt: number, rate: number, who: "visitor" | "address"): SandboxError {
    const waitMs = Math.ceil(((debt - rate) / rate) * 1000) + 50;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new SandboxError("rate_limited", problem("limit:work", { rate, who, ms: Math.round(rate / 10_000), wait: seconds }), seconds);
  }
}

/** What decoding and formatting a reply cost this process: one unit per 16 bytes, counting what was cut (`more`). */
export function replyUnits(r: Reply): number {
  return Math.ceil(replyBytes(r) / 16);
}

function replyBytes(r: Reply): number {
  switch (r.t) {
    case "bulk":
    case "verbatim":
    case "status":
    case "error":
      return r.v.length + 8 + ("more" in r && r.more ? r.more : 0);
    case "array":
    case "set":
    case "push":
    case "map": {
      let kept = 0;
      for (const x of r.v) kept += replyBytes(x);
      const avg = r.v.length ? kept / r.v.length : 8;
      return kept + 8 + (r.more ?? 0) * avg;
    }
    default:
      return 16;
  }
}
