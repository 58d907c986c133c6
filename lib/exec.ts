import { invalidArguments, parseCommandLine } from "@/lib/cli/parse-command";
import { formatReply } from "@/lib/cli/format-reply";
import { status, utf8, type Reply } from "@/lib/resp/reply";
import { runtime } from "@/lib/runtime";
import { deleteNamespace } from "@/lib/sandbox/sandbox";
import { keyIndex } from "@/lib/sandbox/key-index";
import { execute } from "@/lib/sandbox/route";
import { type ReplyBudget, truncateReply } from "@/lib/resp/truncate";
import { findDoc, GENERAL_HELP, helpText } from "@/lib/command-docs";
import type { Session } from "@/lib/session";
import type { Sender } from "@/lib/sandbox/acl-users";
import type { RespConnection } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import { checkRate } from "@/lib/rate-limit";
import { replyUnits } from "@/lib/sandbox/work-budget";
import { touchNamespace } from "@/lib/reaper";
import { type Problem, problem, refusal } from "@/lib/problems";
import { problemText } from "@/lib/i18n/problems";

/** A line as typed, an argv of text (JSON API), or an argv of bytes (the endpoint for learners' own clients, lib/endpoint/). */
export type ExecInput = { command: string } | { argv: string[] } | { bytes: Uint8Array[] };

/** Who sent a command: the client's IP (rate limits) and its console tab (transactions). */
export interface ExecClient {
  ip?: string;
  /** A console tab or API client of this session; each is its own redis-cli, with its own MULTI. */
  id?: string;
  /** Another namespace than the session's own, resolved by a feature's hook (lib/hooks.ts): "room" runs in the student's workshop namespace. */
  scope?: "own" | "room";
  /**
   * Whole replies, as Redis sent them, up to this cap (the endpoint's: a client
   * must get every byte or an error), instead of replies cut for display.
   */
  wholeReplies?: ReplyBudget;
  /** A Redis connection of the namespace's own to run on instead of the shared one (lib/endpoint/namespace-connections.ts), or null for the shared one. */
  conn?: (ns: Session["ns"]) => Sender | null;
}

export interface ExecResult {
  reply: Reply;
  /** Exactly what redis-cli prints, without the final newline. */
  text: string;
  /** Round trip between this server and Redis, in milliseconds. */
  ms: number;
  /** Something the learner should know that redis-cli would not print (a capped timeout, a cut reply), in English. */
  notice?: string;
  /** The same, as problems (lib/problems.ts) for a page in another language. */
  notices?: Problem[];
}

const dec = new TextDecoder();

/**
 * The one path every command takes (docs/architecture.md "The command path"): parse → authorize → rewrite →
 * execute → un-rewrite → type. The console's server action and POST
 * /api/v1/exec both call this. Throws SandboxError only for what is not a
 * Redis reply (Redis unavailable); everything redis-cli would print as
 * `(error)` comes back as an error reply.
 */
