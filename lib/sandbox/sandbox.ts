import type { Reply } from "@/lib/resp/reply";
import { array, integer, nil, status, utf8 } from "@/lib/resp/reply";
import type { RespConnection } from "@/lib/redis/resp-connection";
import { lookupCommand, type CommandInfo, type CommandTable } from "./command-table";
import { keyPositions } from "./key-specs";
import { sortKeyPositions } from "./sort-args";
import { decide, type Emulation, type RunMode } from "./policy";
import type { Namespace } from "./namespace";
import { sizeLimit, type QuotaKeeper } from "./limits";

const dec = new TextDecoder();
const lower = (a: Uint8Array) => dec.decode(a).toLowerCase();

/** Channel arguments by command: not covered by key specs. */
const CHANNEL_ARGS: Record<string, (argc: number) => number[]> = {
  publish: () => [1],
  spublish: () => [1],
  "pubsub|numsub": (argc) => range(2, argc),
  "pubsub|shardnumsub": (argc) => range(2, argc),
};
/** Channel patterns: scoped to the namespace, like KEYS and SCAN MATCH. */
const PATTERN_ARGS = new Set(["pubsub|channels", "pubsub|shardchannels"]);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

export interface SandboxContext {
  conn: RespConnection;
  table: CommandTable;
  ns: Namespace;
  /** Per-namespace limits; absent in tests that only check rewriting. */
  limits?: { maxStringBytes: number; maxReplyItems: number; quotas: QuotaKeeper };
}

export type Plan =
  | { kind: "reply"; reply: Reply }
  | { kind: "run"; argv: Uint8Array[]; cmd?: CommandInfo; mode?: RunMode }
  | { kind: "emulate"; emulation: Emulation; argv: Uint8Array[] };

/** Authorizes and rewrites one argv. Never touches Redis except COMMAND GETKEYS. */
export async function plan(ctx: SandboxContext, argv: Uint8Array[]): Promise<Plan> {
  const name = lower(argv[0]);
  const top = ctx.table.get(name);
  // Unknown to this server (or an unknown subcommand, or a container without
  // one): nothing can run, so Redis itself words the error, exactly.
  if (!top) return { kind: "run", argv };
  const cmd = lookupCommand(ctx.table, name, argv[1] ? dec.decode(argv[1]) : undefined);
  if (!cmd || cmd === top && top.subcommands.size > 0) return { kind: "run", argv };
  const decision = decide(cmd, argv);
  if (decision.action === "deny") return { kind: "reply", reply: { t: "error", v: `ERR ${decision.reason}` } };
  if (decision.action === "emulate") return { kind: "emulate", emulation: decision.emulation, argv };

  const found = cmd.name === "sort" || cmd.name === "sort_ro" ? sortKeyPositions(argv, cmd.name.toUpperCase()) : keyPositions(cmd, argv);
  if (!found.ok) return { kind: "reply", reply: { t: "error", v: `ERR ${found.reason}` } };
  const positions = found.positions;
  if (cmd.flags.has("movablekeys") && cmd.name !== "sort" && cmd.name !== "sort_ro") {
    // Second opinion from the server: the keys it would touch must be exactly
    // ours. When it finds none (bad arguments), the line is not run at all.
    const check = await ctx.conn.send(["COMMAND", "GETKEYS", ...argv]);
    const upper = cmd.name.replace("|", " ").toUpperCase();
    if (check.t !== "array") {
      const why = check.t === "error" ? check.v.replace(/^ERR /, "") : "no answer";
      return { kind: "reply", reply: { t: "error", v: `ERR The server found no keys in this ${upper} (${why}); check its arguments with HELP ${upper}.` } };
    }
    const theirs = check.v.map((r) => (r.t === "bulk" ? r.v + (r.b64 ? "\0b64" : "") : "")).sort();
    const ours = positions.map((i) => keyText(argv[i])).sort();
    if (theirs.length !== ours.length || theirs.some((k, i) => k !== ours[i])) {
      return { kind: "reply", reply: { t: "error", v: `ERR The playground could not match this ${upper}'s keys with the server's; it was not run.` } };
    }
  }
  if (ctx.limits) {
    const refusal =
      sizeLimit(cmd, argv, ctx.limits.maxStringBytes, ctx.limits.maxReplyItems) ?? (await ctx.limits.quotas.check(ctx.conn, cmd, argv, ctx.ns));
    if (refusal) return { kind: "reply", reply: { t: "error", v: `ERR ${refusal}` } };
  }
  const out = argv.slice();
  for (const i of positions) out[i] = ctx.ns.add(argv[i]);
  for (const i of CHANNEL_ARGS[cmd.name]?.(argv.length) ?? []) if (i < out.length) out[i] = ctx.ns.add(argv[i]);
  if (PATTERN_ARGS.has(cmd.name)) {
    if (out.length > 3) return { kind: "run", argv }; // Redis words the arity error
    out[2] = ctx.ns.pattern(argv[2]);
  }
  return { kind: "run", argv: out, cmd, mode: decision.mode };
}

