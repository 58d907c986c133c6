/**
 * Every problem the playground itself reports, by stable code, with the
 * parameters its message needs (docs/architecture.md "Errors"). A refusal, a
 * limit, a notice or a failed request carries `{code, params}`; its words come
 * from `messages[locale].problems[code](params)` (lib/i18n/problems.ts), a
 * table typed by this map, so a code without a message in one language is a
 * type error. Redis's own `(error)` replies carry no problem: they keep
 * redis-cli's English exactly.
 *
 * Codes read `surface:what`. Numbers travel as numbers; each language formats
 * them.
 */
import { PROBLEMS, problemText } from "@/lib/i18n/problems";

/** Commands the sandbox refuses by name, each with its own reason. */
export type DeniedName =
  | "auth"
  | "hello"
  | "reset"
  | "select"
  | "move"
  | "swapdb"
  | "migrate"
  | "wait"
  | "quit"
  | "restore"
  | "restore-asking"
  | "pubsub|numpat"
  | "memory|doctor"
  | "memory|stats"
  | "memory|malloc-stats"
  | "memory|purge"
  | "pfdebug"
  | "pfselftest";

/** What to do instead of a command over its cost budget, by family (lib/sandbox/costs.ts). */
export type CostHint =
  | "lcs"
  | "sort"
  | "sets"
  | "zsets"
  | "list"
  | "zrange"
  | "smembers"
  | "hash"
  | "count"
  | "stream"
  | "scan"
  | "match"
  | "command"
  | "publish"
  | "geo"
  | "bits"
  | "hll"
  | "copy"
  | "lolwut"
  | "remove"
  | "lrem"
  | "linsert"
  | "samples"
  | "xinfo"
  | "other";

export type CostUnit = "elements" | "entries" | "points" | "pixels" | "cells" | "keys" | "sets" | "strings" | "bytes";

/** The sizes behind a cost estimate ("2 sets, 8,000 elements", "500 × 500 bytes", …). */
export type CostDetail =
  | { parts: Array<[number, CostUnit]>; sorted?: "strings" | "numbers"; matched?: true }
  | { lcs: [number, number] }
  | { channels: number; total: number }
  | { table: true }
  | { publish: number; subscriptions: number };

/** What a write that would fill the sandbox is: one command, one with a transaction's queued commands before it, or an EXEC. */
export type QuotaWhat = { command: string; queuedBefore?: number } | { queued: number };

/** The rare actions limited per window (lib/rate-limit.ts limitWindow). */
export type WindowWhat = "rooms" | "progress" | "room-admin" | "join-misses" | "sessions" | "inspector" | "venn" | "rotations";

