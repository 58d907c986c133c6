"use server";

import { z } from "zod";
import { execCommand, resetNamespace, type ExecResult } from "@/lib/exec";
import { actionClient, actionSession } from "@/lib/next-session";
import { runtime } from "@/lib/runtime";
import { checkHealth } from "@/lib/health";
import { isSandboxError } from "@/lib/errors";
import type { CommandDoc } from "@/lib/command-docs";

export type ActionResult<T> = { ok: true; value: T } | { ok: false; unavailable: boolean; message: string };

async function guard<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (isSandboxError(e)) return { ok: false, unavailable: e.kind === "redis_unavailable", message: e.message };
    console.error("[action]", e);
    return { ok: false, unavailable: false, message: "Something went wrong on the server; your data is unchanged." };
  }
}

const Line = z.string().max(1024 * 1024, "The command line is longer than 1 MiB.");
const Tab = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "Invalid console tab id.");

/** Runs one command line; `tab` identifies the console tab, which has its own MULTI/WATCH. */
export async function runCommand(line: unknown, tab: unknown): Promise<ActionResult<ExecResult>> {
  const parsed = Line.safeParse(line);
  if (!parsed.success) return { ok: false, unavailable: false, message: parsed.error.issues[0].message };
  const tabId = Tab.safeParse(tab);
  if (!tabId.success) return { ok: false, unavailable: false, message: tabId.error.issues[0].message };
  return guard(async () => execCommand(await actionSession(), { command: parsed.data }, { ...(await actionClient()), id: tabId.data }));
}

export async function resetMyData(): Promise<ActionResult<number>> {
  return guard(async () => resetNamespace(await actionSession()));
}

export async function loadCommandDocs(): Promise<ActionResult<CommandDoc[]>> {
  return guard(() => runtime().commandDocs());
}

export async function redisStatus(): Promise<boolean> {
  return (await checkHealth()).redis === "ok";
}
