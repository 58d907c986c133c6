import { formatReply } from "@/lib/cli/format-reply";
import { RespConnection } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import { plan, unrewrite, type SandboxContext } from "@/lib/sandbox/sandbox";
import type { ScenarioEvent } from "./events";
import { showArgv } from "./format-argv";

const enc = new TextEncoder();

/**
 * A scenario's actor (the master, a worker) talking to Redis as a learner's
 * redis-cli would: every command goes through the sandbox's plan (policy, key
 * specs, rewrite into the visitor's namespace, quotas) and its reply is
 * un-rewritten, so scenario code names keys and channels as the lesson does.
 * Each command is streamed as a "cmd" event, printed as redis-cli prints it.
 */
export class SandboxedClient {
  constructor(
    private readonly ctx: SandboxContext,
    readonly actor: string,
    private readonly emit: (e: ScenarioEvent) => void,
    /** Where the command runs: the shared connection, or a dedicated one (blocking commands). */
    private readonly conn: RespConnection = ctx.conn,
    private readonly quiet = false,
  ) {}

  /** Runs one command; `show: false` keeps it out of the stream (a poll that found nothing). */
  async call(argv: string[], opts: { show?: (r: Reply) => boolean } = {}): Promise<Reply> {
    const p = await plan(this.ctx, argv.map((a) => enc.encode(a)));
    let reply: Reply;
    if (p.kind === "reply") reply = p.reply;
    else if (p.kind === "emulate") reply = { t: "error", v: `ERR ${argv[0]} is emulated; scenarios do not use it.` };
    else reply = unrewrite(p.cmd, await this.conn.send(p.argv), this.ctx.ns);
    if (!this.quiet && (opts.show?.(reply) ?? true)) {
      this.emit({ type: "cmd", actor: this.actor, line: showArgv(argv), text: formatReply(reply).replace(/\n$/, ""), ...(reply.t === "error" ? { error: true } : {}) });
    }
    return reply;
  }
}

export const asInt = (r: Reply): number => (r.t === "integer" ? Number(r.v) : NaN);
export const asText = (r: Reply): string | null => (r.t === "bulk" || r.t === "status" ? r.v : null);
