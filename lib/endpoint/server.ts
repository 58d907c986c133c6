import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { execCommand } from "@/lib/exec";
import { runtime, type Runtime } from "@/lib/runtime";
import { costLimits, type EndpointConfig, endpointConfig } from "@/lib/config";
import { isSandboxError, SandboxError } from "@/lib/errors";
import { type Problem, problem } from "@/lib/problems";
import { problemText } from "@/lib/i18n/problems";
import type { Locale } from "@/lib/i18n/locales";
import { addressGroup, checkRate, hit, secondsLeft, windowKey } from "@/lib/rate-limit";
import { sessionNamespace, type Session } from "@/lib/session";
import type { Reply } from "@/lib/resp/reply";
import type { HubListener, HubMessage, Kind } from "@/lib/streaming/subscriber-hub";
import { nameRefusal, patternRefusal } from "@/lib/sandbox/glob";
import { processState } from "@/lib/process-state";
import { RequestParser, PROTO_INLINE_MAX_SIZE, string2ll } from "./request-parser";
import { encodeReply } from "./encode-reply";
import { toResp3, toResp3Exec } from "./resp3";
import { lookupPassword, OWN_USERS, renew, ROOM_USER } from "./credentials";
import { markActivity, setEndpointListening } from "./access";
import { NamespaceConnections } from "./namespace-connections";
import { clientInfoLine } from "@/lib/sandbox/connection-commands";
import { arityError, hasNul, redisWord, unknownCommandError, unknownSubcommandError } from "@/lib/sandbox/args";
import {
  addressCount,
  allConnections,
  connectionCount,
  register,
  type Registered,
  sessionConnections,
  sessionCount,
  signIn as registerSession,
  unregister,
} from "./registry";

/**
 * The endpoint learners' own Redis clients connect to (README "Bring your own
 * client"): redis-cli, redis-py, ioredis, Redis Insight. It speaks RESP2 and
 * RESP3, inline commands and pipelining, and every command takes the
 * console's path (lib/exec.ts execCommand: policy, rewriting, per-visitor
 * wall, quotas, budgets, rate limits) as the bytes the client sent; the
 * request parser splits a byte stream exactly as Redis 7.0 would
 * (request-parser.ts), so no byte sequence can make the sandbox and Redis
 * disagree about what a command is.
 *
 * One TCP connection is one client: its own MULTI/WATCH lease
 * (`resp-<id>` console tab), its own subscriptions (through the process's
 * subscriber hub), its name and protocol. What clients send on connect is
 * answered here, per connection: AUTH, HELLO, CLIENT SETNAME/GETNAME/ID/
 * INFO/LIST/SETINFO/NO-EVICT/NO-TOUCH, SELECT 0, PING, ECHO, QUIT, RESET.
 *
 * Bounded everywhere (lib/config.ts PLAYGROUND_RESP_*): connections per
 * session, per address and in all; a deadline to sign in; an idle timeout;
 * requests within the console's argument caps (refused from their header);
 * at most `readAhead` commands or one command's bytes read ahead of their
 * replies, after which the socket is paused (TCP pushes back on the
 * client); replies waiting for a slow reader paused too, and past
 * `outputBytes` the connection is closed; wrong passwords per address.
 */

export interface RunningEndpoint {
  host: string;
  port: number;
  tls: boolean;
  close(): Promise<void>;
}

const enc = (s: string) => Buffer.from(s, "latin1");
const EMPTY = Buffer.alloc(0);
const CRLF = "\r\n";
/** Waiting replies past which the endpoint stops reading and executing for a connection (until they drain). */
const HIGH_WATER = 1024 * 1024;
/** How often a signed-in connection checks that its password still stands (a rotation elsewhere). */
const RECHECK_MS = 5000;
/** Retries of a command refused for a moment (rate limits, the work budget): the client sees a slower reply, not an error. */
const RETRIES = 5;

const state = () =>
  processState("endpoint.server", () => ({
    nextId: 1,
    version: null as string | null,
    direct: new WeakMap<Runtime, NamespaceConnections>(),
    pools: new Set<NamespaceConnections>(),
  }));

/** The runtime's connections per namespace (one per runtime: tests make new ones). */
function directOf(rt: Runtime, max: number): NamespaceConnections {
  const st = state();
  let d = st.direct.get(rt);
  if (!d) {
    d = new NamespaceConnections(rt, max);
    st.direct.set(rt, d);
    st.pools.add(d);
  }
  return d;
}

