import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { bulkBytes, type Reply } from "@/lib/resp/reply";
import { plan, type Plan, type SandboxContext } from "@/lib/sandbox/sandbox";
import {
  b,
  bytesEqual,
  cat,
  decisiveVariants,
  generate,
  keyOf,
  loadGrammar,
  nulCandidates,
  redisReading,
  Rng,
  seedFromEnv,
  showArg,
  showArgv,
  startsWithBytes,
  toCliLine,
  variants,
  GROUP_TYPE,
  retarget,
  type CommandSpec,
  type Grammar,
  type KeyPool,
  type Variant,
} from "@/test/argv-grammar";
import { BlockWatch, diff, sharedState, showSnapKey, snapshot, stateProblems, unblockOwn, type ClientInfo, type Snapshot } from "@/test/sandbox-audit";

/**
 * Redis as the oracle. The sandbox's own tests used to compare its parser with
 * itself; here every line is also put to the server:
 *   - the NAME: the original argv goes to a connection whose ACL user may run
 *     nothing (commands are looked up before ACL checks): an unknown name gets
 *     Redis's exact "unknown command" error, a known one NOPERM or an arity
 *     error naming the command. The sandbox must read the same command, and
 *     when it answers "unknown command" itself, with Redis's exact text.
 *     Names that bypass command rules (AUTH, HELLO, RESET, QUIT: no-auth) are
 *     never sent raw; whether Redis resolves them is asked with COMMAND GETKEYS,
 *     which looks the name up the same way and never runs it.
 *   - the KEYS: for a line the sandbox runs, `COMMAND GETKEYS <the argv it
 *     would send>`: every key Redis finds must be in the visitor's namespace,
 *     and the arguments the sandbox prefixed must be exactly those keys.
 *   - where GETKEYS finds no keys (bad arguments, keyless commands) and for
 *     every mutated line, the line runs for real through execCommand, and the
 *     admin connection audits the server afterwards.
 * Lines come from the live server's COMMAND DOCS (test/argv-grammar.ts), with
 * byte-level mutations in name, subcommand and keyword positions, plus, for
 * every command and subcommand, a NUL-suffixed name that this server really
 * resolves (found by probing).
 *
 * FUZZ_SEED picks the lines; ORACLE_PER_COMMAND / ORACLE_MUTATED / ORACLE_DECISIVE
 * scale them (default 2 / 6 / 8 per command).
 */

const ENV = { PLAYGROUND_MAX_BLOCK_SECONDS: "1", PLAYGROUND_RATE_PER_SESSION: "100000000", PLAYGROUND_RATE_PER_IP: "100000000" };
Object.assign(process.env, ENV);
const rt = useTestRuntime(ENV);
const me = issueSession(rt.config.sessionSecret).session;
const victim = issueSession(rt.config.sessionSecret).session;
const bystander = issueSession(rt.config.sessionSecret).session;
const V = victim.ns.prefix;
const PREFIX = me.ns.bytes;

const SEED = seedFromEnv();
const num = (s: string | undefined, d: number) => (s && /^\d+$/.test(s) ? Number(s) : d);
const PER_COMMAND = num(process.env.ORACLE_PER_COMMAND, 2);
const MUTATED = num(process.env.ORACLE_MUTATED, 6);
const DECISIVE = num(process.env.ORACLE_DECISIVE, 8);
/** NUL-suffixed candidates tried per command name / subcommand name to find ones this server resolves. */
const NAME_PROBES = 700;
const SUB_PROBES = 96;

const APP_CANARIES = ["app:oracle-canary", "app:room:ORACLE", "app:room:ORACLE:names", "app:student:oracle"];
const OUTSIDE = ["oracle-outside", ...APP_CANARIES];
const OWN_KEYS = ["k1", "k2", "s:str", "s:list", "s:hash", "s:set", "s:zset", "s:stream", "s:geo", "s:hll", "s:bits"];
const VICTIM_KEYS = ["v:str", "v:list", "v:hash", "v:set", "v:zset", "v:stream", "v:geo", "v:hll"];
const SECRET = "oracle-s3cr3t";
const KEYS: KeyPool = { own: OWN_KEYS, victimPrefix: V, victimKeys: VICTIM_KEYS, outside: OUTSIDE };

