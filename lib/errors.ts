import { problemText } from "@/lib/i18n/problems";
import { type Problem, type ProblemCode, problem } from "@/lib/problems";

/**
 * Every error that is not a Redis reply, by kind (docs/architecture.md "Errors"): the HTTP
 * status of the JSON API, whether it is worth logging, and the problem it
 * carries when none more precise is given. Replies that redis-cli would print
 * as `(error)` are 200s in the API with `reply.t = "error"` (the playground's
 * own refusals carry `reply.problem`); only these kinds leave the reply model.
 */
export const ERROR_KINDS = {
  // Down, or no answer within the deadline (PLAYGROUND_REDIS_TIMEOUT_MS): the connection is replaced at once.
  redis_unavailable: { status: 503, log: "warn", code: "redis:unavailable", retryAfter: 1 },
  bad_request: { status: 400, log: "none", code: "server:bad-request" },
  unauthorized: { status: 401, log: "none", code: "session:missing" },
  // The whole server (or every instance's share of Redis) is full: try later, another instance may have room.
  busy: { status: 503, log: "info", code: "server:busy" },
  // This visitor's own cap (per session or per client address) bit: their doing, not the server's state, so a 429 (Too Many Requests).
  over_cap: { status: 429, log: "info", code: "server:busy" },
  method_not_allowed: { status: 405, log: "none", code: "server:method" },
  forbidden: { status: 403, log: "none", code: "server:forbidden" },
  conflict: { status: 409, log: "none", code: "server:conflict" },
  not_found: { status: 404, log: "none", code: "server:not-found" },
  rate_limited: { status: 429, log: "info", code: "server:rate-limited" },
  too_large: { status: 413, log: "none", code: "server:too-large" },
  internal: { status: 500, log: "error", code: "server:internal" },
} as const satisfies Record<string, { status: number; log: "none" | "info" | "warn" | "error"; code: ProblemCode; retryAfter?: number }>;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** What the JSON API, the server actions and postJson send for an error: the code and params to word it in any language, and the English. */
export type WireError = Problem & { message: string };

export class SandboxError extends Error {
  /** Sent as `Retry-After` by the JSON API; kinds with a `retryAfter` above carry it by default. */
  readonly retryAfterSeconds?: number;
  readonly problem: Problem;
  /** For the operator's log only (an internal error's cause); the visitor sees the problem. */
  detail?: string;
  constructor(
    readonly kind: ErrorKind,
    p?: Problem,
    retryAfterSeconds?: number,
  ) {
    const k = ERROR_KINDS[kind];
    const shown = p ?? (problem as (code: ProblemCode) => Problem)(k.code);
    super(problemText(shown));
    this.problem = shown;
    this.name = "SandboxError";
    this.retryAfterSeconds = retryAfterSeconds ?? ("retryAfter" in k ? k.retryAfter : undefined);
  }
  get status(): number {
    return ERROR_KINDS[this.kind].status;
  }
  get code(): ProblemCode {
    return this.problem.code;
  }
  toWire(): WireError {
    return { ...this.problem, message: this.message };
  }
}

/** Logs an error as its kind says: "error" and "warn" kinds are worth an operator's look, the others are the visitor's to read. */
export function logError(where: string, e: SandboxError): void {
  const level = ERROR_KINDS[e.kind].log;
  const text = e.detail ? `${e.message} ${e.detail}` : e.message;
  if (level === "error") console.error(`[${where}] ${e.code}: ${text}`);
  else if (level === "warn") console.warn(`[${where}] ${e.code}: ${text}`);
}

/** An internal error: the visitor reads "Internal error."; the log gets `detail`. */
export function internalError(detail: string): SandboxError {
  const e = new SandboxError("internal");
  e.detail = detail;
  return e;
}

/** Recognises a SandboxError across module copies (Next bundles lib/ separately). */
export function isSandboxError(e: unknown): e is SandboxError {
  return typeof e === "object" && e !== null && (e as Error).name === "SandboxError" && "kind" in e && "problem" in e;
}
