import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CORPUS } from "@/test/cli-corpus";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { formatReply } from "@/lib/cli/format-reply";
import type { Reply } from "@/lib/resp/reply";

/** The real redis-cli, fed one session of lines on stdin, formatted for a terminal. */
function redisCli(lines: string[]): string {
  const r = spawnSync(
    "redis-cli",
    ["-p", String(inject("scratchPort")), "--user", "admin", "--pass", inject("scratchPassword"), "--no-auth-warning", "--no-raw"],
    { input: `${lines.join("\n")}\n`, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`redis-cli failed: ${r.stderr}`);
  return r.stdout;
}

describe("the app prints exactly what redis-cli prints", () => {
  const rt = useTestRuntime();
  const { session } = issueSession(rt.config.sessionSecret);

  beforeAll(async () => {
    await rt.conn.waitReady();
    redisCli(["FLUSHDB"]);
  });

  it(`has at least 80 commands covering every RESP2 reply type`, () => {
    const count = CORPUS.reduce((n, e) => n + (typeof e === "string" ? 1 : e.group.length), 0);
    expect(count).toBeGreaterThanOrEqual(80);
  });

  it("diffs the whole corpus: the diff is empty", async () => {
    const seen = new Set<string>();
    const mismatches: string[] = [];
    for (const entry of CORPUS) {
      const lines = typeof entry === "string" ? [entry] : entry.group;
      const expected = redisCli(lines);
      let actual = "";
      for (const line of lines) {
        const reply: Reply = (await execCommand(session, { command: line }, { id: "corpus" })).reply;
        seen.add(reply.t);
        if (reply.t === "array") for (const x of reply.v) seen.add(x.t);
        actual += formatReply(reply);
      }
      if (actual !== expected) mismatches.push(`${lines.join(" / ")}\n--- redis-cli\n${expected}--- app\n${actual}`);
    }
    expect(mismatches.join("\n")).toBe("");
    expect([...seen].sort()).toEqual(["array", "bulk", "error", "integer", "nil", "status"]);
  });
});