/** Connection-state commands are attacked by the escape suite one by one; the oracle only reads them. */
const NOT_EXECUTED_CATEGORIES = ["connection", "transaction", "pubsub", "admin", "dangerous", "scripting"];

let admin: RespConnection;
let auditConn: RespConnection;
let nobody: RespConnection;
let grammar: Grammar;
let watch: BlockWatch;
let ctx: SandboxContext;
let startState: ClientInfo | undefined;

interface Finding {
  v: Variant;
  what: string;
}

const run = {
  lines: [] as Variant[],
  plans: [] as Array<Plan | { kind: "threw"; error: string }>,
  nulNames: { top: 0, topTried: 0, subs: 0, subsTried: 0 },
  counts: { run: 0, reply: 0, emulate: 0, threw: 0, getkeysArray: 0, getkeysError: 0, executed: 0, unknownAnswered: 0, arityAnswered: 0 },
  covered: new Set<string>(),
  nameMismatch: [] as Finding[],
  unchecked: [] as Finding[],
  unknownText: [] as Finding[],
  keyEscape: [] as Finding[],
  keyMismatch: [] as Finding[],
  threw: [] as Finding[],
  execCrash: [] as Finding[],
  leaks: [] as Finding[],
  typed: new Set<string>(),
  before: new Map() as Snapshot,
  after: new Map() as Snapshot,
  ms: { probe: 0, plan: 0, oracle: 0, exec: 0 },
};

// ---------------------------------------------------------------- setup

const VICTIM_DATA = [
  `SET v:str ${SECRET}`,
  `RPUSH v:list ${SECRET} b`,
  `HSET v:hash f ${SECRET}`,
  `SADD v:set ${SECRET}`,
  `ZADD v:zset 1 ${SECRET}`,
  `XADD v:stream 1-1 f ${SECRET}`,
  "XGROUP CREATE v:stream grp 0",
  `PFADD v:hll ${SECRET}`,
  `GEOADD v:geo 13.361389 38.115556 ${SECRET}`,
];
const OWN_DATA = [
  "SET s:str hello",
  "RPUSH s:list c a b",
  "HSET s:hash f v",
  "SADD s:set a b",
  "ZADD s:zset 1 a 2 b",
  "XADD s:stream 1-1 f v",
  "XGROUP CREATE s:stream grp 0",
  "GEOADD s:geo 13.361389 38.115556 m1 15.087269 37.502669 m2",
  "PFADD s:hll a",
  "SETBIT s:bits 7 1",
];

/** The admin connection's view of what must not change: everything but the visitor's own keys, other files' sessions and the app's counters. */
function outsideMine(key: Uint8Array, db: number): boolean {
  if (db !== 0) return true; // nothing of the playground's belongs outside database 0, not even the visitor's own keys
  if (startsWithBytes(key, PREFIX)) return false;
  const s = Buffer.from(key).toString("latin1");
  if (s.startsWith("app:rl:") || s === "app:active" || s === "app:reaper:lock") return false;
  if (s.startsWith("pg:{") && !s.startsWith(V)) return false; // other test files' sessions
  return true;
}

