import { SandboxError } from "@/lib/errors";
import { formatReply } from "@/lib/cli/format-reply";
import type { Sender } from "@/lib/sandbox/acl-users";
import type { Reply } from "@/lib/resp/reply";
import { plan, unrewrite, type SandboxContext } from "@/lib/sandbox/sandbox";
import type { ScenarioEvent } from "./events";
import { showArgv } from "./format-argv";
import { problem } from "@/lib/problems";

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
    readonly ctx: SandboxContext,
    readonly actor: string,
    private readonly emit: (e: ScenarioEvent) => void,
    /** Where the command runs: the shared connection, or a dedicated one (blocking commands). */
    readonly conn: Sender = ctx.conn,
    private readonly quiet = false,
  ) {}

  /** Runs one command; `show: false` keeps it out of the stream (a poll that found nothing). */
  async call(argv: string[], opts: { show?: (r: Reply) => boolean } = {}): Promise<Reply> {
    const p = await plan(
      this.ctx,
      argv.map((a) => enc.encode(a)),
    );
    let reply: Reply;
    if (p.kind === "reply") reply = p.reply;
    else if (p.kind === "emulate") reply = { t: "error", v: `ERR ${argv[0]} is emulated; scenarios do not use it.` };
    // A blocking command would stall every visitor on the shared connection; a transaction needs one of its own.
    else if (p.mode === "transaction" || (p.mode === "blocking" && this.conn === this.ctx.conn)) {
      throw new Error(`${argv[0]} needs a dedicated connection in a scenario`);
    } else reply = unrewrite(p.cmd, await this.conn.send(p.argv), this.ctx.ns);
    if (opts.show?.(reply) ?? true) this.show(argv, reply);
    return reply;
  }

  /** Streams a command and its reply as redis-cli prints them (unless this client is quiet). */
  show(argv: string[], reply: Reply): void {
    if (this.quiet) return;
    this.emit({
      type: "cmd",
      actor: this.actor,
      line: showArgv(argv),
      text: formatReply(reply).replace(/\n$/, ""),
      ...(reply.t === "error" ? { error: true } : {}),
    });
  }
}

/**
 * Authorizes and rewrites one command once, for a loop that sends it many
 * times (the pipeline race times Redis round trips, not the sandbox).
 */
export async function prepare(client: { ctx: SandboxContext; conn: Sender }, argv: string[]): Promise<() => Promise<Reply>> {
  const p = await plan(
    client.ctx,
    argv.map((a) => enc.encode(a)),
  );
  if (p.kind !== "run" || p.mode) {
    throw new SandboxError(
      "bad_request",
      p.kind === "reply" && p.reply.t === "error" && p.reply.problem ? p.reply.problem : problem("command:cannot-loop", { command: argv[0] }),
    );
  }
  return async () => unrewrite(p.cmd, await client.conn.send(p.argv), client.ctx.ns);
}

export const asInt = (r: Reply): number => (r.t === "integer" ? Number(r.v) : NaN);
export const asText = (r: Reply): string | null => (r.t === "bulk" || r.t === "status" ? r.v : null);
