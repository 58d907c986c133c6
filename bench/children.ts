/**
 * Child processes for the bench: spawned with an IPC channel (so a child
 * notices when the bench goes away, even by SIGKILL), ready when the child
 * sends {ready: true}, and all stopped by stopAll() — on a normal end, on an
 * error, and on Ctrl-C / SIGTERM / SIGHUP.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface Child<M> {
  name: string;
  proc: ChildProcess;
  msg: M;
  stop(): Promise<void>;
}

const live = new Set<Child<unknown>>();

export async function startChild<M>(name: string, file: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Child<M>> {
  const proc = spawn(process.execPath, ["--import", "tsx", file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${d}`);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);

  let exited = false;
  const exitedP = new Promise<void>((resolve) => proc.once("exit", () => ((exited = true), resolve())));
  const child: Child<M> = {
    name,
    proc,
    msg: undefined as M,
    stop: async () => {
      live.delete(child as Child<unknown>);
      if (exited) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exitedP;
      clearTimeout(t);
    },
  };
  live.add(child as Child<unknown>);

  child.msg = await new Promise<M>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ready after ${timeoutMs / 1000} s.\n${output}`)), timeoutMs);
    proc.on("message", (m: { ready?: boolean }) => {
      if (m?.ready) {
        clearTimeout(timer);
        resolve(m as M);
      }
    });
    proc.once("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${sig ?? code}) before it was ready.\n${output}`));
    });
  });
  proc.once("exit", (code, sig) => {
    if (live.has(child as Child<unknown>)) console.error(`\n✖ ${name} exited unexpectedly (${sig ?? code}).\n${output}`);
  });
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** Stops every child on Ctrl-C and friends, then exits; and SIGTERMs leftovers on any exit. */
export function installCleanup(onSignal?: () => void): void {
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      onSignal?.();
      console.error(`\n▸ ${sig}: stopping the bench servers…`);
      const force = setTimeout(() => process.exit(130), 15_000);
      force.unref();
      void stopAll().finally(() => process.exit(130));
    });
  }
  process.on("exit", () => {
    for (const c of live) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGTERM");
  });
}
