/**
 * Every error the sandbox can raise, mapped once (docs/architecture.md "HTTP API and sessions"): the text the
 * console shows as `(error) …`, the HTTP status of the JSON API, and whether it
 * is worth logging. Replies that redis-cli would print as `(error)` are 200s in
 * the API with `reply.t = "error"`; only the kinds with another status here
 * leave the reply model.
 */
export const ERROR_KINDS = {
  // Down, or no answer within the deadline (PLAYGROUND_REDIS_TIMEOUT_MS): the connection is replaced at once.
  redis_unavailable: {
    status: 503,
    log: "warn",
    message: "Redis is unavailable right now; retrying. Your data is safe — try again in a moment.",
    retryAfter: 1,
  },
  bad_request: { status: 400, log: "none", message: "Bad request." },
  unauthorized: { status: 401, log: "none", message: "Missing or invalid session. Create one with POST /api/v1/sessions." },
  busy: { status: 503, log: "info", message: "The playground is busy; try again in a few seconds." },
  method_not_allowed: { status: 405, log: "none", message: "Method not allowed." },
  forbidden: { status: 403, log: "none", message: "Forbidden." },
  conflict: { status: 409, log: "none", message: "That is already going." },
  not_found: { status: 404, log: "none", message: "Not found." },
  rate_limited: { status: 429, log: "info", message: "Too many commands; slow down." },
  too_large: { status: 413, log: "none", message: "Request body too large." },
  internal: { status: 500, log: "error", message: "Internal error." },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

export class SandboxError extends Error {
  /** Sent as `Retry-After` by the JSON API; kinds with a `retryAfter` above carry it by default. */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly kind: ErrorKind,
    message?: string,
    retryAfterSeconds?: number,
  ) {
    super(message ?? ERROR_KINDS[kind].message);
    this.name = "SandboxError";
    const k = ERROR_KINDS[kind];
    this.retryAfterSeconds = retryAfterSeconds ?? ("retryAfter" in k ? k.retryAfter : undefined);
  }
  get status(): number {
    return ERROR_KINDS[this.kind].status;
  }
}

/** Logs an error as its kind says: "error" and "warn" kinds are worth an operator's look, the others are the visitor's to read. */
export function logError(where: string, e: SandboxError): void {
  const level = ERROR_KINDS[e.kind].log;
  if (level === "error") console.error(`[${where}] ${e.kind}: ${e.message}`);
  else if (level === "warn") console.warn(`[${where}] ${e.kind}: ${e.message}`);
}

/** Recognises a SandboxError across module copies (Next bundles lib/ separately). */
export function isSandboxError(e: unknown): e is SandboxError {
  return typeof e === "object" && e !== null && (e as Error).name === "SandboxError" && "kind" in e;
}