function keyText(a: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(a);
  } catch {
    return Buffer.from(a).toString("base64") + "\0b64";
  }
}

/** Removes the namespace from everything in a reply that names a key or channel. */
export function unrewrite(cmd: CommandInfo | undefined, reply: Reply, ns: Namespace): Reply {
  if (reply.t === "error") return { t: "error", v: ns.scrubText(reply.v) };
  switch (cmd?.name) {
    case "lmpop":
    case "zmpop":
    case "blmpop":
    case "bzmpop":
    case "blpop":
    case "brpop":
    case "bzpopmin":
    case "bzpopmax":
      // The first item names the key the element came from.
      return reply.t === "array" && reply.v.length >= 2 ? array([ns.strip(reply.v[0]), ...reply.v.slice(1)]) : reply;
    case "lolwut":
      return reply.t === "bulk" ? { t: "verbatim", format: "raw", v: reply.v } : reply;
    case "pubsub|channels":
    case "pubsub|shardchannels":
      return reply.t === "array" ? array(reply.v.map((c) => ns.strip(c))) : reply;
    case "pubsub|numsub":
    case "pubsub|shardnumsub":
      return reply.t === "array" ? array(reply.v.map((c, i) => (i % 2 === 0 ? ns.strip(c) : c))) : reply;
    case "xread":
    case "xreadgroup":
      if (reply.t !== "array") return reply;
      return array(reply.v.map((s) => (s.t === "array" && s.v.length === 2 ? array([ns.strip(s.v[0]), s.v[1]]) : s)));
    default:
      return reply;
  }
}

/** Commands answered inside the namespace instead of server-wide. */
export async function emulate(ctx: SandboxContext, emulation: Emulation, argv: Uint8Array[]): Promise<Reply> {
  const { conn, ns } = ctx;
  const upper = dec.decode(argv[0]).toUpperCase();
  switch (emulation) {
    case "flushdb": {
      const extra = argv.slice(1).map(lower);
      if (extra.length > 1 || (extra.length === 1 && extra[0] !== "async" && extra[0] !== "sync")) {
        return { t: "error", v: "ERR syntax error" };
      }
      await deleteNamespace(conn, ns);
      return status("OK");
    }
    case "dbsize": {
      if (argv.length !== 1) return wrongArgs(argv);
      let n = 0;
      await scanNamespace(conn, ns.pattern(), (keys) => void (n += keys.length));
      return integer(n);
    }
    case "keys": {
      if (argv.length !== 2) return wrongArgs(argv);
      const found: Reply[] = [];
      await scanNamespace(conn, ns.pattern(argv[1]), (keys) => void found.push(...keys.map((k) => ns.strip(k))));
      return array(found);
    }
    case "randomkey": {
      if (argv.length !== 1) return wrongArgs(argv);
      const found: Reply[] = [];
      await scanNamespace(conn, ns.pattern(), (keys) => void found.push(...keys));
      return found.length ? ns.strip(found[Math.floor(Math.random() * found.length)]) : nil;
    }
    case "scan": {
      if (argv.length < 2) return wrongArgs(argv);
      const out: Uint8Array[] = [utf8("SCAN"), argv[1]];
      let matched = false;
      for (let i = 2; i < argv.length; i++) {
        const opt = lower(argv[i]);
        if (opt === "match" && i + 1 < argv.length) {
          out.push(argv[i], ns.pattern(argv[++i]));
          matched = true;
        } else if ((opt === "count" || opt === "type") && i + 1 < argv.length) {
          out.push(argv[i], argv[++i]);
        } else {
          return { t: "error", v: "ERR syntax error" };
        }
      }
      if (!matched) out.push(utf8("MATCH"), ns.pattern());
      const reply = await conn.send(out);
      if (reply.t === "array" && reply.v.length === 2 && reply.v[1].t === "array") {
        return array([reply.v[0], array(reply.v[1].v.map((k) => ns.strip(k)))]);
      }
      return reply.t === "error" ? { t: "error", v: ns.scrubText(reply.v) } : reply;
    }
    case "info":
      return info(ctx, argv.slice(1).map(lower));
    case "help":
      return { t: "error", v: `ERR ${upper} is answered by the console` };
  }
}