beforeAll(async () => {
  admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "oracle-admin");
  auditConn = new RespConnection(parseRedisUrl(inject("redisUrl")), "oracle-audit");
  await Promise.all([admin.waitReady(), auditConn.waitReady(), rt.conn.waitReady()]);
  const acl = await admin.send(["ACL", "SETUSER", "oracle-nobody", "reset", "on", "nopass", "resetkeys", "resetchannels", "-@all"]);
  expect(acl).toEqual({ t: "status", v: "OK" });
  const url = new URL(inject("redisUrl"));
  nobody = new RespConnection({ host: url.hostname, port: Number(url.port), username: "oracle-nobody", password: "x" }, "oracle-nobody");
  await nobody.waitReady();
  expect(await nobody.send(["GET", "x"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });

  grammar = await loadGrammar(admin);
  const table = await rt.commandTable();
  const scoped = (rt as unknown as { scoped?: (ns: Session["ns"]) => SandboxContext["conn"] }).scoped;
  ctx = {
    conn: scoped ? scoped.call(rt, me.ns) : rt.conn,
    table,
    ns: me.ns,
    limits: { maxStringBytes: rt.config.quota.maxStringBytes, maxReplyItems: rt.config.reply.items, quotas: rt.quotas },
  } as SandboxContext;

  for (const line of VICTIM_DATA) expect((await execCommand(victim, { command: line })).reply.t, line).not.toBe("error");
  for (const line of OWN_DATA) expect((await execCommand(me, { command: line })).reply.t, line).not.toBe("error");
  await admin.send(["SET", "oracle-outside", SECRET]);
  await admin.send(["SET", "app:oracle-canary", SECRET]);
  await admin.send(["HSET", "app:room:ORACLE", "title", SECRET, "ended", "0"]);
  await admin.send(["SADD", "app:room:ORACLE:names", SECRET]);
  await admin.send(["SET", "app:student:oracle", "ORACLE"]);
  const s = await sharedState(rt.conn, admin);
  if (typeof s !== "string") startState = s;
  watch = new BlockWatch(auditConn, { sharedName: startState?.name ?? "playground", leaseCapSeconds: 1 }).start();
});

afterAll(async () => {
  watch?.stop();
  await execCommand(me, { command: "FLUSHDB" }).catch(() => {});
  await execCommand(victim, { command: "FLUSHDB" }).catch(() => {});
  if (admin) {
    await admin.send(["DEL", ...OUTSIDE]).catch(() => {});
    await admin.send(["ACL", "DELUSER", "oracle-nobody"]).catch(() => {});
    admin.close();
  }
  nobody?.close();
  auditConn?.close();
});

// ---------------------------------------------------------------- the oracle's questions

const isError = (r: Reply): r is { t: "error"; v: string } => r.t === "error";

/** What Redis makes of a name: the command it resolves to, or null (unknown); `text` is the nobody user's error. */
interface NameReading {
  resolved: boolean;
  name?: string;
  text?: string;
}

