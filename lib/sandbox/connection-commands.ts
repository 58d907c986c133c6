import type { Reply } from "@/lib/resp/reply";
import { array, bulk, integer, nil, status, utf8 } from "@/lib/resp/reply";
import { processState } from "@/lib/process-state";
import { type Problem, problem, refusal } from "@/lib/problems";
import type { Sender } from "./acl-users";
import { redisWord } from "./args";
import type { Namespace } from "./namespace";

/**
 * The connection commands a learner's redis-cli would run, answered per
 * console tab (README "The sandbox"): each tab is one client to the learner,
 * while every tab's commands share the app's connections. So nothing here is
 * sent to Redis as the visitor's command (CLIENT SETNAME would rename the
 * shared connection, HELLO 3 switch its protocol, WAIT block it, ROLE list a
 * replicated deployment's replicas); each is answered as Redis 7.0 answers
 * it, its arguments read as Redis reads them, from what this process keeps
 * per tab:
 *
 * - CLIENT ID / INFO / GETNAME / SETNAME: a small id per tab, numbered per
 *   namespace from 1 in the order its tabs first asked (never the shared
 *   connection's id, nor a count of anyone else's tabs), a name, an age.
 * - HELLO [2 [SETNAME name]]: the real server's HELLO (version, mode, role,
 *   modules) with the tab's id; RESP3 and AUTH are refused with why.
 * - ROLE: a master without replicas. LASTSAVE: when this process first saw
 *   the namespace (the real one dates the server's start, which INFO hides
 *   too: lib/sandbox/info.ts). ACL WHOAMI: "default", the user redis-cli
 *   signs in as. WAIT: no replica ever acknowledges; 0 at once or after the
 *   timeout, capped like a blocking command's.
 * - SCRIPT HELP, FUNCTION HELP: Redis 7.0.15's text (the visitors' ACL users
 *   may not run scripting commands at all; connection-commands.test.ts
 *   compares it with the live server's).
 *
 * Bounded: at most MAX_TABS tabs and MAX_NAMESPACES namespaces are
 * remembered, the least recently used forgotten first (a forgotten tab comes
 * back as a new client, as after a reconnect), and a name is at most
 * MAX_NAME_BYTES.
 */

export type ConnectionEmulation = "client" | "hello" | "role" | "lastsave" | "acl-whoami" | "wait" | "help-text";

const KINDS = new Set<string>(["client", "hello", "role", "lastsave", "acl-whoami", "wait", "help-text"]);
export const isConnectionEmulation = (e: string): e is ConnectionEmulation => KINDS.has(e);

export const MAX_TABS = 10_000;
export const MAX_NAMESPACES = 10_000;
/** Redis sets no limit; 10,000 remembered names of this size stay within 10 MB of the app's memory. */
export const MAX_NAME_BYTES = 1024;

interface Tab {
  id: number;
  name: Uint8Array | null;
  createdAt: number;
}

interface NamespaceRecord {
  nextId: number;
  /** Seconds since the epoch: LASTSAVE's answer. */
  since: number;
}

const state = () =>
  processState("sandbox.connectionCommands", () => ({
    tabs: new Map<string, Tab>(),
    namespaces: new Map<string, NamespaceRecord>(),
  }));

/** Reads and refreshes a bounded map's entry (a Map keeps insertion order: the first entry is the least recently used). */
function touch<T>(map: Map<string, T>, key: string, max: number, make: () => T): T {
  let v = map.get(key);
  if (v !== undefined) map.delete(key);
  else {
    v = make();
    while (map.size >= max) map.delete(map.keys().next().value!);
  }
  map.set(key, v);
  return v;
}

function namespaceOf(ns: Namespace): NamespaceRecord {
  return touch(state().namespaces, ns.prefix, MAX_NAMESPACES, () => ({ nextId: 1, since: Math.floor(Date.now() / 1000) }));
}

function tabOf(ctx: ConnectionContext): Tab {
  const key = ctx.clientKey ?? `default/${ctx.ns.prefix}`;
  return touch(state().tabs, key, MAX_TABS, () => ({ id: namespaceOf(ctx.ns).nextId++, name: null, createdAt: Date.now() }));
}

export interface ConnectionContext {
  /** The namespace's own ACL user on a shared connection: HELLO without arguments, which changes nothing, for the server's facts. */
  conn: Sender;
  ns: Namespace;
  /** The console tab (lib/sandbox/route.ts): `<session>/<tab>/<namespace prefix>`. */
  clientKey?: string;
  /** PLAYGROUND_MAX_BLOCK_SECONDS: WAIT waits at most this long. */
  blockCapSeconds?: number;
}

const err = (v: string): Reply => ({ t: "error", v });
const text = (s: string): Reply => bulk(utf8(s));
const dec = new TextDecoder();

