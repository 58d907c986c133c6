import { array, type Reply } from "@/lib/resp/reply";
import { emulate, plan, unrewrite, type SandboxContext } from "./sandbox";
import { waitNotice } from "./connection-commands";
import { capTimeout } from "./blocking";
import type { Lease, LeasePool } from "./leases";
import type { CommandInfo } from "./command-table";
import type { RespConnection, SendOptions } from "@/lib/redis/resp-connection";
import { addToTx, isBudgetRefusal, newTxTotals, type TxTotals } from "./costs";
import { processState } from "@/lib/process-state";
import { type Problem, problem, refusal } from "@/lib/problems";
import { problemText } from "@/lib/i18n/problems";
import { keySlot } from "@/lib/redis/slots";
import { SandboxError } from "@/lib/errors";
import { type KeyIndex, processKeyIndex } from "./key-index";

/**
 * Runs one authorized command on the right connection (docs/architecture.md "Connections"): the shared
 * one, the console tab's leased one while it is in MULTI or WATCH, or a
 * borrowed one for a blocking command.
 */
export interface RouteContext extends SandboxContext {
  leases: LeasePool;
  /** Session and console tab: `<session id>/<client id>`. */
  clientKey: string;
  sessionId: string;
  /** The client's address as TRUST_PROXY decides it (lib/rate-limit.ts clientIp): dedicated connections are capped per address too. */
  ip?: string;
  blockCapSeconds: number;
  /** Spends an admitted command's estimated cost from the sender's work budget before it runs (lib/sandbox/work-budget.ts); throws when it is spent. */
  spend?: (units: number) => void;
  /** Authenticates a dedicated connection as the namespace's own ACL user, before its first command. */
  login(conn: RespConnection): Promise<void>;
  /** How visitors' replies are read (lib/redis/resp-connection.ts SendOptions): the endpoint for learners' own clients asks for whole replies up to its output cap. */
  sendOptions?: SendOptions;
}

export interface Outcome {
  reply: Reply;
  /** Something the learner should know that redis-cli would not print. */
  notice?: Problem;
}

const dec = new TextDecoder();
/** Work units (≈ 0.1 µs of Redis time each: lib/sandbox/costs.ts) per key an emulated walk probes, app side included. */
const WALK_UNITS_PER_KEY = 200;
const err = (v: string): Reply => ({ t: "error", v });
/** Redis's own error, with the playground's word on why after it (a transaction that ended, discarded at EXEC). */
const errWith = (v: string, why: Problem): Reply => ({ t: "error", v: `${v}${problemText(why)}`, problem: why });

/**
 * Each open MULTI's totals (costs.ts): its queued commands in number, bytes,
 * estimated cost and what they may create. Each command is admitted only if
 * the totals with it stay within the budgets; EXEC then checks the quota for
 * the sum, since the queued writes all land at once.
 */
const transactions = () => processState("route.transactions", () => new WeakMap<Lease, TxTotals>());
const txOf = (lease: Lease): TxTotals => {
  let tx = transactions().get(lease);
  if (!tx) transactions().set(lease, (tx = newTxTotals()));
  return tx;
};

/** One console tab (client) is one redis-cli: its commands run one after another, never interleaved. */
const inFlight = () => processState("route.inFlight", () => new Map<string, Promise<unknown>>());

export async function execute(ctx: RouteContext, argv: Uint8Array[]): Promise<Outcome> {
  const mine = (inFlight().get(ctx.clientKey) ?? Promise.resolve()).catch(() => {}).then(() => executeInOrder(ctx, argv));
  inFlight().set(ctx.clientKey, mine);
  try {
    return await mine;
  } finally {
    if (inFlight().get(ctx.clientKey) === mine) inFlight().delete(ctx.clientKey);
  }
}