export interface ProblemParams {
  // A command line, before anything is read.
  "line:empty": Record<string, never>;
  "line:too-long": { limit: number };
  "line:too-many-args": { argc: number; limit: number };
  "line:args-bytes": { total: number; limit: number };
  "line:arg-too-big": { index: number; bytes: number; limit: number };
  "line:unbalanced-quote": { quote: "double" | "single"; column: number };
  "line:quote-then-char": { quote: "double" | "single"; column: number };
  "help:unknown": { words: string };
  // The sandbox's refusals (lib/sandbox/).
  "command:nul-name": { name: string };
  "command:nul-subcommand": { name: string };
  "command:denied": { name: DeniedName };
  "command:scripting": { command: string };
  "command:admin": { command: string };
  "command:needs-stream": { command: string };
  "command:connection": { command: string };
  "command:unavailable": { command: string };
  "command:copy-db": Record<string, never>;
  "command:emulated-in-multi": { command: string };
  "command:cannot-loop": { command: string };
  "command:console-help": { command: string };
  "keys:unreadable": { command: string };
  "keys:repeated-keyword": { keyword: string; command: string; what: "key" | "key or value" };
  "keys:none-found": { command: string; why: string };
  "keys:mismatch": { command: string };
  "args:nul-keyword": { index: number; shown: string; keyword: string };
  "args:repeated-option": { keyword: string; command: string };
  "args:unreadable-options": { command: string };
  "args:timeout-format": { command: string; unit: "seconds" | "milliseconds"; got: string };
  "sort:by-pattern": { command: string };
  "sort:get-pattern": { command: string };
  "glob:name-too-long": { index: number; bytes: number; limit: number; channel?: true };
  "glob:pattern-too-long": { command: string; bytes: number; limit: number };
  "glob:patterns-cost": { units: number; limit: number };
  "size:string": { command: string; bytes: number; limit: number };
  "size:negative-count": { command: string; count: number; limit: number };
  "cost:command": { command: string; units: number; detail?: CostDetail; limit: number; hint: CostHint };
  "cost:reply": { command: string; bytes: number; limit: number };
  "cost:unknown": { command: string };
  "tx:queued-count": { count: number };
  "tx:queued-bytes": { command: string; bytes: number; limit: number };
  "tx:reply": { command: string; bytes: number; total: number; limit: number };
  "tx:cost": { command: string; units: number; total: number; limit: number };
  "tx:late": Record<string, never>;
  "tx:discarded": { cause: Problem };
  "quota:full": { keys: number; bytes: number; what: QuotaWhat; addKeys: number; addBytes: number; maxKeys: number; maxBytes: number };
  "quota:address": { others: number; what: QuotaWhat; after: number; limit: number };
  // Notices under a reply, and what ended a console tab's transaction.
  "notice:timeout-capped": { command: string; asked: number; unit: "s" | "ms"; cap: number };
  "notice:reply-cut": { items: number; bytes: number };
  "lease:idle": { what: "MULTI" | "WATCH"; seconds: number };
  "lease:lost": Record<string, never>;
  "lease:login": Record<string, never>;
  // Limits on how much and how many at once.
  "limit:transactions": { n: number; max: number };
  "limit:blocking": { n: number; max: number };
  "limit:connections-address": { n: number; perIp: number; max: number };
  "limit:connections": { max: number };
  "limit:commands-session": { max: number };
  "limit:commands-address": { max: number };
  "limit:work": { rate: number; who: "visitor" | "address"; ms: number; wait: number };
  "limit:in-flight": { n: number; max: number };
  "limit:window": { what: WindowWhat; max: number; seconds: number; wait: number };
  "limit:joins": { max: number; wait: number };
  "limit:fail-closed": { wait: number };
  "stream:per-session": { max: number };
  "stream:per-address": { n: number; max: number };
  "stream:total": { n: number };
  "stream:empty-name": Record<string, never>;
  "stream:long-name": Record<string, never>;
  "stream:too-many": Record<string, never>;
  "stream:none": Record<string, never>;
  "scenario:already": { kind: string };
  "scenario:per-session": { n: number; max: number };
  "scenario:per-address": { n: number; max: number };
  "scenario:connections-address": { held: number; max: number; needs: number };
  "scenario:total": { n: number };
  "scenario:connections": { held: number; max: number };
  "scenario:unknown": { name: string; names: string };
  "scenario:no-run": Record<string, never>;
  "scenario:cancelled": Record<string, never>;
  "scenario:failed": Record<string, never>;
  "scenario:master-failed": { command: string; error: string };
  "scenario:workers": Record<string, never>;
  "scenario:dispatch-failed": Record<string, never>;
  "scenario:start-failed": Record<string, never>;
  // Workshops.
  "room:not-joined": Record<string, never>;
  "room:ended-shared": Record<string, never>;
  "room:store": Record<string, never>;
  "room:no-code": Record<string, never>;
  "room:token": Record<string, never>;
  "room:instructor-only": Record<string, never>;
  "room:not-found": { code: string };
  "room:ended": Record<string, never>;
  "room:full": { max: number };
  "room:name-taken": { name: string };
  "room:capacity": Record<string, never>;
  "room:code-format": Record<string, never>;
  "room:not-member": Record<string, never>;
  "room:title-empty": Record<string, never>;
  "room:title-long": Record<string, never>;
  "room:lessons-empty": Record<string, never>;
  "room:name-empty": Record<string, never>;
  "room:name-long": Record<string, never>;
  "room:name-control": Record<string, never>;
  "room:message-empty": Record<string, never>;
  "room:message-long": Record<string, never>;
  // Requests, sessions and the server.
  "request:invalid": { detail: string; field?: string };
  "request:method": { allow: string };
  "request:no-route": { method: string; path: string; see: string };
  "request:body-too-large": { max: number };
  "request:empty-body": Record<string, never>;
  "request:content-type": { got: string };
  "request:bad-json": { detail: string };
  "request:session-body": Record<string, never>;
  "request:exec-body": Record<string, never>;
  "request:argv-length": { n: number; max: number };
  "request:scope": Record<string, never>;
  "request:unknown-scope": { scope: string };
  "request:worker-body": Record<string, never>;
  "request:invalid-line": Record<string, never>;
  "request:invalid-tab": Record<string, never>;
  "request:invalid-locale": Record<string, never>;
  "request:unknown-exercise": Record<string, never>;
  "request:invalid-sets": Record<string, never>;
  "request:invalid-progress": Record<string, never>;
  "session:missing": Record<string, never>;
  "session:cross-site": { route: string; from: "same-site" | "other"; header: string };
  "session:cross-origin": { route: string; origin: string; host: string };
  "session:content-type": { route: string; got: string; example: string };
  "redis:unavailable": Record<string, never>;
  "server:busy": Record<string, never>;
  "server:internal": Record<string, never>;
  "server:failed": Record<string, never>;
  "server:forbidden": Record<string, never>;
  "server:conflict": Record<string, never>;
  "server:not-found": Record<string, never>;
  "server:bad-request": Record<string, never>;
  "server:method": Record<string, never>;
  "server:rate-limited": Record<string, never>;
  "server:too-large": Record<string, never>;
  "client:no-answer": Record<string, never>;
  "client:http": { status: number };
  "endpoint:session-connections": { max: number };
  "endpoint:address-connections": { max: number };
  "endpoint:connections": { max: number };
  "endpoint:wrong-passwords": { max: number; wait: number };
  "endpoint:reply-too-large": { limit: number };
  "endpoint:select": Record<string, never>;
  "endpoint:off": Record<string, never>;
  "endpoint:unsupported": { command: string };
  "endpoint:subscribe-in-multi": { command: string };
  "endpoint:subscriptions": { max: number };
  // Connection commands answered per console tab (lib/sandbox/connection-commands.ts).
  "command:hello-resp3": Record<string, never>;
  "command:hello-auth": Record<string, never>;
  "command:client-name-long": { bytes: number; limit: number };
}

