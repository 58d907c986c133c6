/** The printed summary: machine facts, the app's limits, the three figures side by side, ratios, target. */
import type { Figure } from "./load";
import { formatLimits, type Limit } from "./limits";
import { formatSandboxCost, type SandboxCost } from "./sandbox-cost";
import { formatSse, type SseResult } from "./sse";
import { formatBigReply, type BigReplyResult } from "./big-reply";

export interface Report {
  machine: { cpus: number; model: string; node: string; platform: string; mem: number; load: number[] };
  limits: Limit[];
  config: string[];
  connections: number;
  seconds: number;
  warmup: number;
  figures: Figure[]; // exec, health, bare
  sandbox?: SandboxCost;
  sse?: SseResult;
  big?: BigReplyResult;
  leftover: string[];
  elapsed: number;
}

const TARGET = 0.5;

export function report(r: Report): void {
  const [exec, health, bare] = r.figures;
  const m = r.machine;
  const out: string[] = [];
  out.push("");
  out.push("════ Redis Playground bench ════════════════════════════════════════════");
  out.push(`machine   ${m.cpus} CPUs (${m.model}), ${(m.mem / 2 ** 30).toFixed(1)} GiB, ${m.platform}`);
  out.push(`node      ${m.node}; load generator, app, bare server and redis-server share these CPUs`);
  out.push(`load avg  ${m.load.map((l) => l.toFixed(2)).join(" ")} at the start (1/5/15 min; anything else running skews the figures)`);
  for (const [i, l] of formatLimits(r.limits).entries()) out.push(`${i ? "" : "limits"}`.padEnd(10) + l);
  out.push(`app saw   ${r.config.join("  ")}`);
  out.push(`load      ${r.connections} connections (one session each), ${r.warmup} s warm-up + ${r.seconds} s per target, run one after another`);
  out.push("");
  const cols = [
    ["", "exec", "health", "bare"],
    ["", "POST /api/v1/exec", "GET /api/health", "node:http+ioredis"],
    ["throughput (req/s)", ...r.figures.map((f) => Math.round(f.rps).toLocaleString("en-US"))],
    ["latency p50 (ms)", ...r.figures.map((f) => f.p50.toFixed(2))],
    ["latency p99 (ms)", ...r.figures.map((f) => f.p99.toFixed(2))],
    ["requests", ...r.figures.map((f) => f.requests.toLocaleString("en-US"))],
    ["errors / non-2xx", ...r.figures.map((f) => `${f.errors} / ${f.non2xx}${f.codes ? ` (${f.codes})` : ""}`)],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cols.map((row) => row[i].length)));
  for (const row of cols) out.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("   "));
  out.push("");
  const ratio = (a: Figure) => a.rps / bare.rps;
  out.push(`exec / bare     ${ratio(exec).toFixed(2)}×  (p50 ${(exec.p50 / bare.p50).toFixed(2)}×, p99 ${(exec.p99 / bare.p99).toFixed(2)}× the bare latency)`);
  out.push(
    `health / bare   ${ratio(health).toFixed(2)}×  (p50 ${(health.p50 / bare.p50).toFixed(2)}×, p99 ${(health.p99 / bare.p99).toFixed(2)}× the bare latency)`,
  );
  const clean = r.figures.every((f) => f.errors === 0 && f.non2xx === 0);
  const met = ratio(exec) >= TARGET && clean;
  out.push(
    `target          exec ≥ ${TARGET} × bare throughput: ${met ? "MET" : "NOT MET"} (${ratio(exec).toFixed(2)}×${clean ? "" : "; some requests failed, see errors / non-2xx"})`,
  );
  out.push("");
  if (r.sandbox) out.push(...formatSandboxCost(r.sandbox), "");
  if (r.sse) out.push(...formatSse(r.sse), "");
  if (r.big) out.push(...formatBigReply(r.big), "");
  out.push(
    r.leftover.length
      ? `✖ redis-server left behind:\n  ${r.leftover.join("\n  ")}`
      : "cleanup         the app, the bare server and the bench's redis-server are stopped",
  );
  out.push(`total time      ${r.elapsed.toFixed(1)} s`);
  console.log(out.join("\n"));
}