function wrongArgs(argv: Uint8Array[]): Reply {
  return { t: "error", v: `ERR wrong number of arguments for '${lower(argv[0])}' command` };
}

/** Walks every key of a namespace with SCAN (never KEYS: it would stall the server). */
export async function scanNamespace(conn: RespConnection, pattern: Uint8Array, onKeys: (keys: Reply[]) => void): Promise<void> {
  let cursor = "0";
  do {
    const r = await conn.send([utf8("SCAN"), utf8(cursor), utf8("MATCH"), pattern, utf8("COUNT"), utf8("1000")]);
    if (r.t !== "array" || r.v.length !== 2 || r.v[1].t !== "array") throw new Error("unexpected SCAN reply");
    cursor = r.v[0].t === "bulk" ? r.v[0].v : "0";
    onKeys(r.v[1].v);
  } while (cursor !== "0");
}

export async function deleteNamespace(conn: RespConnection, ns: Namespace): Promise<number> {
  const pending: Promise<Reply>[] = [];
  let n = 0;
  await scanNamespace(conn, ns.pattern(), (keys) => {
    if (keys.length === 0) return;
    n += keys.length;
    pending.push(conn.send([utf8("UNLINK"), ...keys.map((k) => (k.t === "bulk" ? bytesOf(k) : new Uint8Array()))]));
  });
  await Promise.all(pending);
  return n;
}

import { bulkBytes } from "@/lib/resp/reply";
const bytesOf = (k: Reply) => (k.t === "bulk" ? bulkBytes(k) : new Uint8Array());

let serverVersion: string | undefined;

/**
 * INFO, emulated: a harmless subset — the server's version and mode, and the
 * keyspace of the visitor's own namespace. Printed raw, as redis-cli prints INFO.
 */
async function info(ctx: SandboxContext, sections: string[]): Promise<Reply> {
  if (!serverVersion) {
    const hello = await ctx.conn.send(["HELLO"]); // no protocol argument: changes nothing
    const v = hello.t === "array" || hello.t === "map" ? hello.v : [];
    const i = v.findIndex((r) => r.t === "bulk" && r.v === "version");
    serverVersion = i >= 0 && v[i + 1]?.t === "bulk" ? (v[i + 1] as { v: string }).v : "unknown";
  }
  const all = sections.length === 0 || sections.some((s) => ["all", "default", "everything"].includes(s));
  const want = (s: string) => all || sections.includes(s);
  const out: string[] = [];
  if (want("server")) {
    out.push("# Server", `redis_version:${serverVersion}`, "redis_mode:standalone", "playground:true", "");
  }
  if (want("keyspace")) {
    const keys: Reply[] = [];
    await scanNamespace(ctx.conn, ctx.ns.pattern(), (batch) => void keys.push(...batch));
    const ttls = await Promise.all(keys.map((k) => ctx.conn.send([utf8("PTTL"), bytesOf(k)])));
    const expires = ttls.filter((r) => r.t === "integer" && Number(r.v) >= 0).length;
    out.push("# Keyspace");
    if (keys.length > 0) out.push(`db0:keys=${keys.length},expires=${expires},avg_ttl=0`);
    out.push("");
  }
  return { t: "verbatim", format: "raw", v: out.join("\r\n").replace(/\r\n\r\n$/, "\r\n") };
}
