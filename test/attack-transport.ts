import net from "node:net";
import { execCommand, type ExecResult } from "@/lib/exec";
import { runtime } from "@/lib/runtime";
import { endpointConfig } from "@/lib/config";
import { parseCommandLine } from "@/lib/cli/parse-command";
import { formatReply } from "@/lib/cli/format-reply";
import type { Reply } from "@/lib/resp/reply";
import type { Session } from "@/lib/session";
import type { RunningEndpoint } from "@/lib/endpoint/server";
import { RespDecoder } from "@/lib/resp/decoder";

/**
 * How the escape suite and the fuzz send the attacker's lines: through
 * execCommand (the console's path), or, with ATTACK_VIA=endpoint, as raw RESP
 * through the endpoint for learners' own clients (lib/endpoint/server.ts),
 * signed in with the attacker's password — the bytes of each argument exactly,
 * as a multibulk; a line redis-cli could not split goes as an inline request,
 * which the endpoint splits as Redis would. lib/endpoint/escape.test.ts and
 * lib/endpoint/fuzz.test.ts run the two suites this way.
 */
export const ATTACK_VIA: "exec" | "endpoint" = process.env.ATTACK_VIA === "endpoint" ? "endpoint" : "exec";

export async function attackExec(session: Session, input: { command: string }): Promise<ExecResult> {
  if (ATTACK_VIA === "exec") return execCommand(session, input);
  const parsed = parseCommandLine(input.command);
  if (!parsed.ok || parsed.argc === 0) return oneShot(session, Buffer.from(`${input.command.replace(/[\r\n]/g, " ")}\r\n`));
  return viaEndpoint(session, parsed.argv);
}

let endpoint: Promise<RunningEndpoint> | null = null;
function started(): Promise<RunningEndpoint> {
  endpoint ??= (async () => {
    const { startEndpoint } = await import("@/lib/endpoint/server");
    // Attack lines come fast and from one address: the caps on connections are not what is tested here.
    const ep = await startEndpoint({
      ...endpointConfig(),
      port: 0,
      bind: "127.0.0.1",
      perSession: 1000,
      perIp: 10_000,
      max: 10_000,
      wrongPasswordsPerMinute: 1_000_000,
    });
    if (!ep) throw new Error("endpoint off");
    return ep;
  })();
  return endpoint;
}

const passwords = new Map<string, string>();
async function passwordOf(session: Session): Promise<string> {
  let pw = passwords.get(session.id);
  if (!pw) {
    const rt = runtime();
    const { endpointCredentials } = await import("@/lib/endpoint/credentials");
    pw = (await endpointCredentials(rt.appConn, rt.config.sessionSecret, session.id, "en", 3_600_000)).password;
    passwords.set(session.id, pw);
  }
  return pw;
}

/** One connection to the endpoint, reading replies in order. */
class Conn {
  private decoder: RespDecoder;
  private waiting: ((r: Reply | Error) => void)[] = [];
  private early: Reply[] = [];
  closed = false;
  constructor(readonly socket: net.Socket) {
    this.decoder = new RespDecoder((r) => {
      const w = this.waiting.shift();
      if (w) w(r);
      else this.early.push(r);
    });
    socket.on("data", (d: Buffer) => this.decoder.write(d));
    const gone = () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(new Error("the endpoint closed the connection"));
    };
    socket.on("close", gone);
    socket.on("error", gone);
  }
  static async open(port: number): Promise<Conn> {
    const s = net.connect(port, "127.0.0.1");
    await new Promise<void>((res, rej) => {
      s.once("connect", res);
      s.once("error", rej);
    });
    return new Conn(s);
  }
  next(ms: number): Promise<Reply | Error> {
    const e = this.early.shift();
    if (e) return Promise.resolve(e);
    if (this.closed) return Promise.resolve(new Error("the endpoint closed the connection"));
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(new Error(`no reply after ${ms} ms`)), ms);
      this.waiting.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }
  sendArgv(argv: readonly Uint8Array[]): void {
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), Buffer.from(a), Buffer.from("\r\n"));
    this.socket.write(Buffer.concat(parts));
  }
  close(): void {
    this.socket.destroy();
  }
}

/** Signed-in connections per session, free for the next line. */
const pools = new Map<string, Conn[]>();

async function signedIn(session: Session): Promise<Conn> {
  const free = pools.get(session.id) ?? [];
  pools.set(session.id, free);
  while (free.length) {
    const c = free.pop()!;
    if (!c.closed) return c;
  }
  const ep = await started();
  const c = await Conn.open(ep.port);
  c.sendArgv([Buffer.from("AUTH"), Buffer.from(await passwordOf(session))]);
  const r = await c.next(5000);
  if (r instanceof Error || r.t !== "status") throw new Error(`AUTH at the endpoint: ${r instanceof Error ? r.message : JSON.stringify(r)}`);
  return c;
}

/** Commands after which a connection is not reused: it left the request/reply rhythm (subscribed, signed out, closed). */
const SPENT = new Set(["subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "reset", "quit", "hello", "auth", "monitor"]);

async function viaEndpoint(session: Session, argv: Uint8Array[]): Promise<ExecResult> {
  const c = await signedIn(session);
  const t0 = performance.now();
  c.sendArgv(argv);
  const r = await c.next(30_000);
  const ms = performance.now() - t0;
  const name = Buffer.from(argv[0]).toString("latin1").toLowerCase();
  if (SPENT.has(name) || r instanceof Error) c.close();
  else pools.get(session.id)!.push(c);
  return result(r, ms);
}

async function oneShot(session: Session, bytes: Buffer): Promise<ExecResult> {
  const c = await signedIn(session);
  const t0 = performance.now();
  c.socket.write(bytes);
  // A NUL before the line's end hides it from Redis's strchr, as from the endpoint's parser: such a request
  // never completes, and no reply comes (Redis would wait the same way).
  const r = await c.next(1500);
  c.close();
  return result(r, performance.now() - t0);
}

function result(r: Reply | Error, ms: number): ExecResult {
  // A closed connection is the endpoint's answer to a protocol error (after the error line), not a crash.
  const reply: Reply = r instanceof Error ? { t: "error", v: `(endpoint) ${r.message}` } : r;
  return { reply, text: formatReply(reply).replace(/\r?\n$/, ""), ms };
}

/** Closes every pooled connection (afterAll). */
export function closeAttackConnections(): void {
  for (const pool of pools.values()) for (const c of pool) c.close();
  pools.clear();
}
