import type { Sender } from "@/lib/sandbox/acl-users";

/**
 * Checks the second wall (README "The sandbox"): the sandbox connection's ACL
 * user must be refused everything outside pg:* / room:* and every admin,
 * dangerous and scripting command; with per-namespace users (a warden
 * configured), also every other visitor's keys. The embedded Redis is set up this way; for REDIS_URL the
 * README gives the ACL lines, and the server warns loudly when they are missing.
 */
const PROBES: Array<{ argv: string[]; what: string }> = [
  { argv: ["GET", "app:wall-check"], what: "it can read the app's own keys (app:*)" },
  { argv: ["GET", "wall-check"], what: "it can read keys outside pg:* and room:*" },
  { argv: ["PUBLISH", "wall-check", "x"], what: "it can publish outside pg:* and room:* channels" },
  { argv: ["CONFIG", "GET", "maxmemory"], what: "it can run admin commands (CONFIG)" },
  { argv: ["KEYS", "wall-check"], what: "it can run dangerous commands (KEYS)" },
  { argv: ["EVAL", "return 1", "0"], what: "it can run scripts (EVAL)" },
  { argv: ["SELECT", "0"], what: "it can SELECT another database" },
];

export interface WallReport {
  ok: boolean;
  problems: string[];
}

/** Probes that only a per-namespace user passes: the shared sandbox user may reach every visitor. */
const PER_VISITOR: Array<{ argv: string[]; what: string }> = [
  { argv: ["GET", "pg:{wall-check-other}:k"], what: "it can read another visitor's keys" },
  { argv: ["PUBLISH", "pg:{wall-check-other}:c", "x"], what: "it can publish on another visitor's channels" },
];

export async function checkWall(conn: Sender, opts: { perVisitor?: boolean } = {}): Promise<WallReport> {
  const probes = opts.perVisitor ? [...PROBES, ...PER_VISITOR] : PROBES;
  const replies = await Promise.all(probes.map((p) => conn.send(p.argv)));
  const problems = probes.filter((_, i) => !(replies[i].t === "error" && replies[i].v.startsWith("NOPERM"))).map((p) => p.what);
  return { ok: problems.length === 0, problems };
}

export function wallWarning(report: WallReport): string {
  const bar = "!".repeat(78);
  return [
    bar,
    "!! The second wall is missing: the Redis user in REDIS_URL is not restricted.",
    ...report.problems.map((p) => `!!   - ${p}`),
    "!! A bug in the sandbox could then reach the app's data or the server.",
    '!! Create the ACL users listed in the README ("Using your own Redis").',
    bar,
  ].join("\n");
}

export const PER_VISITOR_WALL_OFF =
  '[acl] No warden configured (REDIS_ACL_URL): all visitors share one Redis user, and only the rewriter keeps them apart. See README "Using your own Redis".';