function readNobody(r: Reply): NameReading {
  if (!isError(r)) return { resolved: true, name: `?(${r.t})` };
  if (/^ERR unknown (sub)?command /.test(r.v)) return { resolved: false, text: r.v };
  // A refused EXEC is always worded as an aborted transaction, in MULTI or not.
  const inner = r.v.replace(/^EXECABORT Transaction discarded because of: /, "");
  const m =
    /^NOPERM this user has no permissions to run the '([^']+)' command/.exec(inner) ?? /^(?:ERR )?wrong number of arguments for '([^']+)' command/.exec(inner);
  return m ? { resolved: true, name: m[1], text: r.v } : { resolved: true, name: `?(${r.v})`, text: r.v };
}

/** COMMAND GETKEYS looks names up as processCommand does, and never runs anything: safe for AUTH/HELLO/RESET/QUIT. */
async function resolvesByGetkeys(argv: Uint8Array[]): Promise<boolean> {
  const probes =
    argv.length >= 2
      ? [argv]
      : [
          [argv[0], b("x")],
          [argv[0], b("help")],
        ];
  for (const p of probes) {
    const r = await admin.send([b("COMMAND"), b("GETKEYS"), ...p]);
    if (!(isError(r) && r.v === "ERR Invalid command specified")) return true;
  }
  return false;
}

const noAuthName = (argv: Uint8Array[]) => grammar.noAuth.has(redisReading(argv[0]));

async function nameReading(argv: Uint8Array[]): Promise<NameReading> {
  if (noAuthName(argv)) return { resolved: await resolvesByGetkeys(argv) };
  return readNobody(await nobody.send(argv));
}

/** Which of these candidate words this server resolves, asked in one pipelined batch. */
async function resolving(make: (cand: Uint8Array) => Uint8Array[], cands: Uint8Array[], noAuth: boolean): Promise<Uint8Array[]> {
  if (noAuth) {
    const rs = await Promise.all(cands.map((c) => admin.send([b("COMMAND"), b("GETKEYS"), ...make(c), b("x")])));
    return cands.filter((_, i) => !(isError(rs[i]) && rs[i].v === "ERR Invalid command specified"));
  }
  const rs = await Promise.all(cands.map((c) => nobody.send(make(c))));
  return cands.filter((_, i) => readNobody(rs[i]).resolved);
}

/** For every command and subcommand, one NUL-suffixed spelling of its name that this server resolves, when one is found. */
async function probeNulNames(): Promise<Map<string, { word: Uint8Array; position: 0 | 1 }>> {
  const found = new Map<string, { word: Uint8Array; position: 0 | 1 }>();
  for (const c of grammar.commands) {
    if (c.words.length === 1) {
      run.nulNames.topTried++;
      const cands = nulCandidates(c.words[0], NAME_PROBES, "o");
      const hits = await resolving((w) => [w], cands, grammar.noAuth.has(c.name));
      if (hits.length) found.set(c.name, { word: hits[0], position: 0 }), run.nulNames.top++;
    } else {
      run.nulNames.subsTried++;
      const cands = nulCandidates(c.words[1], SUB_PROBES, "o");
      const hits = await resolving((w) => [b(c.words[0]), w], cands, false);
      if (hits.length) found.set(c.name, { word: hits[0], position: 1 }), run.nulNames.subs++;
    }
  }
  return found;
}

function nulNameVariants(rng: Rng, found: Map<string, { word: Uint8Array; position: 0 | 1 }>): Variant[] {
  const out: Variant[] = [];
  for (const [name, { word, position }] of found) {
    const spec = grammar.byName.get(name)!;
    for (let i = 0; i < 2; i++) {
      // A container's own NUL name: generate one of its subcommands' lines under it.
      const base: CommandSpec = spec.container ? (rng.pick(grammar.commands.filter((c) => c.name.startsWith(`${name}|`))) ?? spec) : spec;
      const v = generate(rng, base, { keys: KEYS });
      v.argv[position] = word;
      v.mutations.push(`resolving-nul-${position ? "sub" : "name"}:${showArg(word)}`);
      out.push(v);
      // And aimed at the victim: every key its full name, of the type the command works on.
      const type = GROUP_TYPE[base.group] ?? "str";
      out.push(retarget(v, () => `${V}v:${VICTIM_KEYS.some((k) => k === `v:${type}`) ? type : "str"}`));
    }
  }
  return out;
}

const CHANNEL_COMMANDS = new Set(["publish", "spublish", "pubsub|numsub", "pubsub|shardnumsub", "pubsub|channels", "pubsub|shardchannels"]);
const EMULATED_NAMES: Record<string, string[]> = {
  flushdb: ["flushdb", "flushall"],
  dbsize: ["dbsize"],
  keys: ["keys"],
  scan: ["scan"],
  randomkey: ["randomkey"],
  info: ["info"],
  help: ["help"],
  // Per console tab (connection-commands.ts).
  client: ["client|id", "client|info", "client|getname", "client|setname"],
  hello: ["hello"],
  role: ["role"],
  lastsave: ["lastsave"],
  wait: ["wait"],
  "acl-whoami": ["acl|whoami"],
  "help-text": ["script|help", "function|help"],
};

async function judge(v: Variant, p: Plan | { kind: "threw"; error: string }): Promise<{ execute: boolean }> {
  const { argv } = v;
  if (p.kind === "threw") {
    run.threw.push({ v, what: p.error });
    return { execute: false };
  }
  const reading = await nameReading(argv);
  const noAuth = noAuthName(argv);
  if (p.kind === "reply") {
    const text = p.reply.t === "error" ? p.reply.v : "";
    if (/^ERR unknown (sub)?command /.test(text)) {
      run.counts.unknownAnswered++;
      if (reading.resolved)
        run.unknownText.push({
          v,
          what: `the sandbox answered "${text}", but Redis resolves this name${reading.name ? ` to '${reading.name}'` : ""} (${reading.text ?? "COMMAND GETKEYS"})`,
        });
      else if (reading.text !== undefined && reading.text !== text)
        run.unknownText.push({ v, what: `the sandbox answered ${JSON.stringify(text)}\n      Redis answers ${JSON.stringify(reading.text)}` });
    } else if (/^ERR wrong number of arguments for '[^']+' command$/.test(text) && reading.text !== undefined) {
      // An arity error the sandbox words itself (a bare container, say): Redis must give the same one.
      run.counts.arityAnswered++;
      if (reading.text !== text)
        run.unknownText.push({ v, what: `the sandbox answered ${JSON.stringify(text)}\n      Redis answers ${JSON.stringify(reading.text)}` });
    }
    return { execute: false };
  }
  if (p.kind === "emulate") {
    const ok = EMULATED_NAMES[p.emulation] ?? [p.emulation];
    if (!reading.resolved || (reading.name && !ok.includes(reading.name))) {
      run.nameMismatch.push({
        v,
        what: `emulated as ${p.emulation.toUpperCase()}, but Redis reads the name as ${reading.resolved ? `'${reading.name}'` : "unknown"}${reading.text ? ` (${reading.text})` : ""}`,
      });
    }
    return { execute: false };
  }
  // kind === "run"
  const cmdName = (p as { cmd?: { name: string } }).cmd?.name;
  if (!cmdName) {
    run.unchecked.push({
      v,
      what: `sent to Redis without the sandbox resolving its name; Redis ${reading.resolved ? `resolves it${reading.name ? ` to '${reading.name}'` : ""}` : "does not know it"}`,
    });
  } else if (!reading.resolved) {
    run.nameMismatch.push({
      v,
      what: `the sandbox runs it as '${cmdName}', Redis does not know the name (${reading.text ?? "COMMAND GETKEYS: Invalid command specified"})`,
    });
  } else if (reading.name && reading.name !== cmdName) {
    run.nameMismatch.push({ v, what: `the sandbox runs it as '${cmdName}', Redis as '${reading.name}'` });
  }
  if (noAuth) {
    run.unchecked.push({ v, what: "a command that bypasses ACL rules (no-auth) would be sent to the shared connection" });
    return { execute: false };
  }

  const out = p.argv;
  const gk = await admin.send([b("COMMAND"), b("GETKEYS"), ...out]);
  const ours: string[] = [];
  for (let i = 0; i < Math.min(out.length, argv.length); i++) if (bytesEqual(out[i], cat(PREFIX, argv[i]))) ours.push(keyOf(out[i]));
  if (gk.t === "array") {
    run.counts.getkeysArray++;
    const theirs = gk.v.map((r) => (r.t === "bulk" ? bulkBytes(r) : new Uint8Array()));
    const outside = theirs.filter((k) => !startsWithBytes(k, PREFIX));
    if (outside.length) {
      run.keyEscape.push({
        v,
        what: `sent ${showArgv(out)}\n      Redis reads key(s) ${outside.map(showArg).join(", ")} outside the namespace (all keys: ${theirs.map(showArg).join(", ")})`,
      });
    }
    if (!CHANNEL_COMMANDS.has(cmdName ?? "")) {
      const a = theirs.map(keyOf).sort();
      const o = ours.slice().sort();
      if (a.length !== o.length || a.some((k, i) => k !== o[i])) {
        const missing = a.filter((k) => !o.includes(k));
        const extra = o.filter((k) => !a.includes(k));
        run.keyMismatch.push({
          v,
          what:
            `sent ${showArgv(out)}\n      Redis's keys: ${theirs.map(showArg).join(", ") || "none"}; prefixed by the sandbox: ${ours.map((k) => showArg(Buffer.from(k, "latin1"))).join(", ") || "none"}` +
            (missing.length ? `; not prefixed: ${missing.map((k) => showArg(Buffer.from(k, "latin1"))).join(", ")}` : "") +
            (extra.length ? `; prefixed but not a key to Redis: ${extra.map((k) => showArg(Buffer.from(k, "latin1"))).join(", ")}` : ""),
        });
      }
    }
    return { execute: v.mutations.length > 0 };
  }
  run.counts.getkeysError++;
  return { execute: true };
}

