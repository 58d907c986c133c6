import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { runChecks } from "./checks";

/** An exercise check reads only as much of a value as it can need (a review echoed two 1 MB values back per check, 546 MB in 6 s). */
const rt = useTestRuntime();

describe("exercise checks", () => {
  it("read the first 256 bytes of a long value and say how long it is", async () => {
    await rt.conn.waitReady();
    const { session } = issueSession(rt.config.sessionSecret);
    await execCommand(session, { argv: ["SET", "balance:alice", "9".repeat(500_000)] });
    const problems = await runChecks(rt.scoped(session.ns), session.ns, [
      { key: "balance:alice", equals: "90" },
      { key: "balance:alice", integer: { gte: 0 } },
    ]);
    const got = problems.map((p) => ("got" in p ? String(p.got) : ""));
    expect(got[0]).toBe(`${"9".repeat(256)}… (500,000 bytes)`);
    expect(problems.map((p) => p.kind)).toEqual(["notEquals", "notInteger"]);
    await execCommand(session, { command: "SET balance:alice 90" });
    expect(await runChecks(rt.scoped(session.ns), session.ns, [{ key: "balance:alice", equals: "90", integer: { gte: 0 } }])).toEqual([]);
  });
});