/** Answers one connection command; its name, subcommand and arity were checked by plan() (sandbox.ts). */
export async function connectionCommand(ctx: ConnectionContext, kind: ConnectionEmulation, argv: Uint8Array[]): Promise<Reply> {
  switch (kind) {
    case "client":
      return client(ctx, argv);
    case "hello":
      return hello(ctx, argv);
    case "role":
      return array([text("master"), integer(0), array([])]);
    case "lastsave":
      return integer(namespaceOf(ctx.ns).since);
    case "acl-whoami":
      return text("default");
    case "wait":
      return wait(ctx, argv);
    case "help-text":
      return helpText(redisWord(argv[0]));
  }
}

function client(ctx: ConnectionContext, argv: Uint8Array[]): Reply {
  const tab = tabOf(ctx);
  switch (redisWord(argv[1])) {
    case "id":
      return integer(tab.id);
    case "getname":
      return tab.name ? bulk(tab.name) : nil;
    case "setname":
      return setName(tab, argv[2]) ?? status("OK");
    case "info":
      // redis-cli prints CLIENT INFO raw, as it prints INFO.
      return { t: "verbatim", format: "raw", v: `${infoLine(tab)}\n` };
    default:
      return refusal(problem("command:unavailable", { command: `CLIENT ${redisWord(argv[1]).toUpperCase()}` }));
  }
}

/** Redis 7.0's clientSetNameOrReply: empty clears the name; every byte must be printable ASCII other than space. Null when set. */
function setName(tab: Tab, name: Uint8Array): Reply | null {
  if (name.length === 0) {
    tab.name = null;
    return null;
  }
  for (const c of name) if (c < 0x21 || c > 0x7e) return err("ERR Client names cannot contain spaces, newlines or special characters.");
  if (name.length > MAX_NAME_BYTES) return refusal(problem("command:client-name-long", { bytes: name.length, limit: MAX_NAME_BYTES }));
  tab.name = name.slice();
  return null;
}

/** What a CLIENT INFO / CLIENT LIST line says of one client (the rest are Redis 7.0's fields at 0). */
export interface ClientFacts {
  id: number;
  addr: string;
  laddr: string;
  fd: number;
  name: string;
  age: number;
  idle: number;
  flags: string;
  sub: number;
  psub: number;
  ssub?: number;
  multi: number;
  qbuf: number;
  omem: number;
  cmd: string;
  user: string;
  resp: 2 | 3;
  lib?: { name: string; ver: string };
}

/** One line of CLIENT INFO / CLIENT LIST, with Redis 7.0's fields in its order (the console's tabs and the endpoint's connections). */
export function clientInfoLine(f: ClientFacts): string {
  return [
    `id=${f.id}`,
    `addr=${f.addr}`,
    `laddr=${f.laddr}`,
    `fd=${f.fd}`,
    `name=${f.name}`,
    `age=${f.age}`,
    `idle=${f.idle}`,
    `flags=${f.flags}`,
    "db=0",
    `sub=${f.sub}`,
    `psub=${f.psub}`,
    `ssub=${f.ssub ?? 0}`,
    `multi=${f.multi}`,
    `qbuf=${f.qbuf}`,
    "qbuf-free=0",
    "argv-mem=0",
    "multi-mem=0",
    "rbs=0",
    "rbp=0",
    "obl=0",
    "oll=0",
    `omem=${f.omem}`,
    "tot-mem=0",
    "events=r",
    `cmd=${f.cmd}`,
    `user=${f.user}`,
    "redir=-1",
    `resp=${f.resp}`,
    ...(f.lib ? [`lib-name=${f.lib.name}`, `lib-ver=${f.lib.ver}`] : []),
  ].join(" ");
}

/**
 * A tab's CLIENT INFO. The tab is no socket of its own: no addresses ("?")
 * and fd -1, as Redis shows a client without one; the buffers' sizes are the
 * shared connection's business, 0. The command asking is this one, so idle
 * is 0, as in Redis.
 */
function infoLine(tab: Tab): string {
  return clientInfoLine({
    id: tab.id,
    addr: "?",
    laddr: "?",
    fd: -1,
    name: tab.name ? dec.decode(tab.name) : "",
    age: Math.max(0, Math.floor((Date.now() - tab.createdAt) / 1000)),
    idle: 0,
    flags: "N",
    sub: 0,
    psub: 0,
    multi: -1,
    qbuf: 0,
    omem: 0,
    cmd: "client|info",
    user: "default",
    resp: 2,
  });
}

/**
 * HELLO as Redis 7.0's helloCommand reads it: the protocol version
 * (string2ll, then 2 or 3), then AUTH <user> <pass> and SETNAME <name>
 * (compared as Redis compares, up to a NUL; the last of each wins), any other
 * word a syntax error. Then, where Redis would sign in, switch protocols and
 * name the client: AUTH and RESP3 are refused (nothing changed), SETNAME
 * names the tab. The reply is RESP2's flat array, as redis-cli prints it.
 */
