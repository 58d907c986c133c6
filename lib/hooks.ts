import type { RedisLink } from "@/lib/redis/resp-connection";
import type { NamespaceAccess } from "@/lib/sandbox/sandbox";
import type { Reply } from "@/lib/resp/reply";
import type { Session } from "@/lib/session";

/**
 * Where features plug into the core without the core knowing them
 * (docs/architecture.md "Classroom"): lib/exec.ts and lib/reaper.ts call
 * these and import nothing of the features. The classroom registers its
 * own (lib/classroom/plugin.ts) when the runtime is made.
 */
export interface HookHost extends NamespaceAccess {
  appConn: RedisLink;
}

/** Runs a command in another namespace than the session's own (`scope` of POST /api/v1/exec): the session to run as, or a SandboxError. */
export type ScopeResolver = (rt: HookHost, session: Session) => Promise<Session>;
/** Told of every command that ran, after it ran: the session (as it ran), its argv and reply. Must not throw or wait. */
export type AfterExec = (rt: HookHost, session: Session, argv: readonly Uint8Array[], reply: Reply) => void;
/** A reaper of the feature's own idle data, run under the reaper's lock before idle namespaces; returns how many it removed. */
export type Reaper = (rt: HookHost, now: number) => Promise<number>;

export class Hooks {
  readonly scopes = new Map<string, ScopeResolver>();
  readonly afterExec: AfterExec[] = [];
  readonly reapers: Reaper[] = [];
}