export async function execCommand(session: Session, input: ExecInput, client: ExecClient = {}): Promise<ExecResult> {
  const rt = runtime();
  const { maxArgs, maxArgBytes, maxCommandBytes } = rt.config;
  let argv: Uint8Array[];
  let argc: number;
  if ("command" in input) {
    if (Buffer.byteLength(input.command) > maxCommandBytes) {
      return done(refusal(problem("line:too-long", { limit: maxCommandBytes })), 0);
    }
    const parsed = parseCommandLine(input.command, maxArgs);
    // redis-cli prints only "Invalid argument(s)" for a line it cannot split; why comes as a notice under it.
    if (!parsed.ok) return done(invalidArguments(), 0, [parsed.error]);
    argv = parsed.argv;
    argc = parsed.argc;
  } else if ("bytes" in input) {
    argc = input.bytes.length;
    argv = input.bytes;
  } else {
    argc = input.argv.length;
    argv = argc > maxArgs ? [] : input.argv.map(utf8); // counted before anything is encoded
  }
  if (argc === 0) return done(refusal(problem("line:empty")), 0);
  if (argc > maxArgs) {
    return done(refusal(problem("line:too-many-args", { argc, limit: maxArgs })), 0);
  }
  const total = argv.reduce((n, a) => n + a.length, 0);
  if (total > maxCommandBytes) {
    return done(refusal(problem("line:args-bytes", { total, limit: maxCommandBytes })), 0);
  }
  const big = argv.findIndex((a) => a.length > maxArgBytes);
  if (big >= 0) {
    return done(refusal(problem("line:arg-too-big", { index: big, bytes: argv[big].length, limit: maxArgBytes })), 0);
  }

  const name = dec.decode(argv[0]).toLowerCase();
  if (name === "help") return done(await help(argv), 0);

  await Promise.all([rt.conn.ensureReady(), rt.appConn.ensureReady()]);
  await checkRate(rt.appConn, rt.config.rate, session.id, client.ip, { reserve: !!client.wholeReplies });
  if (client.scope && client.scope !== "own") {
    const resolve = rt.hooks.scopes.get(client.scope);
    if (!resolve) throw new SandboxError("bad_request", problem("request:unknown-scope", { scope: client.scope }));
    session = await resolve(rt, session);
  }
  touchNamespace(rt, session.id);
  // Work per second per session and per address, and commands at once per session (lib/sandbox/work-budget.ts).
  const release = rt.work.begin(session.id, client.ip);
  try {
    return await run(rt, session, argv, client);
  } finally {
    release();
  }
}

async function run(rt: ReturnType<typeof runtime>, session: Session, argv: Uint8Array[], client: ExecClient): Promise<ExecResult> {
  const table = await rt.commandTable();
  const ns = session.ns;
  const ctx = {
    conn: client.conn?.(ns) ?? rt.scoped(ns),
    login: (c: RespConnection) => rt.login(c, ns),
    table,
    ns,
    leases: rt.leases,
    // A tab's own commands and its room-scope commands are two clients: each its own MULTI, its own ACL user.
    clientKey: `${session.id}/${client.id ?? "default"}/${ns.prefix}`,
    sessionId: session.id,
    ip: client.ip,
    blockCapSeconds: rt.config.maxBlockSeconds,
    limits: {
      maxStringBytes: rt.config.quota.maxStringBytes,
      maxReplyItems: rt.config.reply.items,
      quotas: rt.quotas,
      address: client.ip,
      channels: (prefix: string) => rt.openHub()?.channelStats(prefix) ?? { total: 0, count: 0, bytes: 0, patterns: 0 },
      charge: (units: number) => rt.work.charge(session.id, client.ip, units),
    },
    index: keyIndex(rt), // the namespace's key index: plan() adds what a write may create (lib/sandbox/key-index.ts)
    spend: (units: number) => rt.work.spend(session.id, client.ip, units),
    sendOptions: client.wholeReplies ? { replyCap: client.wholeReplies } : undefined,
  };
  const t0 = performance.now();
  const outcome = await execute(ctx, argv);
  const ms = performance.now() - t0;
  rt.work.charge(session.id, client.ip, 10 + replyUnits(outcome.reply) + publishUnits(rt, ns, argv));
  for (const after of rt.hooks.afterExec) after(rt, session, argv, outcome.reply);
  outcome.reply = countListeners(rt, ns, argv, outcome.reply);
  const { reply, truncated } = client.wholeReplies ? { reply: outcome.reply, truncated: false } : truncateReply(outcome.reply, rt.config.reply);
  const cut = truncated ? problem("notice:reply-cut", { items: rt.config.reply.items, bytes: rt.config.reply.bytes }) : undefined;
  return done(
    reply,
    ms,
    [outcome.notice, cut].filter((n): n is Problem => n !== undefined),
    !client.wholeReplies,
  );
}

