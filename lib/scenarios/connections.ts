import { z } from "zod";
import type { ScenarioEnv } from "./scenario";
import { SandboxedClient, prepare } from "./client";

/**
 * A new connection per command against one reused connection (what a pool
 * gives you), measured on this server: every new connection pays a TCP
 * handshake and AUTH before its command. Real connections, as the sandbox
 * user, one at a time; the commands are INCRs in the visitor's namespace.
 */
export const ConnectionsOptions = z.object({ commands: z.number().int().min(10).max(500).default(200).describe("commands in each half") }).strict();
export type ConnectionsOptions = z.infer<typeof ConnectionsOptions>;

export async function runConnections(env: ScenarioEnv, o: ConnectionsOptions): Promise<void> {
  const { emit, signal } = env;
  const key = "conn:demo";
  const t0 = performance.now();
  const step = Math.max(1, Math.floor(o.commands / 20));
  const results: Record<string, number> = {};
  let opened = 0;

  const shared = new SandboxedClient(env.ctx, "client", emit);
  await shared.call(["DEL", key]);
  for (const phase of ["new connection each time", "one pooled connection"] as const) {
    const start = performance.now();
    const pooled = phase === "one pooled connection" ? await env.openConn("playground-scenario-pooled") : null;
    if (pooled) opened++;
    for (let i = 0; i < o.commands && !signal.aborted; i++) {
      const conn = pooled ?? (await env.openConn(`playground-scenario-conn-${i}`));
      if (!pooled) opened++;
      const client = new SandboxedClient(env.ctx, pooled ? "pooled" : `connection ${i + 1}`, emit, conn, i >= 2);
      const incr = await prepare(client, ["INCR", key]);
      client.show(["INCR", key], await incr());
      if (!pooled) conn.close();
      if ((i + 1) % step === 0 || i + 1 === o.commands) emit({ type: "progress", done: i + 1, total: o.commands, phase });
    }
    pooled?.close();
    if (signal.aborted) return emit({ type: "end", reason: "cancelled", summary: {} });
    results[phase] = performance.now() - start;
    emit({ type: "measure", name: phase, value: round(results[phase]), unit: "ms" });
  }
  await shared.call(["GET", key]);
  const fresh = results["new connection each time"];
  const pooled = results["one pooled connection"];
  emit({
    type: "end",
    reason: "done",
    summary: {
      commands: o.commands,
      newConnectionMs: round(fresh),
      pooledMs: round(pooled),
      ratio: round(fresh / Math.max(pooled, 0.001)),
      opened,
      ms: round(performance.now() - t0),
    },
  });
}

const round = (x: number) => Math.round(x * 100) / 100;