export async function startEndpoint(cfg: EndpointConfig = endpointConfig()): Promise<RunningEndpoint | null> {
  if (cfg.port === null) return null;
  const onSocket = (socket: net.Socket) => accept(socket, cfg);
  let server: net.Server;
  if (cfg.tls) {
    server = tls.createServer({ cert: fs.readFileSync(cfg.tls.certFile), key: fs.readFileSync(cfg.tls.keyFile), handshakeTimeout: cfg.authMs }, onSocket);
    // A failed handshake is the client's problem; it must not take the server down.
    server.on("tlsClientError", () => {});
  } else {
    server = net.createServer(onSocket);
  }
  server.maxConnections = cfg.max + 64; // past the cap the endpoint still answers why (accept), then the kernel refuses
  const ports = cfg.port === "auto" ? [...Array.from({ length: 20 }, (_, i) => 6380 + i), 0] : [cfg.port];
  let port = -1;
  for (const p of ports) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(p, cfg.bind, () => {
          server.off("error", reject);
          resolve();
        });
      });
      port = (server.address() as net.AddressInfo).port;
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || p === ports[ports.length - 1]) throw e;
    }
  }
  server.on("error", (e) => console.error(`[endpoint] ${e.message}`));
  const watch = setInterval(() => watchOutput(cfg), 1000);
  watch.unref();
  setEndpointListening({ bind: cfg.bind, port, tls: !!cfg.tls, publicHost: cfg.publicHost });
  const open = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
  });
  return {
    host: cfg.bind,
    port,
    tls: !!cfg.tls,
    close: () =>
      new Promise<void>((resolve) => {
        setEndpointListening(null);
        clearInterval(watch);
        for (const d of state().pools) d.close();
        state().pools.clear();
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}

/** A client this far behind for this long is closed, as Redis's soft client-output-buffer-limit for pub/sub (8 MB for 60 s) does. */
const BEHIND_MS = 60_000;

/**
 * Once a second: a connection whose client has left a quarter of the output
 * cap unread for a minute goes (a subscriber that stopped reading, however
 * slowly its backlog grows); and while all connections together hold more
 * than PLAYGROUND_RESP_TOTAL_OUTPUT_BYTES unread, those holding the most go
 * first. The per-connection cap alone would let 200 connections per address
 * hold 16 MiB each.
 */
function watchOutput(cfg: EndpointConfig): void {
  const now = Date.now();
  const soft = cfg.outputBytes / 4;
  let total = 0;
  const all = allConnections().filter((c): c is Client => c instanceof Client);
  for (const c of all) {
    c.recheckSoon(); // at most every RECHECK_MS per connection
    const waiting = c.pending();
    total += waiting;
    if (waiting <= soft) c.behindSince = null;
    else if (c.behindSince === null) c.behindSince = now;
    else if (now - c.behindSince > BEHIND_MS) c.kill();
  }
  if (total <= cfg.totalOutputBytes) return;
  for (const c of all.sort((a, b) => b.pending() - a.pending())) {
    if (total <= cfg.totalOutputBytes) break;
    total -= c.pending();
    c.kill();
  }
}

function accept(socket: net.Socket, cfg: EndpointConfig): void {
  const rt = runtime();
  const ip = addressGroup(socket.remoteAddress ?? "unknown");
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  socket.on("error", () => {}); // a reset by the peer is a close like any other
  // Over a cap: say which, in Redis's error form, then close (as Redis does at maxclients).
  const over: Problem | null =
    connectionCount() >= cfg.max
      ? problem("endpoint:connections", { max: cfg.max })
      : addressCount(ip) >= cfg.perIp
        ? problem("endpoint:address-connections", { max: cfg.perIp })
        : null;
  if (over) {
    socket.end(`-ERR ${problemText(over)}${CRLF}`);
    setTimeout(() => socket.destroy(), 1000).unref();
    return;
  }
  new Client(rt, socket, ip, cfg);
}

interface SignedIn {
  session: Session;
  /** Where its commands run: the session's namespace, or (user room) its workshop's. */
  ns: Session["ns"];
  user: string;
  scope: "own" | "room";
  locale: Locale;
  password: Buffer;
  checkedAt: number;
}

class Client implements Registered {
  readonly id: number;
  sessionId: string | null = null;
  private proto: 2 | 3 = 2;
  private name: Buffer | null = null;
  private lib = { name: "", ver: "" };
  private auth: SignedIn | null = null;
  private readonly parser: RequestParser;
  private queue: Buffer[][] = [];
  private queuedBytes = 0;
  /** A protocol error: replied after the commands before it, then the connection closes. */
  private fatal: string | null = null;
  private busy = false;
  private sinceYield = 0;
  private closed = false;
  private quitting = false;
  private readonly createdAt = Date.now();
  private lastCommand = { at: Date.now(), name: "NULL" };
  private authTimer: NodeJS.Timeout | null;
  /** This connection's subscriptions, by the name the client gave (latin1), with the name Redis knows (prefixed). */
  private subs: Record<Kind, Map<string, Buffer>> = { channel: new Map(), pattern: new Map(), shard: new Map() };
  /** Messages that arrived while a (P)SUBSCRIBE's confirmations were not written yet: Redis sends those first. */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private readonly listener: HubListener;
  /** The argv of each command queued in an open MULTI (RESP3 clients' EXEC reply is converted per command). */
  private queued: Buffer[][] | null = null;
  /**
   * Commands the endpoint answers itself (AUTH, PING, CLIENT …) sent inside an open MULTI: Redis queues them and
   * runs them at EXEC, their replies among the others' (`at`: the position of each reply in EXEC's).
   */
  private txLocal: { at: number; argv: Buffer[] }[] = [];
  /** A command inside the open MULTI was refused as it was queued: EXEC answers EXECABORT, as Redis does. */
  private txDirty = false;

  constructor(
    private readonly rt: Runtime,
    private readonly socket: net.Socket,
    readonly ip: string,
    private readonly cfg: EndpointConfig,
  ) {
    const st = state();
    this.id = st.nextId++;
    this.parser = new RequestParser({
      maxArgs: rt.config.maxArgs,
      maxArgBytes: rt.config.maxArgBytes,
      maxCommandBytes: rt.config.maxCommandBytes,
      maxInlineBytes: PROTO_INLINE_MAX_SIZE,
    });
    register(this);
    this.listener = { onMessage: (m) => this.deliver(m), whole: true };
    this.authTimer = setTimeout(() => this.kill(), cfg.authMs);
    this.authTimer.unref();
    socket.setTimeout(cfg.idleMs, () => {
      // A subscribed connection waits for messages; everything else that says nothing for this long goes.
      if (this.subscriptions() === 0 || this.waiting() > 0) this.kill();
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.pump());
    socket.on("close", () => this.cleanup());
    socket.on("end", () => {
      // The client closed its side: finish what it sent (redis-cli < file does this), then close.
      this.quitting = true;
      this.pump();
    });
  }

  kill(): void {
    if (!this.socket.destroyed) this.socket.destroy();
    this.cleanup();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.fatal !== null) return;
    this.read(chunk);
    this.pump();
  }

  /**
   * Parses what is held (and `chunk`): everything once signed in; before, one
   * command at a time, as Redis does, so that a pipeline's AUTH lifts the
   * unauthenticated caps for the commands behind it.
   */
  private read(chunk: Buffer): void {
    const { commands, error } = this.parser.push(chunk, this.auth ? Number.POSITIVE_INFINITY : 1);
    for (const c of commands) {
      this.queue.push(c);
      for (const a of c) this.queuedBytes += a.length;
    }
    if (error !== undefined) {
      this.fatal = error;
      this.socket.pause();
    }
  }

  /** Runs queued commands one after another, replies in order; pauses reading while too much waits. */
  private pump(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    void this.drainQueue().finally(() => {
      this.busy = false;
      if (this.closed) return;
      if (this.queue.length === 0 && this.fatal !== null) {
        this.write(Buffer.from(`-${this.fatal}${CRLF}`, "latin1"), true); // the parser's words quote the client's bytes
        this.end();
        return;
      }
      if (this.queue.length === 0 && this.quitting) {
        this.end();
        return;
      }
      // Before sign-in the parser holds what is not read yet: as bounded as the queue.
      const full =
        this.queue.length >= this.cfg.readAhead ||
        this.queuedBytes >= this.rt.config.maxCommandBytes ||
        this.parser.heldBytes >= this.rt.config.maxCommandBytes + PROTO_INLINE_MAX_SIZE;
      const slow = this.waiting() > HIGH_WATER;
      if (full || slow || this.fatal !== null) this.socket.pause();
      else this.socket.resume();
      if (this.queue.length > 0 && !slow) this.pump();
    });
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      if (this.waiting() > HIGH_WATER) {
        this.socket.pause();
        return; // "drain" pumps again
      }
      const argv = this.queue.shift()!;
      for (const a of argv) this.queuedBytes -= a.length;
      this.lastCommand = { at: Date.now(), name: fullName(argv) };
      let out: Buffer | string | null;
      try {
        out = await this.handle(argv);
      } catch (e) {
        out = this.errorLine(e);
      }
      if (out !== null) this.write(out);
      if (this.quitting && this.closed) return;
      // Commands answered here resolve at once: give the other connections and the sockets a turn now and then.
      if (++this.sinceYield >= 64) {
        this.sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
      // The next command held by the parser, now that this one has run (signed in or not).
      if (this.queue.length === 0 && this.parser.heldBytes > 0 && this.fatal === null && !this.quitting) this.read(EMPTY);
    }
  }

  /** Replies written in this turn of the event loop go out in one write (a pipeline's sixteen replies: one syscall). */
  private out: (Buffer | string)[] = [];
  private outBytes = 0;

  pending(): number {
    return this.waiting();
  }

  /** Since when more than a quarter of the output cap has been waiting without falling below it (the output watch). */
  behindSince: number | null = null;

  /** Reply bytes not yet taken by the client: queued here and in the socket. */
  private waiting(): number {
    return this.socket.writableLength + this.outBytes;
  }

  private write(data: Buffer | string, force = false): void {
    if (this.closed || this.socket.destroyed) return;
    if (!force && this.waiting() > this.cfg.outputBytes) {
      // The client does not read what it asked for: Redis's client-output-buffer-limit, in one number.
      this.kill();
      return;
    }
    if (this.out.length === 0) setImmediate(() => this.flush());
    this.out.push(data);
    this.outBytes += typeof data === "string" ? Buffer.byteLength(data) : data.length;
  }

  private flush(): void {
    const parts = this.out;
    this.out = [];
    this.outBytes = 0;
    if (parts.length === 0 || this.socket.destroyed) return;
    this.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
    // The kernel may take all of it at once: then no "drain" comes, and the pump (paused while these bytes
    // were still counted here) must look again by itself.
    if (!this.busy) setImmediate(() => this.pump());
  }

  private end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.queue = [];
    unregister(this);
    this.dropState();
  }

  /** What RESET and a close give back: subscriptions, the MULTI/WATCH lease. */
  private dropState(): void {
    if (this.subscriptions() > 0) {
      this.subs = { channel: new Map(), pattern: new Map(), shard: new Map() };
      void this.rt
        .hub()
        .remove(this.listener)
        .catch(() => {});
    }
    this.held = null;
    this.heldBytes = 0;
    this.queued = null;
    this.txLocal = [];
    this.txDirty = false;
    if (this.auth) {
      const key = this.clientKey(this.auth);
      const lease = this.rt.leases.get(key);
      if (lease) {
        this.rt.leases.end(lease, problem("lease:lost"));
        this.rt.leases.takeEnded(key);
      }
    }
  }

  private clientKey(auth: SignedIn): string {
    // As lib/exec.ts builds it: `<session>/<client id>/<namespace the commands ran in>` (a workshop's, as user room).
    return `${auth.session.id}/resp-${this.id}/${this.nsOf(auth).prefix}`;
  }

  /** Every subscription: the connection is in subscribed mode while there is one. */
  subscriptions(): number {
    return this.subs.channel.size + this.subs.pattern.size + this.subs.shard.size;
  }

  /** The count a (un)subscribe confirmation carries: Redis counts shard channels apart from channels and patterns. */
  private countFor(kind: Kind): number {
    return kind === "shard" ? this.subs.shard.size : this.subs.channel.size + this.subs.pattern.size;
  }

  private locale(): Locale {
    return this.auth?.locale ?? "en";
  }

  private refuse(p: Problem): string {
    return `-ERR ${problemText(p, this.locale())}${CRLF}`;
  }

  private errorLine(e: unknown): string {
    if (isSandboxError(e)) return this.refuse(e.problem);
    console.error("[endpoint]", e);
    return this.refuse(problem("server:internal"));
  }

  private reply(r: Reply): Buffer {
    return encodeReply(r, this.proto);
  }

  // ── commands ────────────────────────────────────────────────────────────

  private async handle(argv: Buffer[], atExec = false): Promise<Buffer | string | null> {
    const name = argv[0].toString("latin1").toLowerCase();
    // What the endpoint answers itself (PING, ECHO, CLIENT, AUTH, …) counts against the same rate limits and work
    // budget as a command sent on (lib/exec.ts counts those): one connection's pipelined PINGs took 93 % of the
    // process at 890,000 a second. Before sign-in, per address (and per address as a "session" of its own).
    if ((LOCAL.has(name) || !this.auth) && !atExec) {
      // A (un)subscribe is one hub command per name: each counts (a review's floods of 100-name SSUBSCRIBEs slowed others 150×).
      const limited = await this.meter(name.endsWith("subscribe") ? Math.max(1, argv.length - 1) : 1);
      if (limited) return limited;
    }
    // Before sign-in only these answer, as with a password on Redis; and, as there, an unknown command or a wrong
    // number of arguments is told first (server.c processCommand looks the command up before it checks anything).
    if (!this.auth && !BEFORE_AUTH.has(name)) {
      const found = await this.lookup(argv);
      return rejected(name, "error" in found ? found.error : `-NOAUTH Authentication required.${CRLF}`);
    }
    if (this.subscriptions() > 0 && this.proto === 2 && !SUBSCRIBED_OK.has(name)) {
      const found = await this.lookup(argv);
      if ("error" in found) return rejected(name, found.error);
      return rejected(
        name,
        `-ERR Can't execute '${found.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context${CRLF}`,
      );
    }
    if (this.queued && !atExec) {
      // Inside MULTI, as Redis: RESET and QUIT act at once, the others the endpoint answers wait for EXEC.
      if ((LOCAL.has(name) || isWhoami(argv)) && name !== "reset" && name !== "quit") return this.queueLocal(argv, name);
      if (name === "exec" && this.txDirty) return this.execAbort();
    }
    switch (name) {
      case "auth":
        return this.authCommand(argv);
      case "hello":
        return this.hello(argv);
      case "ping":
        return this.ping(argv);
      case "echo":
        return argv.length === 2 ? bulkOf(argv[1]) : arity("echo");
      case "quit":
        return this.quit();
      case "reset":
        return argv.length === 1 ? this.reset() : arity("reset");
      case "select":
        return this.select(argv);
      case "client":
        return this.client(argv);
      case "acl":
        // Who this connection signed in as (default, sandbox or room); other ACL subcommands take the console's path.
        if (isWhoami(argv)) return bulkOf(enc(this.auth!.user));
        break;
      case "subscribe":
        return this.subscribe("channel", argv);
      case "psubscribe":
        return this.subscribe("pattern", argv);
      case "unsubscribe":
        return this.unsubscribe("channel", argv);
      case "punsubscribe":
        return this.unsubscribe("pattern", argv);
      case "ssubscribe":
        return this.subscribe("shard", argv);
      case "sunsubscribe":
        return this.unsubscribe("shard", argv);
    }
    return this.run(argv, name);
  }

  /**
   * What Redis tells before it runs anything (server.c processCommand): a
   * command or subcommand it does not know, or a wrong number of arguments,
   * in its words; otherwise the command's full name (`client|info`), which
   * its other refusals quote. A name with a NUL byte is one Redis does not find.
   */
  private async lookup(argv: Buffer[]): Promise<{ error: string } | { name: string }> {
    const line = (text: string) => ({ error: `-${text}${CRLF}` });
    const table = await this.rt.commandTable();
    const top = hasNul(argv[0]) ? undefined : table.get(redisWord(argv[0]));
    if (!top) return line(unknownCommandError(argv));
    let cmd = top;
    if (top.subcommands.size > 0 && argv.length >= 2) {
      const sub = hasNul(argv[1]) ? undefined : top.subcommands.get(redisWord(argv[1]));
      if (!sub) return line(unknownSubcommandError(argv));
      cmd = sub;
    }
    if (cmd.arity > 0 ? argv.length !== cmd.arity : argv.length < -cmd.arity) return line(arityError(cmd.name));
    return { name: cmd.name };
  }

  /** A command the endpoint answers itself, sent inside MULTI: checked as Redis checks it when queuing, then QUEUED. */
  private async queueLocal(argv: Buffer[], name: string): Promise<string> {
    const found = await this.lookup(argv);
    if ("error" in found) {
      this.txDirty = true;
      return found.error;
    }
    if (name.endsWith("subscribe")) {
      // Redis would subscribe at EXEC and put the connection in subscribed mode with the transaction's reply.
      this.txDirty = true;
      return this.refuse(problem("endpoint:subscribe-in-multi", { command: name.toUpperCase() }));
    }
    // The console's caps on one transaction hold for these too (PLAYGROUND_MAX_QUEUED_COMMANDS, _BYTES).
    const { maxQueued, maxQueuedBytes } = costLimits();
    const count = (this.queued?.length ?? 0) + this.txLocal.length;
    const bytes = this.txLocal.reduce((n, q) => n + q.argv.reduce((m, a) => m + a.length, 0), 0) + argv.reduce((m, a) => m + a.length, 0);
    const over =
      count + 1 > maxQueued
        ? problem("tx:queued-count", { count })
        : bytes > maxQueuedBytes
          ? problem("tx:queued-bytes", { command: name.toUpperCase(), bytes, limit: maxQueuedBytes })
          : null;
    if (over) {
      this.txDirty = true;
      return this.refuse(over);
    }
    this.txLocal.push({ at: count, argv });
    return `+QUEUED${CRLF}`;
  }

  /** EXEC after a command was refused as it was queued: the transaction is discarded (on its lease too). */
  private async execAbort(): Promise<string> {
    await this.run([enc("DISCARD")], "discard");
    this.queued = null;
    this.txLocal = [];
    this.txDirty = false;
    return `-EXECABORT Transaction discarded because of previous errors.${CRLF}`;
  }

  /**
   * EXEC's reply with the endpoint's own commands run in their places, in
   * order (a HELLO 3 among them makes the replies after it RESP3, as on
   * Redis). A WATCH that failed (nil) or an error: none of them runs.
   */
  private async execWithLocal(argv: Buffer[], reply: Reply): Promise<Buffer | string> {
    const local = this.txLocal;
    const queued = this.queued ?? [];
    this.txLocal = [];
    this.txDirty = false;
    if (reply.t !== "array" || hasCut(reply) || reply.v.length !== queued.length) return this.replyFor(argv, "exec", reply);
    this.queued = null;
    const items = this.localized(reply) as Extract<Reply, { t: "array" }>;
    const total = items.v.length + local.length;
    const parts: Buffer[] = [enc(`*${total}${CRLF}`)];
    let next = 0;
    let l = 0;
    for (let at = 0; at < total; at++) {
      if (this.closed) return ""; // gone while a queued AUTH waited on Redis: nothing more runs
      if (l < local.length && local[l].at === at) {
        const out = await this.handle(local[l++].argv, true);
        // Closing after a refusal (the wrong-password cap): that refusal is the last thing the client reads, and
        // nothing queued after it runs (a review kept guessing past the cap inside one EXEC).
        if (this.quitting) return out ?? "";
        parts.push(out === null ? enc(`+OK${CRLF}`) : typeof out === "string" ? enc(out) : out);
      } else {
        const item = items.v[next];
        const cmd = queued[next++];
        parts.push(this.reply(this.proto === 3 ? toResp3(cmd, item) : item));
      }
    }
    return Buffer.concat(parts);
  }

  /** Counts one locally answered command; waits out a rate limit as run() does; returns the error line if it will not pass. */
  private async meter(names = 1): Promise<string | null> {
    const sessionId = this.auth?.session.id ?? `resp-anon-${this.ip}`;
    let lastError: unknown;
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      try {
        await this.rt.appConn.ensureReady();
        await checkRate(this.rt.appConn, this.rt.config.rate, sessionId, this.ip, { reserve: true });
        this.rt.work.spend(sessionId, this.ip, 10 * names);
        return null;
      } catch (e) {
        lastError = e;
        if (!(e instanceof SandboxError) || e.kind !== "rate_limited" || attempt === RETRIES || this.closed) break;
        await sleep(Math.min(1000, Math.max(50, (e.retryAfterSeconds ?? 1) * 1000)));
      }
    }
    return this.errorLine(lastError);
  }

  /** Everything else: the console's path, as the client's bytes. */
  private async run(argv: Buffer[], name: string): Promise<Buffer | string> {
    const auth = this.auth!;
    await this.recheck(auth);
    if (this.closed) return "";
    let lastError: unknown;
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      try {
        const result = await execCommand(
          auth.session,
          { bytes: argv },
          {
            ip: this.ip,
            id: `resp-${this.id}`,
            scope: auth.scope,
            wholeReplies: { items: 1_000_000, bytes: this.cfg.outputBytes },
            conn: (ns) => directOf(this.rt, this.cfg.namespaceConnections).sender(ns),
          },
        );
        markActivity(this.rt.appConn, this.nsOf(auth));
        if (name === "exec" && this.txLocal.length > 0) return this.execWithLocal(argv, result.reply);
        // A new transaction, or the end of one: a nested MULTI's error or a DISCARD without MULTI leaves the open one as it is.
        if (name === "exec" || ((name === "multi" || name === "discard") && result.reply.t === "status")) {
          this.txLocal = [];
          this.txDirty = false;
        }
        return this.replyFor(argv, name, result.reply);
      } catch (e) {
        lastError = e;
        // A rate limit or the work budget: wait as told (up to a second) and try again; the client sees a slower reply.
        if (!(e instanceof SandboxError) || e.kind !== "rate_limited" || attempt === RETRIES || this.closed) break;
        await sleep(Math.min(1000, Math.max(50, (e.retryAfterSeconds ?? 1) * 1000)));
      }
    }
    return this.errorLine(lastError);
  }

  private nsOf(auth: SignedIn) {
    return auth.ns;
  }

  private replyFor(argv: Buffer[], name: string, reply: Reply): Buffer {
    if (hasCut(reply)) return enc(this.refuse(problem("endpoint:reply-too-large", { limit: this.cfg.outputBytes })));
    // MULTI's queued commands, for a RESP3 client's EXEC: each reply in it takes its command's RESP3 shape.
    const queued = this.queued;
    if (name === "multi" && reply.t === "status") this.queued = [];
    else if (this.queued && reply.t === "status" && reply.v === "QUEUED") this.queued.push(argv);
    else if (name === "exec" || name === "discard") this.queued = name === "discard" && reply.t === "error" ? this.queued : null;
    let out = this.localized(reply);
    // Redis answered the app in RESP2: a RESP3 client gets the maps, sets, doubles and pairs Redis would have sent it (resp3.ts).
    if (this.proto === 3) out = name === "exec" && queued ? toResp3Exec(queued, out) : toResp3(argv, out);
    return this.reply(out);
  }

  /** A playground refusal in the language the learner's panel was shown in (Redis's own errors stay as Redis words them). */
  private localized(reply: Reply): Reply {
    if (reply.t !== "error" || !reply.problem || this.locale() === "en") return reply;
    const en = problemText(reply.problem, "en");
    if (!reply.v.endsWith(en)) return reply;
    return { t: "error", v: reply.v.slice(0, reply.v.length - en.length) + problemText(reply.problem, this.locale()) };
  }

  /** Every few seconds, that the password this connection signed in with still stands (rotated: the connection goes). */
  /** The output watch's turn: every signed-in connection, subscribers included, checks its password now and then. */
  recheckSoon(): void {
    if (this.auth && !this.closed) void this.recheck(this.auth);
  }

  private async recheck(auth: SignedIn): Promise<void> {
    if (Date.now() - auth.checkedAt < RECHECK_MS) return;
    auth.checkedAt = Date.now();
    const still = await lookupPassword(this.rt.appConn, auth.password).catch(() => undefined);
    if (still === null || (still && still.sessionId !== auth.session.id)) this.kill();
  }

  private async authCommand(argv: Buffer[]): Promise<Buffer | string> {
    if (argv.length < 2) return arity("auth");
    if (argv.length > 3) return `-ERR syntax error${CRLF}`; // as Redis 7.0 answers AUTH with too many arguments
    const user = argv.length === 3 ? argv[1] : enc("default");
    const err = await this.signIn(user, argv[argv.length - 1]);
    return err ?? `+OK${CRLF}`;
  }

  /** Signs in; returns the error line to send, or null. */
  private async signIn(user: Buffer, password: Buffer): Promise<string | null> {
    const app = this.rt.appConn;
    await app.ensureReady();
    const who = user.toString("latin1");
    const known = (OWN_USERS as readonly string[]).includes(who) || who === ROOM_USER;
    const found = known ? await lookupPassword(app, password) : null;
    if (!found) {
      // Wrong passwords per address, counted across instances and decided on INCR's reply (never a read before
      // it: concurrent tries each see their own count). A right password always signs in, so one student
      // guessing behind a school's NAT does not lock the class out; past the cap a wrong one closes the connection.
      const counter = windowKey(`resp-auth:${this.ip}`);
      const max = this.cfg.wrongPasswordsPerMinute;
      const n = await hit(app, counter, 60_000);
      if (n > max) {
        const line = this.refuse(problem("endpoint:wrong-passwords", { max, wait: await secondsLeft(app, counter, 60) }));
        this.closeAfter(line);
        return line;
      }
      return `-WRONGPASS invalid username-password pair or user is disabled.${CRLF}`;
    }
    const own: Session = { id: found.sessionId, ns: sessionNamespace(found.sessionId) };
    let scope: SignedIn["scope"] = "own";
    let ns = own.ns;
    if (who === ROOM_USER) {
      const resolve = this.rt.hooks.scopes.get("room");
      if (!resolve) return this.refuse(problem("request:unknown-scope", { scope: "room" }));
      try {
        ns = (await resolve(this.rt, own)).ns;
      } catch (e) {
        return this.errorLine(e);
      }
      scope = "room";
    }
    // Closed while Redis answered: registering it now would hold one of the session's slots for good (a review's ghosts).
    if (this.closed) return null;
    if (this.sessionId !== found.sessionId && sessionCount(found.sessionId) >= this.cfg.perSession) {
      return this.refuse(problem("endpoint:session-connections", { max: this.cfg.perSession }));
    }
    // Another sandbox or scope: nothing of the old one carries over (its MULTI, its subscriptions).
    if (this.auth && (this.auth.session.id !== own.id || this.auth.ns.prefix !== ns.prefix)) this.dropState();
    this.auth = { session: own, ns, user: who, scope, locale: found.locale, password: Buffer.from(password), checkedAt: Date.now() };
    this.parser.authenticated = true;
    registerSession(this, own.id);
    if (this.authTimer) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
    renew(app, password, own.id, this.rt.config.namespaceIdleMs);
    return null;
  }

  private async hello(argv: Buffer[]): Promise<Buffer | string> {
    let proto: 2 | 3 = this.proto;
    if (argv.length >= 2) {
      const v = argv[1].toString("latin1");
      if (!/^-?\d{1,19}$/.test(v)) return `-ERR Protocol version is not an integer or out of range${CRLF}`;
      const n = Number(v);
      if (n !== 2 && n !== 3) return `-NOPROTO unsupported protocol version${CRLF}`;
      proto = n;
    }
    let auth: [Buffer, Buffer] | null = null;
    let setname: Buffer | null = null;
    for (let i = 2; i < argv.length; i++) {
      const opt = argv[i].toString("latin1").toLowerCase();
      const more = argv.length - 1 - i;
      if (opt === "auth" && more >= 2) {
        auth = [argv[i + 1], argv[i + 2]];
        i += 2;
      } else if (opt === "setname" && more >= 1) {
        setname = argv[i + 1];
        i += 1;
      } else {
        return `-ERR Syntax error in HELLO option '${argv[i]
          .toString("latin1")
          .replace(/[\r\n]/g, " ")
          .slice(0, 128)}'${CRLF}`;
      }
    }
    if (!this.auth && !auth) {
      return `-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time${CRLF}`;
    }
    if (auth) {
      const err = await this.signIn(auth[0], auth[1]);
      if (err) return err;
    }
    if (setname) {
      if (!validName(setname)) return `-ERR Client names cannot contain spaces, newlines or special characters.${CRLF}`;
      this.name = setname.length ? setname : null;
    }
    this.proto = proto;
    const version = await this.serverVersion();
    return this.reply({
      t: "map",
      v: [
        bulkText("server"),
        bulkText("redis"),
        bulkText("version"),
        bulkText(version),
        bulkText("proto"),
        { t: "integer", v: proto },
        bulkText("id"),
        { t: "integer", v: this.id },
        bulkText("mode"),
        bulkText("standalone"),
        bulkText("role"),
        bulkText("master"),
        bulkText("modules"),
        { t: "array", v: [] },
      ],
    });
  }

  /** The real server's version, as HELLO tells it (asked once, as the visitor's user). */
  private async serverVersion(): Promise<string> {
    const st = state();
    if (st.version) return st.version;
    try {
      const session = this.auth!.session;
      const r = await this.rt.scoped(session.ns).send(["HELLO"]);
      const v = r.t === "array" || r.t === "map" ? r.v : [];
      const i = v.findIndex((x) => x.t === "bulk" && x.v === "version");
      const found = v[i + 1];
      if (i >= 0 && found?.t === "bulk") st.version = found.v;
    } catch {}
    return st.version ?? "7.0.0";
  }

  private ping(argv: Buffer[]): Buffer | string {
    if (argv.length > 2) return arity("ping");
    if (this.subscriptions() > 0 && this.proto === 2) {
      return this.reply({ t: "array", v: [bulkText("pong"), argv.length === 2 ? bulkFrom(argv[1]) : bulkText("")] });
    }
    return argv.length === 2 ? bulkOf(argv[1]) : `+PONG${CRLF}`;
  }

  /** After this reply, the connection closes (nothing queued behind it runs). */
  private closeAfter(_line: string): void {
    this.quitting = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.socket.pause();
  }

  private quit(): string {
    this.quitting = true;
    this.queue = []; // nothing after QUIT runs
    this.queuedBytes = 0;
    this.socket.pause();
    return `+OK${CRLF}`;
  }

  private reset(): string {
    this.dropState();
    this.auth = null;
    this.parser.authenticated = false;
    registerSession(this, null);
    this.proto = 2;
    this.name = null;
    // Signed out: the deadline to sign in again holds as for a new connection.
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => this.kill(), this.cfg.authMs);
    this.authTimer.unref();
    return `+RESET${CRLF}`;
  }

  private select(argv: Buffer[]): string {
    if (argv.length !== 2) return arity("select");
    // Redis reads the index with string2ll: "0" only, not "00", "+0" or "-0".
    const n = string2ll(argv[1], 0, argv[1].length);
    if (n === null || n > 2 ** 31 - 1 || n < -(2 ** 31)) return `-ERR value is not an integer or out of range${CRLF}`;
    return n === 0 ? `+OK${CRLF}` : this.refuse(problem("endpoint:select"));
  }

  private client(argv: Buffer[]): Buffer | string {
    if (argv.length < 2) return arity("client");
    const sub = argv[1].toString("latin1").toLowerCase();
    const n = argv.length;
    switch (sub) {
      case "id":
        return n === 2 ? `:${this.id}${CRLF}` : arity("client|id");
      case "getname":
        return n === 2 ? (this.name ? bulkOf(this.name) : this.reply({ t: "nil" })) : arity("client|getname");
      case "setname":
        if (n !== 3) return arity("client|setname");
        if (!validName(argv[2])) return `-ERR Client names cannot contain spaces, newlines or special characters.${CRLF}`;
        this.name = argv[2].length ? argv[2] : null;
        return `+OK${CRLF}`;
      case "setinfo": {
        if (n !== 4) return arity("client|setinfo");
        const attr = argv[2].toString("latin1").toLowerCase();
        if (attr !== "lib-name" && attr !== "lib-ver") return `-ERR Unrecognized option '${argv[2].toString("latin1").slice(0, 64)}'${CRLF}`;
        if (!validName(argv[3]) || argv[3].length > 128) return `-ERR ${attr} cannot contain spaces, newlines or special characters.${CRLF}`;
        this.lib[attr === "lib-name" ? "name" : "ver"] = argv[3].toString("latin1");
        return `+OK${CRLF}`;
      }
      case "info":
        return n === 2 ? this.reply({ t: "verbatim", format: "txt", v: `${this.infoLine()}\n` }) : arity("client|info");
      case "list": {
        // Only this session's own connections to the endpoint: nobody else's are anyone's business.
        let mine = sessionConnections(this.auth!.session.id).filter((c): c is Client => c instanceof Client);
        // Redis 7.0's filters: TYPE <type> or ID <id> [<id> …]; anything else is a syntax error.
        if (n > 2) {
          const opt = argv[2].toString("latin1").toLowerCase();
          if (opt === "type" && n === 4) {
            const type = argv[3].toString("latin1").toLowerCase();
            if (!["normal", "master", "replica", "slave", "pubsub"].includes(type)) {
              return `-ERR Unknown client type '${argv[3]
                .toString("latin1")
                .replace(/[\r\n]/g, " ")
                .slice(0, 64)}'${CRLF}`;
            }
            mine = mine.filter((c) => (type === "pubsub" ? c.subscriptions() > 0 : type === "normal" ? c.subscriptions() === 0 : false));
          } else if (opt === "id" && n >= 4) {
            const ids = argv.slice(3).map((a) => a.toString("latin1"));
            if (ids.some((id) => !/^[1-9]\d{0,18}$/.test(id))) return `-ERR Invalid client ID${CRLF}`;
            mine = mine.filter((c) => ids.includes(String(c.id)));
          } else {
            return `-ERR syntax error${CRLF}`;
          }
        }
        const lines = mine.map((c) => `${c.infoLine()}\n`).join("");
        return this.reply({ t: "verbatim", format: "txt", v: lines });
      }
      case "no-evict":
      case "no-touch": {
        if (n !== 3) return arity(`client|${sub}`);
        const v = argv[2].toString("latin1").toLowerCase();
        return v === "on" || v === "off" ? `+OK${CRLF}` : `-ERR syntax error${CRLF}`;
      }
      case "help":
        return this.reply({
          t: "array",
          v: [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "LIST",
            "    Return information about your own client connections to the playground.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <LIB-NAME|LIB-VER> <value>",
            "    Set client meta attr.",
            "NO-EVICT (ON|OFF)",
            "    Accepted; the playground's limits apply either way.",
            "HELP",
            "    Print this help.",
          ].map((v) => ({ t: "status", v })),
        });
      default:
        return this.refuse(problem("endpoint:unsupported", { command: `CLIENT ${sub.toUpperCase().slice(0, 40)}` }));
    }
  }

  /** One line of CLIENT LIST / CLIENT INFO, with the fields Redis 7.0 gives (addresses as the endpoint sees them). */
  infoLine(): string {
    const now = Date.now();
    return clientInfoLine({
      id: this.id,
      addr: `${this.socket.remoteAddress ?? ""}:${this.socket.remotePort ?? ""}`,
      laddr: `${this.socket.localAddress ?? ""}:${this.socket.localPort ?? ""}`,
      fd: this.id,
      name: this.name ? this.name.toString("latin1") : "",
      age: Math.floor((now - this.createdAt) / 1000),
      idle: Math.floor((now - this.lastCommand.at) / 1000),
      flags: `${this.subscriptions() > 0 ? "P" : ""}${this.queued ? "x" : ""}` || "N",
      sub: this.subs.channel.size,
      psub: this.subs.pattern.size,
      ssub: this.subs.shard.size,
      multi: this.queued ? this.queued.length : -1,
      qbuf: this.parser.heldBytes,
      omem: this.waiting(),
      cmd: this.lastCommand.name,
      user: this.auth?.user ?? "default",
      resp: this.proto,
      lib: this.lib,
    });
  }

  // ── pub/sub ─────────────────────────────────────────────────────────────

  private async subscribe(kind: Kind, argv: Buffer[]): Promise<Buffer | string | null> {
    const type = KIND_WORDS[kind].subscribe;
    if (argv.length < 2) return arity(type);
    const auth = this.auth!;
    const ns = this.nsOf(auth);
    const names = argv.slice(1);
    // The names new to this connection, each once (a name given twice is one subscription, as in Redis).
    const fresh: Buffer[] = [];
    const seen = new Set<string>();
    for (const n of names) {
      const key = n.toString("latin1");
      if (this.subs[kind].has(key) || seen.has(key)) continue;
      seen.add(key);
      fresh.push(n);
    }
    const refused =
      names.map((n, i) => (kind === "pattern" ? patternRefusal(n, "PSUBSCRIBE") : nameRefusal(n, i + 1, true))).find(Boolean) ??
      (this.subscriptions() + fresh.length > this.cfg.subscriptions ? problem("endpoint:subscriptions", { max: this.cfg.subscriptions }) : null);
    if (refused) return this.refuse(refused);
    const hub = this.rt.hub();
    const full = fresh.map((n) => Buffer.from(kind === "pattern" ? ns.pattern(n) : ns.add(n)));
    if (kind === "pattern") {
      const over = hub.patternRefusal(ns.prefix, full);
      if (over) return this.refuse(over);
    }
    // Messages that arrive before the confirmations are written wait behind them, as on Redis.
    this.held ??= [];
    if (this.closed) return null;
    try {
      if (full.length) await hub.add(this.listener, kind, full, kind === "pattern" ? ns.prefix : undefined);
    } catch (e) {
      // The hub may have recorded the listener before Redis failed to answer: give those back.
      if (full.length) void hub.remove(this.listener, kind, full).catch(() => {});
      this.flushHeld();
      return this.errorLine(e);
    }
    if (this.closed) {
      // Closed while Redis answered: the cleanup found nothing recorded yet, so these go back here (a review leaked 200 per close).
      if (full.length) void hub.remove(this.listener, kind, full).catch(() => {});
      return null;
    }
    this.socket.setTimeout(0); // a subscriber waits for messages as long as it likes
    // One confirmation per name, each with the count so far, as Redis counts them (shard channels apart).
    const out: Buffer[] = names.map((n) => {
      const key = n.toString("latin1");
      if (!this.subs[kind].has(key)) this.subs[kind].set(key, full[fresh.findIndex((f) => f.equals(n))]);
      return this.push([bulkText(type), bulkFrom(n), { t: "integer", v: this.countFor(kind) }]);
    });
    this.write(Buffer.concat(out));
    this.flushHeld();
    return null;
  }

  private async unsubscribe(kind: Kind, argv: Buffer[]): Promise<Buffer | null> {
    const type = KIND_WORDS[kind].unsubscribe;
    const names = argv.length > 1 ? argv.slice(1) : [...this.subs[kind].keys()].map((k) => Buffer.from(k, "latin1"));
    if (names.length === 0) {
      return this.push([bulkText(type), { t: "nil" }, { t: "integer", v: this.countFor(kind) }]);
    }
    const out: Buffer[] = [];
    const gone: Buffer[] = [];
    for (const n of names) {
      const key = n.toString("latin1");
      const full = this.subs[kind].get(key);
      if (full) {
        this.subs[kind].delete(key);
        gone.push(full);
      }
      out.push(this.push([bulkText(type), bulkFrom(n), { t: "integer", v: this.countFor(kind) }]));
    }
    if (gone.length) {
      await this.rt
        .hub()
        .remove(this.listener, kind, gone)
        .catch(() => {});
    }
    if (this.subscriptions() === 0) this.socket.setTimeout(this.cfg.idleMs);
    return Buffer.concat(out);
  }

  /** A pub/sub frame: an array in RESP2, a push in RESP3. */
  private push(items: Reply[]): Buffer {
    return encodeReply({ t: this.proto === 3 ? "push" : "array", v: items }, this.proto);
  }

  private deliver(m: HubMessage): void {
    if (this.closed || !this.auth) return;
    const frame = messageFrame(m, this.proto, this.nsOf(this.auth));
    if (this.held) {
      // Held for the few milliseconds a SUBSCRIBE waits for Redis; as bounded as what waits in the socket.
      this.held.push(frame);
      this.heldBytes += frame.length;
      if (this.heldBytes + this.waiting() > this.cfg.outputBytes) this.kill();
      return;
    }
    // A subscriber that does not read: Redis's pubsub output limit, in one number.
    if (this.waiting() + frame.length > this.cfg.outputBytes) {
      this.kill();
      return;
    }
    this.write(frame);
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    if (held?.length) this.write(Buffer.concat(held));
  }
}

