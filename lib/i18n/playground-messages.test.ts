import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { isSandboxError } from "@/lib/errors";
import { explainZh } from "./playground-messages";

/**
 * Every refusal, limit and notice the playground itself produces has a
 * Chinese explanation: each is triggered here against the test Redis, and
 * its text must be found in the table. Redis's own errors are left alone.
 */
const rt = useTestRuntime({
  PLAYGROUND_MAX_ARGS: "40",
  PLAYGROUND_MAX_ARG_BYTES: "1000",
  PLAYGROUND_MAX_COMMAND_BYTES: "2000",
  PLAYGROUND_MAX_STRING_BYTES: "65536",
  PLAYGROUND_MAX_REPLY_ITEMS: "10",
  PLAYGROUND_MAX_BLOCK_SECONDS: "1",
  PLAYGROUND_MAX_KEYS: "3",
});

const LINES = [
  "AUTH default x", "HELLO 3", "RESET", "SELECT 1", "MOVE k 1", "SWAPDB 0 1", "MIGRATE h 1 k 0 10", "WAIT 0 0", "QUIT",
  "RESTORE k 0 x", "PUBSUB NUMPAT", "MEMORY DOCTOR", "MEMORY STATS", "MEMORY MALLOC-STATS", "MEMORY PURGE",
  "EVAL \"return 1\" 0", "CONFIG GET maxmemory", "SUBSCRIBE news", "CLIENT LIST", "CLIENT ID", "COPY a b DB 1",
  "GEORADIUS g 15 37 200 km STORE a STORE b", "SORT l BY w_*", "SORT l GET h_*", "SETRANGE s 100000 x",
  "SRANDMEMBER s -100", "BLPOP q abc", "PING a b c " + "x ".repeat(40), `ECHO ${"x".repeat(1500)}`,
  `ECHO "${"y".repeat(2100)}"`, "HELP NOSUCHCOMMAND", "",
  "ZUNIONSTORE out 0 a",
];

describe("the playground's own messages, explained in 中文", () => {
  it("explains every refusal and limit", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const missing: string[] = [];
    const inputs = [...LINES.map((command) => ({ command })), { argv: ["MSET", "a", "b".repeat(900), "c", "d".repeat(900), "e", "f".repeat(900)] }];
    for (const input of inputs) {
      const line = "command" in input ? input.command : input.argv.join(" ");
      const r = await execCommand(session, input);
      expect(r.reply.t, line).toBe("error");
      if (!explainZh(r.text)) missing.push(`${line.slice(0, 40)} → ${r.text.slice(0, 120)}`);
    }
    expect(missing).toEqual([]);
  });

  it("explains notices: a capped timeout, a cut reply, a full sandbox, an answer inside MULTI", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const capped = await execCommand(session, { command: "BLPOP q 0" });
    expect(explainZh(capped.notice ?? "")).toMatch(/被限制为 1 秒/);
    await execCommand(session, { command: "RPUSH big 1 2 3 4 5 6 7 8 9 10 11 12" });
    const cut = await execCommand(session, { command: "LRANGE big 0 -1" });
    expect(explainZh(cut.notice ?? "")).toMatch(/回复已截断/);
    const { session: filler } = issueSession(rt.config.sessionSecret);
    await execCommand(filler, { command: "MSET k1 1 k2 2 k3 3" });
    let full = await execCommand(filler, { command: "SET k4 4" });
    // The quota is measured at most every 2 s: the next writes past it are refused.
    for (let i = 5; full.reply.t !== "error" && i < 12; i++) {
      await new Promise((r) => setTimeout(r, 500));
      full = await execCommand(filler, { command: `SET k${i} ${i}` });
    }
    expect(explainZh(full.text), full.text).toMatch(/沙箱满了/);
    await execCommand(filler, { command: "FLUSHDB" });
    await execCommand(session, { command: "MULTI" }, { id: "tx" });
    const queued = await execCommand(session, { command: "DBSIZE" }, { id: "tx" });
    expect(explainZh(queued.text), queued.text).toMatch(/不能放进 MULTI/);
    await execCommand(session, { command: "DISCARD" }, { id: "tx" });
    await execCommand(session, { command: "FLUSHDB" });
  });

  it("explains the rate limit, and leaves Redis's own errors to Redis", async () => {
    expect(explainZh("Too many commands: the playground allows 200 per second per visitor. Wait a second and try again.")).toMatch(/每秒 200 条/);
    const { session } = issueSession(rt.config.sessionSecret);
    await execCommand(session, { command: "SET s text" });
    const redisOwn = await execCommand(session, { command: "INCR s" });
    expect(redisOwn.text).toBe("(error) ERR value is not an integer or out of range");
    expect(explainZh(redisOwn.text)).toBeNull();
    try {
      await execCommand(session, { command: "PING" });
    } catch (e) {
      if (isSandboxError(e)) expect(explainZh(e.message)).not.toBeNull();
    }
  });
});