async function executeInOrder(ctx: RouteContext, argv: Uint8Array[]): Promise<Outcome> {
  const lease = ctx.leases.get(ctx.clientKey);
  const ended = lease ? undefined : ctx.leases.takeEnded(ctx.clientKey);
  if (lease) ctx.leases.touch(lease);
  const p = await plan(lease?.multi ? { ...ctx, tx: txOf(lease) } : ctx, argv);
  if (lease && ctx.leases.get(ctx.clientKey) !== lease)
    return {
      reply: refusal(problem("tx:late")),
    };
  const upper = dec.decode(argv[0]).toUpperCase();

  if (p.kind === "reply") {
    if (lease?.multi && p.reply.t === "error") {
      lease.aborted = true;
      const tx = txOf(lease);
      if (!tx.reason && isBudgetRefusal(p.reply.problem)) tx.reason = p.reply.problem;
    }
    return { reply: p.reply, notice: ended };
  }
  if (p.kind === "emulate") {
    if (lease?.multi) {
      lease.aborted = true;
      return {
        reply: refusal(problem("command:emulated-in-multi", { command: upper })),
      };
    }
    // Walks of the namespace's keys (DBSIZE, INFO's memory and keyspace) are charged per key probed, after
    // the walk, from the sender's work budget: a namespace of thousands of keys cannot be walked in a loop.
    let probed = 0;
    const index = ctx.index ?? processKeyIndex();
    if (!index) throw new Error("emulated commands need the namespace's key index");
    const walk: KeyIndex["walk"] = (conn, ns, probe, onPage, pattern) =>
      index.walk(
        conn,
        ns,
        probe,
        (found) => {
          probed += found.length;
          return onPage(found);
        },
        pattern,
      );
    // The index itself for everything else (its methods bound to it, so its state stays its own).
    const counted = new Proxy(index, {
      get: (target, k) => {
        if (k === "walk") return walk;
        const v = Reflect.get(target, k, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    try {
      const reply = await emulate({ ...ctx, index: counted }, p.emulation, p.argv);
      const capped = p.emulation === "wait" && reply.t === "integer" ? waitNotice(p.argv, ctx.blockCapSeconds) : undefined;
      return { reply, notice: capped ?? ended };
    } finally {
      if (probed > 0) ctx.spend?.(probed * WALK_UNITS_PER_KEY);
    }
  }
  if (p.mode === "transaction") return transaction(ctx, p.cmd!, p.argv, lease, ended);
  if (p.charge?.cost) ctx.spend?.(p.charge.cost);

  let run = p.argv;
  let notice = ended;
  let waitMs = 0;
  if (p.mode === "blocking" && p.cmd && !lease?.multi) {
    const capped = capTimeout(p.cmd, p.argv, ctx.blockCapSeconds);
    if ("refuse" in capped) {
      if (lease?.multi) lease.aborted = true;
      return { reply: refusal(capped.refuse), notice };
    }
    run = capped.argv;
    waitMs = capped.waitMs;
    notice = capped.notice ?? notice;
  }
  if (lease) {
    const reply = await leaseSend(ctx, lease, run);
    if (ctx.leases.get(lease.key) === lease) ctx.leases.touch(lease);
    if (lease.multi) {
      if (reply.t === "status" && reply.v === "QUEUED") {
        lease.queued.push(p.cmd);
        if (p.charge) addToTx(txOf(lease), p.charge);
      }
      return { reply: reply.t === "error" ? unrewrite(p.cmd, reply, ctx.ns) : reply, notice };
    }
    return { reply: unrewrite(p.cmd, reply, ctx.ns), notice };
  }
  if (p.mode === "blocking") {
    const { conn, done } = await ctx.leases.borrowForBlocking(ctx.sessionId, ctx.ip, keySlot(ctx.ns.prefix));
    let clean = false;
    try {
      await ctx.login(conn);
      const reply = await conn.send(run, { ...ctx.sendOptions, timeoutMs: waitMs + conn.timeoutMs });
      // The slot moved under it (a failover, a resharding): the map has learnt where; the visitor tries again, as in an outage.
      if (ctx.leases.redirected(reply)) throw new SandboxError("redis_unavailable");
      clean = true;
      return { reply: unrewrite(p.cmd, reply, ctx.ns), notice };
    } finally {
      done(clean);
    }
  }
  return { reply: unrewrite(p.cmd, await ctx.conn.send(run, ctx.sendOptions), ctx.ns), notice };
}

/**
 * Sends on a console tab's lease. A redirect there (lib/sandbox/leases.ts
 * `redirected`: the namespace's slot moved to another node) ends the lease as
 * lost — its MULTI or WATCH cannot follow — and the visitor reads why, never
 * a node's address; their next command opens a lease on the new master.
 */
async function leaseSend(ctx: RouteContext, lease: Lease, argv: readonly Uint8Array[] | string[]): Promise<Reply> {
  const reply = await lease.conn.send(argv, ctx.sendOptions);
  if (!ctx.leases.redirected(reply)) return reply;
  ctx.leases.end(lease, problem("lease:lost"));
  return refusal(ctx.leases.takeEnded(lease.key) ?? problem("lease:lost"));
}

async function transaction(ctx: RouteContext, cmd: CommandInfo, argv: Uint8Array[], lease: Lease | undefined, ended: Problem | undefined): Promise<Outcome> {
  const { leases } = ctx;
  switch (cmd.name) {
    case "multi": {
      const l = lease ?? (await openLease(ctx));
      const reply = await leaseSend(ctx, l, argv);
      if (reply.t === "status" && !l.multi) {
        Object.assign(l, { multi: true, queued: [], aborted: false });
        transactions().set(l, newTxTotals());
      }
      return { reply, notice: ended };
    }
    case "watch": {
      const l = lease ?? (await openLease(ctx));
      const reply = await leaseSend(ctx, l, argv);
      if (reply.t === "status") l.watching = true;
      else if (!l.multi && !l.watching) leases.release(l);
      return { reply: unrewrite(cmd, reply, ctx.ns), notice: ended };
    }
    case "exec": {
      if (!lease?.multi) return { reply: ended ? errWith("ERR EXEC without MULTI. ", ended) : err("ERR EXEC without MULTI") };
      const tx = txOf(lease);
      if (lease.aborted) {
        await lease.conn.send(["DISCARD"]);
        leases.release(lease);
        return {
          reply: tx.reason
            ? errWith("EXECABORT Transaction discarded because of previous errors. ", problem("tx:discarded", { cause: tx.reason }))
            : err("EXECABORT Transaction discarded because of previous errors."),
        };
      }
      // The queued writes all land now: their growth together must fit the namespace's quota
      // (an EXEC with arguments runs nothing: Redis 7.0 answers EXECABORT and ends the transaction).
      if (ctx.limits && argv.length === 1 && (tx.growth.keys > 0 || tx.growth.bytes > 0)) {
        const n = tx.count;
        const full = await ctx.limits.quotas.admit(ctx.conn, ctx.ns, tx.growth, {
          what: { queued: n },
          address: ctx.limits.address,
        });
        if (full) {
          await lease.conn.send(["DISCARD"]);
          leases.release(lease);
          return { reply: errWith("EXECABORT Transaction discarded: ", problem("tx:discarded", { cause: full })) };
        }
      }
      const reply = await leaseSend(ctx, lease, argv);
      // EXEC ends the transaction and every WATCH, whatever it answers — EXECABORT included, which is also
      // Redis 7.0's answer to EXEC with arguments: the connection is clean again. (The playground's own
      // refusal, lease:lost, has ended the lease already.)
      if (reply.t === "error" && !reply.v.startsWith("EXECABORT")) return { reply };
      leases.release(lease);
      if (reply.t !== "array") return { reply: unrewrite(cmd, reply, ctx.ns) };
      return { reply: array(reply.v.map((r, i) => unrewrite(lease.queued[i], r, ctx.ns))) };
    }
    case "discard": {
      if (!lease?.multi) return { reply: ended ? errWith("ERR DISCARD without MULTI. ", ended) : err("ERR DISCARD without MULTI") };
      const reply = await lease.conn.send(argv);
      if (reply.t !== "error") leases.release(lease); // DISCARD with arguments is refused and leaves MULTI open
      return { reply };
    }
    case "unwatch": {
      if (!lease) return { reply: { t: "status", v: "OK" }, notice: ended };
      const reply = await lease.conn.send(argv);
      if (reply.t === "error") return { reply }; // UNWATCH with arguments is refused and leaves WATCH on
      lease.watching = false;
      if (!lease.multi) leases.release(lease);
      return { reply };
    }
    default:
      return { reply: refusal(problem("command:unavailable", { command: cmd.name.toUpperCase() })) };
  }
}

/** A new lease for the console tab, signed in as the namespace's user before anything runs on it. */
async function openLease(ctx: RouteContext): Promise<Lease> {
  const lease = await ctx.leases.open(ctx.clientKey, ctx.sessionId, ctx.ip, keySlot(ctx.ns.prefix));
  try {
    await ctx.login(lease.conn);
  } catch (e) {
    ctx.leases.end(lease, problem("lease:login"));
    ctx.leases.takeEnded(ctx.clientKey);
    throw e;
  }
  return lease;
}
