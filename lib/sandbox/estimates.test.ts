import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { explainZh } from "@/lib/i18n/playground-messages";

/**
 * Commands a hostile review found under-estimated (lib/sandbox/costs.ts):
 * SORT of long numbers (25 ms of Redis estimated as 3 µs), PUBSUB CHANNELS
 * with a slow pattern over long channel names (99 ms, no estimate at all),
 * and COMMAND, a 230 KB reply a MULTI repeated a hundred times (20 MB).
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_NAMESPACE_BYTES: String(32 * 1024 * 1024) });
const newSession = () => issueSession(rt.config.sessionSecret).session;

describe("estimates the review found missing", () => {
  it("counts every byte SORT reads, numbers included", async () => {
    const s = newSession();
    const long = `9007199254740993${"0".repeat(500_000)}e-500000`;
    for (let i = 0; i < 12; i++) await execCommand(s, { argv: ["RPUSH", "L", long] });
    const r = await execCommand(s, { command: "SORT L LIMIT 0 1" });
    expect(r.text).toMatch(/^\(error\) ERR SORT is estimated at [\d,]+ units of work \(12 elements, sorted as numbers\)/);
    // Short numbers sort as before.
    await execCommand(s, { command: "RPUSH n 3 1 2" });
    expect((await execCommand(s, { command: "SORT n" })).text).toBe('1) "1"\n2) "2"\n3) "3"');
  });

  it("estimates PUBSUB CHANNELS by the channels its pattern is matched against", async () => {
    const s = newSession();
    const hub = rt.hub();
    const listener = { onMessage() {} };
    const channels = Array.from({ length: 180 }, (_, i) => Buffer.from(`${s.ns.prefix}${String(i).padStart(4, "0")}${"a".repeat(1019)}`));
    await hub.add(listener, "channel", channels);
    try {
      const slow = await execCommand(s, { argv: ["PUBSUB", "CHANNELS", `*${"a".repeat(126)}b`] });
      expect(slow.text).toMatch(/^\(error\) ERR PUBSUB CHANNELS is estimated at [\d,]+ units of work \(180 of your channels matched, \d+ in all\)/);
      expect(explainZh(slow.text.replace(/^\(error\) /, ""))).toMatch(/要匹配你的 180 个频道/);
      const fast = await execCommand(s, { argv: ["PUBSUB", "CHANNELS", "0001*"] });
      expect(fast.reply.t === "array" && fast.reply.v.length).toBe(1);
    } finally {
      await hub.remove(listener);
    }
  });

  it("counts COMMAND's whole-table replies in a transaction, and answers one outside it", async () => {
    const s = newSession();
    expect((await execCommand(s, { command: "COMMAND" })).reply.t).toBe("array");
    await execCommand(s, { command: "MULTI" }, { id: "t" });
    const texts: string[] = [];
    for (let i = 0; i < 10; i++) texts.push((await execCommand(s, { command: "COMMAND" }, { id: "t" })).text);
    expect(texts.slice(0, 7)).toEqual(Array(7).fill("QUEUED"));
    expect(texts[7]).toMatch(/^\(error\) ERR This COMMAND \(about 7,000 units of work\) would bring the transaction to 56,000 units/);
    expect((await execCommand(s, { command: "EXEC" }, { id: "t" })).text).toMatch(/^\(error\) EXECABORT/);
    // By name: small, not estimated.
    expect((await execCommand(s, { command: "COMMAND INFO get" })).reply.t).toBe("array");
  });
});