/**
 * PUBLISH, SPUBLISH and PUBSUB NUMSUB/SHARDNUMSUB as Redis would answer had every listener of this
 * process's hub (a console stream, an endpoint client) subscribed itself:
 * Redis counts the hub's one subscription per channel or pattern. Other app
 * instances' hubs still count one each (README "Bring your own client").
 */
function countListeners(rt: ReturnType<typeof runtime>, ns: Session["ns"], argv: Uint8Array[], reply: Reply): Reply {
  const hub = rt.openHub();
  if (!hub || reply.t === "error") return reply;
  const name = dec.decode(argv[0]).toLowerCase();
  if ((name === "publish" || name === "spublish") && argv.length === 3 && reply.t === "integer") {
    const f = hub.fanout(Buffer.from(ns.add(argv[1])), ns.prefix, name === "spublish");
    return { t: "integer", v: Math.max(0, Number(reply.v) - f.subscriptions + f.listeners) };
  }
  const sub = name === "pubsub" && argv.length >= 2 ? dec.decode(argv[1]).toLowerCase() : "";
  if ((sub === "numsub" || sub === "shardnumsub") && reply.t === "array") {
    return {
      ...reply,
      v: reply.v.map((r, i) => {
        if (i % 2 === 0 || r.t !== "integer" || !argv[2 + (i >> 1)]) return r;
        const f = hub.fanout(Buffer.from(ns.add(argv[2 + (i >> 1)])), ns.prefix, sub === "shardnumsub");
        return { t: "integer", v: Math.max(0, Number(r.v) - (f.channelListeners > 0 ? 1 : 0) + f.channelListeners) };
      }),
    };
  }
  return reply;
}

/** A PUBLISH's share of this process's live streams and endpoint clients: each receiver writes the message (a stream as formatted, cut to PLAYGROUND_MAX_MESSAGE_BYTES; an endpoint client all of it). */
function publishUnits(rt: ReturnType<typeof runtime>, ns: Session["ns"], argv: Uint8Array[]): number {
  const hub = rt.openHub();
  if (!hub || argv.length !== 3) return 0;
  const name = dec.decode(argv[0]).toLowerCase();
  if (name !== "publish" && name !== "spublish") return 0;
  const { receivers, bytes } = hub.deliveryBytes(Buffer.from(ns.add(argv[1])), ns.prefix, argv[2].length, rt.config.maxMessageBytes, name === "spublish");
  return receivers === 0 ? 0 : Math.ceil((2 * (bytes + Math.min(argv[2].length, rt.config.maxMessageBytes)) + 200 * (1 + receivers)) / 16);
}

function done(reply: Reply, ms: number, notices: Problem[] = [], format = true): ExecResult {
  // A client of the endpoint reads the reply itself: formatting a large one for nobody would cost its CPU.
  const result: ExecResult = { reply, text: format ? formatReply(reply).replace(/\r?\n$/, "") : "", ms: Math.round(ms * 1000) / 1000 };
  if (notices.length > 0) {
    result.notice = notices.map((n) => problemText(n)).join(" ");
    result.notices = notices;
  }
  return result;
}

async function help(argv: Uint8Array[]): Promise<Reply> {
  if (argv.length === 1) return status(GENERAL_HELP);
  const docs = await runtime().commandDocs();
  const words = argv.slice(1).map((a) => dec.decode(a));
  const doc = findDoc(docs, words);
  if (!doc) return refusal(problem("help:unknown", { words: words.join(" ") }));
  return status(helpText(doc));
}

/** "Reset my data": deletes every key in the session's namespace. */
export async function resetNamespace(session: Session): Promise<number> {
  const rt = runtime();
  await rt.conn.ensureReady();
  const n = await deleteNamespace(rt.scoped(session.ns), session.ns, keyIndex(rt));
  rt.quotas.emptied(session.ns);
  return n;
}