function categoriesOf(v: Variant): Set<string> {
  return grammar.byName.get(v.cmd)?.categories ?? new Set();
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`no answer after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

async function pool<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

function report(title: string, xs: Finding[], max = 12): string {
  if (!xs.length) return "";
  // The ones Redis really runs first (a resolved name, a victim's key), then the rest.
  const weight = (f: Finding) =>
    (/Redis resolves|Redis as '|outside the namespace|not prefixed/.test(f.what) ? 0 : 1) + (f.v.mutations.some((m) => m.startsWith("resolving")) ? 0 : 0.5);
  xs = xs.slice().sort((a, c) => weight(a) - weight(c));
  const lines = xs.slice(0, max).map((f) => `  ${f.v.cmd} [${f.v.mutations.join(", ") || "clean"}]\n    argv ${showArgv(f.v.argv)}\n    → ${f.what}`);
  return `${title}: ${xs.length} (seed ${SEED}; FUZZ_SEED=${SEED} repeats the lines)\n${lines.join("\n")}${xs.length > max ? `\n  … ${xs.length - max} more` : ""}\n`;
}

// ---------------------------------------------------------------- the tests

describe(`Redis as the oracle (seed ${SEED})`, () => {
  it("generates lines for every command and subcommand, plans them, and asks Redis about each", async () => {
    const rng = new Rng(SEED);
    let t = performance.now();
    const found = await probeNulNames();
    run.ms.probe = performance.now() - t;
    const lines = [
      ...variants(rng.fork(1), grammar, { keys: KEYS, perCommand: PER_COMMAND, mutated: MUTATED }),
      ...decisiveVariants(rng.fork(2), grammar, { keys: KEYS, n: DECISIVE }),
      ...nulNameVariants(rng.fork(3), found),
    ];
    run.lines = lines;
    for (const v of lines) run.covered.add(v.cmd);

    t = performance.now();
    run.plans = new Array(lines.length);
    await pool(lines, 16, async (v, i) => {
      try {
        run.plans[i] = await plan(ctx, v.argv.slice());
      } catch (e) {
        run.plans[i] = { kind: "threw", error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
      const k = run.plans[i].kind;
      run.counts[k === "threw" ? "threw" : k]++;
    });
    run.ms.plan = performance.now() - t;

    t = performance.now();
    const toExecute: Variant[] = [];
    await pool(lines, 16, async (v, i) => {
      const { execute } = await judge(v, run.plans[i]);
      const cats = categoriesOf(v);
      if (execute && !NOT_EXECUTED_CATEGORIES.some((c) => cats.has(c)) && !noAuthName(v.argv)) toExecute.push(v);
    });
    run.ms.oracle = performance.now() - t;

    // What GETKEYS could not vouch for, and every mutated line, runs for real; then the audit.
    t = performance.now();
    run.before = await snapshot(auditConn, outsideMine);
    watch.during = "oracle: executing lines";
    await pool(toExecute, 8, async (v) => {
      for (const a of v.argv) run.typed.add(keyOf(a));
      run.counts.executed++;
      try {
        const r = await withTimeout(execCommand(me, { command: toCliLine(v.argv) }), 8000, showArgv(v.argv, 200));
        if (r.text.includes(SECRET)) run.leaks.push({ v, what: `the reply shows the victim's or the app's data: ${r.text.slice(0, 200)}` });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (!/busy/i.test(msg)) run.execCrash.push({ v, what: msg });
      }
    });
    await unblockOwn(auditConn);
    run.after = await snapshot(auditConn, outsideMine);
    run.ms.exec = performance.now() - t;

    const c = run.counts;
    console.log(
      `oracle: seed ${SEED}: ${lines.length} lines for ${run.covered.size}/${grammar.commands.length} commands and subcommands ` +
        `(NUL-suffixed names this server resolves: ${run.nulNames.top}/${run.nulNames.topTried} commands, ${run.nulNames.subs}/${run.nulNames.subsTried} subcommands); ` +
        `planned: run ${c.run}, answered ${c.reply} (of which "unknown command/subcommand" ${c.unknownAnswered}, arity errors ${c.arityAnswered}), emulated ${c.emulate}, threw ${c.threw}; ` +
        `GETKEYS vouched for ${c.getkeysArray}, found no keys in ${c.getkeysError}; executed ${c.executed}; ` +
        `probe ${(run.ms.probe / 1000).toFixed(1)} s, plan ${(run.ms.plan / 1000).toFixed(1)} s, oracle ${(run.ms.oracle / 1000).toFixed(1)} s, execute+audit ${(run.ms.exec / 1000).toFixed(1)} s`,
    );
    expect(run.covered.size).toBe(grammar.commands.length);
  }, 180_000);

  it("planning never throws", () => {
    expect(report("plan() threw", run.threw)).toBe("");
  });

  it("the sandbox never sends a line under a name it did not resolve, nor one Redis reads as another command", () => {
    expect(
      report("sent without being resolved by the sandbox (deny by default)", run.unchecked) +
        report("name read differently by the sandbox and Redis", run.nameMismatch),
    ).toBe("");
  });

  it("every \"unknown command/subcommand\" (and arity error) the sandbox words itself is Redis's own, in Redis's exact words", () => {
    expect(report("unknown-command answers that differ from Redis", run.unknownText)).toBe("");
  });

  it("every key Redis finds in a line the sandbox runs is in the visitor's namespace", () => {
    expect(report("keys outside the namespace (COMMAND GETKEYS on the argv the sandbox sends)", run.keyEscape)).toBe("");
  });

  it("the sandbox prefixes exactly the arguments Redis reads as keys", () => {
    expect(report("prefixed arguments ≠ Redis's keys", run.keyMismatch)).toBe("");
  });

  it("lines run for real change nothing outside the visitor's namespace, in any database, and block nothing shared", () => {
    const d = diff(run.before, run.after);
    const victimOrPlanted = (k: string) => k.includes(V) || OUTSIDE.some((o) => k.endsWith(`\u0001${o}`));
    // A key another test file wrote meanwhile is not ours to judge; one the lines named, the victim's, a planted one, or a namespaced key in another database is.
    const attributable = (k: string) =>
      victimOrPlanted(k) || run.typed.has(k.slice(k.indexOf("\u0001") + 1)) || (!k.startsWith("0\u0001") && k.includes("\u0001pg:{"));
    const problems = [
      ...d.added.filter(attributable).map((k) => `new key ${showSnapKey(k)}`),
      ...d.removed.filter(attributable).map((k) => `deleted ${showSnapKey(k)}`),
      ...d.changed.filter(attributable).map((k) => `changed ${showSnapKey(k)}`),
      ...watch.findings.filter((f) => f.during.startsWith("oracle")).map((f) => f.what),
      ...run.execCrash.map((f) => `${showArgv(f.v.argv, 200)} → ${f.what}`),
      ...run.leaks.map((f) => `${showArgv(f.v.argv, 200)} → ${f.what}`),
    ];
    const tolerated = [...d.added, ...d.removed, ...d.changed].filter((k) => !attributable(k));
    if (tolerated.length)
      console.log(`oracle: ${tolerated.length} keys changed by other test files tolerated, e.g. ${tolerated.slice(0, 3).map(showSnapKey).join(", ")}`);
    expect(problems).toEqual([]);
  });

  it("the shared connection and the app still answer, in database 0 with RESP2, logged in", async () => {
    const state = await sharedState(rt.conn, admin);
    if (startState) expect(stateProblems(state, startState)).toEqual([]);
    for (const s of [bystander, me]) {
      expect((await execCommand(s, { command: "PING" })).reply).toEqual({ t: "status", v: "PONG" });
      expect((await execCommand(s, { command: "SET oracle-after ok" })).reply).toEqual({ t: "status", v: "OK" });
      expect((await execCommand(s, { command: "GET oracle-after" })).text).toBe('"ok"');
    }
    expect((await execCommand(victim, { command: "GET v:str" })).text).toBe(`"${SECRET}"`);
    await execCommand(bystander, { command: "FLUSHDB" });
  });
});