/** Each message's frame per protocol and namespace, built once however many of its clients receive it. */
const frames = () => processState("endpoint.frames", () => new WeakMap<HubMessage, Map<string, Buffer>>());

/** A message as Redis sends it to a subscriber: `message`/`pmessage`/`smessage` with the names un-prefixed, an array (RESP2) or a push (RESP3), straight from the bytes. */
function messageFrame(m: HubMessage, proto: 2 | 3, ns: Session["ns"]): Buffer {
  let byKey = frames().get(m);
  if (!byKey) frames().set(m, (byKey = new Map()));
  const key = `${proto}${ns.prefix}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const strip = (b: Buffer) => (ns.owns(b) ? b.subarray(ns.bytes.length) : b);
  const bulk = (b: Buffer): Buffer[] => [enc(`$${b.length}${CRLF}`), b, enc(CRLF)];
  const head = proto === 3 ? ">" : "*";
  const parts =
    m.kind !== "pmessage"
      ? [enc(`${head}3${CRLF}$${m.kind.length}${CRLF}${m.kind}${CRLF}`), ...bulk(strip(m.channel)), ...bulk(m.payload)]
      : [enc(`${head}4${CRLF}$8${CRLF}pmessage${CRLF}`), ...bulk(strip(m.pattern!)), ...bulk(strip(m.channel)), ...bulk(m.payload)];
  const frame = Buffer.concat(parts);
  byKey.set(key, frame);
  return frame;
}

/** The commands the endpoint answers itself (handle): metered here, since they never reach execCommand. */
const LOCAL = new Set([
  "auth",
  "hello",
  "ping",
  "echo",
  "quit",
  "reset",
  "select",
  "client",
  "subscribe",
  "psubscribe",
  "unsubscribe",
  "punsubscribe",
  "ssubscribe",
  "sunsubscribe",
]);

/** The words of each kind's confirmations (and its commands' names). */
const KIND_WORDS: Record<Kind, { subscribe: string; unsubscribe: string }> = {
  channel: { subscribe: "subscribe", unsubscribe: "unsubscribe" },
  pattern: { subscribe: "psubscribe", unsubscribe: "punsubscribe" },
  shard: { subscribe: "ssubscribe", unsubscribe: "sunsubscribe" },
};

const BEFORE_AUTH = new Set(["auth", "hello", "ping", "quit", "reset"]);

const SUBSCRIBED_OK = new Set(["subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "ping", "quit", "reset"]);

/** A refusal before running, as Redis words it (server.c rejectCommand): an EXEC's says the transaction is discarded. */
function rejected(name: string, line: string): string {
  if (name !== "exec") return line;
  const why = line.slice(1).replace(/^ERR /, "");
  return `-EXECABORT Transaction discarded because of: ${why}`;
}

const isWhoami = (argv: Buffer[]) =>
  argv.length === 2 && argv[0].toString("latin1").toLowerCase() === "acl" && argv[1].toString("latin1").toLowerCase() === "whoami";

/** Redis 7.0's commands with subcommands: CLIENT INFO's `cmd=` names those as `client|info`. */
const CONTAINERS = new Set([
  "acl",
  "client",
  "cluster",
  "command",
  "config",
  "function",
  "latency",
  "memory",
  "module",
  "object",
  "pubsub",
  "script",
  "slowlog",
  "xinfo",
  "xgroup",
]);

/** A command's name as CLIENT INFO/LIST show it (`cmd=`): lower case, `container|sub`. */
function fullName(argv: Buffer[]): string {
  const name = argv[0].toString("latin1").toLowerCase().slice(0, 40);
  return CONTAINERS.has(name) && argv.length > 1 ? `${name}|${argv[1].toString("latin1").toLowerCase().slice(0, 40)}` : name;
}

const arity = (name: string) => `-ERR wrong number of arguments for '${name}' command${CRLF}`;

function bulkOf(b: Buffer): Buffer {
  return Buffer.concat([enc(`$${b.length}${CRLF}`), b, enc(CRLF)]);
}

const bulkText = (v: string): Reply => ({ t: "bulk", v });

function bulkFrom(b: Uint8Array): Reply {
  // Bytes that are not UTF-8 travel as base64 in the Reply model (lib/resp/reply.ts); encodeReply decodes them back.
  return { t: "bulk", v: Buffer.from(b).toString("base64"), b64: true };
}

/** Redis's rule for client names and library attributes: printable ASCII without spaces (33…126). */
function validName(b: Buffer): boolean {
  for (const c of b) if (c < 33 || c > 126) return false;
  return true;
}

/** A reply the decoder cut (past the endpoint's cap): a client must get all of it or an error. */
function hasCut(r: Reply): boolean {
  if ("more" in r && r.more) return true;
  if (r.t === "array" || r.t === "set" || r.t === "map" || r.t === "push") return r.v.some(hasCut);
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
