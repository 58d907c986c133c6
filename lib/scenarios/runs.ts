import { randomBytes } from "node:crypto";
import { SandboxError } from "@/lib/errors";
import { RespConnection } from "@/lib/redis/resp-connection";
import { runtime, type Runtime } from "@/lib/runtime";
import { problem } from "@/lib/problems";
import type { Namespace } from "@/lib/sandbox/namespace";

/**
 * The scenarios running in this process, and their bounds: a visitor runs at
 * most `perSession` at once (the four job-queue variants side by side), one of
 * each kind; workers that block (BRPOP, BLMOVE, XREADGROUP BLOCK) hold a
 * dedicated connection each, at most `maxConnections` in the whole process.
 * A client address (the one TRUST_PROXY decides: lib/rate-limit.ts clientIp,
 * passed in by the API; an unknown one counts as one address, `?`) runs at
 * most `perIp` and its workers hold at most `connectionsPerIp`: sessions are
 * free, so only the address stops one visitor taking the pool with many.
 * Every bound is in lib/config.ts's LIMITS and said with its number when it
 * bites. A run's id lets its owner send it live controls ("crash worker 3").
 */
export interface RunControls {
  crash?(worker: number): boolean;
}

export interface RunHandle {
  id: string;
  sessionId: string;
  ip: string;
  kind: string;
  controls: RunControls;
  abort: AbortController;
  conns: number;
}

const KEY = Symbol.for("redis-playground.scenario-runs");
type G = typeof globalThis & { [KEY]?: ScenarioRuns };

export function scenarioRuns(): ScenarioRuns {
  const g = globalThis as G;
  // The bounds come from the current config (PLAYGROUND_SCENARIO*, lib/config.ts); the runs outlive a config reload.
  const opts = runtime().config.scenarios;
  const runs = (g[KEY] ??= new ScenarioRuns(opts));
  runs.opts = opts;
  return runs;
}

export interface ScenarioLimits {
  perSession: number;
  perIp: number;
  maxRuns: number;
  connectionsPerIp: number;
  maxConnections: number;
}

export class ScenarioRuns {
  private runs = new Map<string, RunHandle>();
  private conns = 0;

  constructor(public opts: ScenarioLimits) {}

  /** Registers a run; throws "busy" (HTTP 503/409-like) when a bound would be passed. */
  begin(sessionId: string, clientIp: string | undefined, kind: string, connections: number): RunHandle {
    const ip = clientIp || "?"; // an unknown address is one address, never none
    const mine = [...this.runs.values()].filter((r) => r.sessionId === sessionId);
    if (mine.some((r) => r.kind === kind)) {
      throw new SandboxError("conflict", problem("scenario:already", { kind }));
    }
    if (mine.length >= this.opts.perSession) {
      throw new SandboxError("over_cap", problem("scenario:per-session", { n: mine.length, max: this.opts.perSession }), 5);
    }
    // Sessions are free to create: the client's address bounds them too.
    const fromIp = [...this.runs.values()].filter((r) => r.ip === ip);
    if (fromIp.length >= this.opts.perIp) {
      throw new SandboxError("over_cap", problem("scenario:per-address", { n: fromIp.length, max: this.opts.perIp }), 10);
    }
    const ipConns = fromIp.reduce((n, r) => n + r.conns, 0);
    if (ipConns + connections > this.opts.connectionsPerIp) {
      throw new SandboxError("over_cap", problem("scenario:connections-address", { held: ipConns, max: this.opts.connectionsPerIp, needs: connections }), 10);
    }
    if (this.runs.size >= this.opts.maxRuns) {
      throw new SandboxError("busy", problem("scenario:total", { n: this.runs.size }), 30);
    }
    if (this.conns + connections > this.opts.maxConnections) {
      throw new SandboxError("busy", problem("scenario:connections", { held: this.conns, max: this.opts.maxConnections }), 30);
    }
    this.conns += connections;
    const run: RunHandle = { id: randomBytes(9).toString("base64url"), sessionId, ip, kind, controls: {}, abort: new AbortController(), conns: connections };
    this.runs.set(run.id, run);
    return run;
  }

  end(run: RunHandle): void {
    if (!this.runs.delete(run.id)) return;
    this.conns -= run.conns;
    run.abort.abort();
  }

  /** A run of this session, or undefined: another visitor's run id finds nothing. */
  get(id: string, sessionId: string): RunHandle | undefined {
    const r = this.runs.get(id);
    return r && r.sessionId === sessionId ? r : undefined;
  }

  stats(): { runs: number; connections: number } {
    return { runs: this.runs.size, connections: this.conns };
  }
}

/** A dedicated connection as the sandbox user, for a worker that blocks. */
export async function dedicatedConnection(rt: Runtime, name: string, ns: Namespace): Promise<RespConnection> {
  // The deadline (PLAYGROUND_REDIS_TIMEOUT_MS), blocking allowance and reply cap every visitor connection has.
  const conn = new RespConnection(rt.targetFor(ns), name, rt.visitorConn);
  try {
    await conn.waitReady(3000);
  } catch (e) {
    conn.close();
    throw e;
  }
  return conn;
}

/** Waits `ms`, or less when any of the signals fires. Never rejects. */
export function pause(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((s) => s.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener("abort", done, { once: true });
  });
}

/** Calls `fn` once the signal fires — at once when it already has (a listener added late never fires). */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
}

/** Rejects when the signal fires first, or after `ms` (a hub call waits for Redis while it is down). */
export function withSignal<T>(p: Promise<T>, signal: AbortSignal, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let off = () => {};
    let timer: NodeJS.Timeout | undefined;
    const done = (f: () => void) => {
      clearTimeout(timer);
      off();
      f();
    };
    timer = setTimeout(() => done(() => reject(new SandboxError("redis_unavailable"))), ms);
    off = onAbort(signal, () => done(() => reject(new SandboxError("bad_request", problem("scenario:cancelled")))));
    p.then(
      (v) => done(() => resolve(v)),
      (e) => done(() => reject(e)),
    );
  });
}