async function hello(ctx: ConnectionContext, argv: Uint8Array[]): Promise<Reply> {
  let version = 2n;
  if (argv.length >= 2) {
    const v = strictInteger(argv[1]);
    if (v === null) return err("ERR Protocol version is not an integer or out of range");
    if (v < 2n || v > 3n) return err("NOPROTO unsupported protocol version");
    version = v;
  }
  let auth = false;
  let name: Uint8Array | null = null;
  for (let i = 2; i < argv.length; i++) {
    const opt = redisWord(argv[i]);
    const more = argv.length - 1 - i;
    if (opt === "auth" && more >= 2) {
      auth = true;
      i += 2;
    } else if (opt === "setname" && more >= 1) {
      name = argv[++i];
    } else {
      return err(`ERR Syntax error in HELLO option '${cText(argv[i])}'`);
    }
  }
  if (auth) return refusal(problem("command:hello-auth"));
  if (version === 3n) return refusal(problem("command:hello-resp3"));
  const tab = tabOf(ctx);
  if (name) {
    const failed = setName(tab, name);
    if (failed) return failed;
  }
  const real = await ctx.conn.send(["HELLO"]); // no protocol argument: changes nothing
  if (real.t === "error") return real;
  const fields = real.t === "array" || real.t === "map" ? real.v : [];
  const field = (key: string): Reply | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const k = fields[i];
      if (k.t === "bulk" && k.v === key) return fields[i + 1];
    }
    return undefined;
  };
  const asBulk = (r: Reply | undefined, fallback: string): Reply => {
    if (r?.t === "bulk") return r;
    return text(r?.t === "status" ? r.v : fallback);
  };
  const modules = field("modules");
  return array([
    text("server"),
    asBulk(field("server"), "redis"),
    text("version"),
    asBulk(field("version"), "7.0.0"),
    text("proto"),
    integer(2),
    text("id"),
    integer(tab.id),
    text("mode"),
    asBulk(field("mode"), "standalone"),
    text("role"),
    asBulk(field("role"), "master"),
    text("modules"),
    modules && (modules.t === "array" || modules.t === "set") ? array(modules.v) : array([]),
  ]);
}

const LLONG_MAX = (1n << 63n) - 1n;

/**
 * WAIT numreplicas timeout, as Redis 7.0's waitCommand reads it (numreplicas
 * a strict integer, then the timeout in milliseconds, not negative), on a
 * master no replica ever acknowledges: 0 at once when no replica is asked
 * for, otherwise 0 after the timeout — capped like a blocking command's,
 * forever (0) included. It waits here, holding no Redis connection.
 */
async function wait(ctx: ConnectionContext, argv: Uint8Array[]): Promise<Reply> {
  const replicas = strictInteger(argv[1]);
  if (replicas === null) return err("ERR value is not an integer or out of range");
  const timeout = strictInteger(argv[2]);
  if (timeout === null) return err("ERR timeout is not an integer or out of range");
  if (timeout < 0n) return err("ERR timeout is negative");
  if (replicas <= 0n) return integer(0);
  const capMs = (ctx.blockCapSeconds ?? 10) * 1000;
  const ms = timeout === 0n || timeout > BigInt(capMs) ? capMs : Number(timeout);
  await new Promise((r) => setTimeout(r, ms));
  return integer(0);
}

/**
 * The console's notice for a WAIT whose timeout the cap shortened (forever
 * included), as a capped blocking command gets one; none when WAIT answers at
 * once or waits as long as asked.
 */
export function waitNotice(argv: Uint8Array[], capSeconds: number): Problem | undefined {
  if (argv.length !== 3) return undefined;
  const replicas = strictInteger(argv[1]);
  const timeout = strictInteger(argv[2]);
  if (replicas === null || replicas <= 0n || timeout === null || timeout < 0n) return undefined;
  if (timeout !== 0n && timeout <= BigInt(capSeconds * 1000)) return undefined;
  return problem("notice:timeout-capped", { command: "WAIT", asked: Number(timeout), unit: "ms", cap: capSeconds });
}

/** string2ll over the whole argument (getLongLongFromObject): no sign but '-', no leading zero, no NUL, within 64 bits. */
function strictInteger(a: Uint8Array): bigint | null {
  const s = Buffer.from(a).toString("latin1");
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null;
  const v = BigInt(s);
  return v > LLONG_MAX || v < -LLONG_MAX - 1n ? null : v;
}

/** `%s` of an argument: up to its first NUL, CR and LF as spaces (Redis keeps an error on one line). */
function cText(a: Uint8Array): string {
  const end = a.indexOf(0);
  return dec.decode(end < 0 ? a : a.subarray(0, end)).replace(/[\r\n]/g, " ");
}

/** HELP of containers whose other subcommands the visitors' ACL users may not run, as Redis 7.0.15 words it. */
function helpText(container: string): Reply {
  const lines = HELP[container];
  if (!lines) return refusal(problem("command:unavailable", { command: `${container.toUpperCase()} HELP` }));
  return array(lines.map(status));
}

const HELP: Record<string, string[]> = {
  script: [
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
  ],
  function: [
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
  ],
};