export type ProblemCode = keyof ProblemParams;

/** One problem: a code and its parameters, typed together. */
export type Problem = { [K in ProblemCode]: { code: K; params: ProblemParams[K] } }[ProblemCode];

/** A message per code: the type every language's table (lib/i18n/problems.ts) must satisfy. */
export type ProblemTable = { [K in ProblemCode]: (params: ProblemParams[K]) => string };

/** Builds a problem; the params' type follows the code. */
export function problem<K extends ProblemCode>(code: K, ...params: ProblemParams[K] extends Record<string, never> ? [] : [ProblemParams[K]]): Problem {
  return { code, params: params[0] ?? {} } as Problem;
}

/** An error reply for a playground refusal: Redis's `ERR ` prefix, the English words, and the problem itself for other languages. */
export function refusal(p: Problem): { t: "error"; v: string; problem: Problem } {
  return { t: "error", v: `ERR ${problemText(p)}`, problem: p };
}

/**
 * A validation issue (zod's: a message and a path) as a problem. Schemas at the
 * boundary name a problem code as their message ("room:title-empty"); any
 * other message is a generic invalid request, with the field.
 */
export function issueProblem(issue: { message: string; path: ReadonlyArray<PropertyKey> }): Problem {
  if (Object.hasOwn(PROBLEMS.en, issue.message)) return { code: issue.message, params: {} } as Problem;
  return { code: "request:invalid", params: { detail: issue.message, ...(issue.path.length ? { field: issue.path.map(String).join(".") } : {}) } };
}

/** Tells a problem sent over the wire from anything else (the client rebuilds errors from it). */
export function isProblem(x: unknown): x is Problem {
  return typeof x === "object" && x !== null && typeof (x as Problem).code === "string" && typeof (x as Problem).params === "object";
}
