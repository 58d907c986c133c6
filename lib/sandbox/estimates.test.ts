import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { problemText } from "@/lib/i18n/problems";
import type { ExecResult } from "@/lib/exec";

const zhOf = (r: ExecResult) => (r.reply.t === "error" && r.reply.problem ? problemText(r.reply.problem, "zh") : null);

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
      expect(zhOf(slow)).toMatch(/要匹配你的 180 个频道/);
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

describe("estimates the third review found fooled by a sample", () => {
  /** A hash whose few big values a five-element sample misses: 300 one-byte fields, then 16 of 400 KB. */
  async function trickHash(s: ReturnType<typeof newSession>): Promise<void> {
    await execCommand(s, { argv: ["HSET", "h", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, "x"]).flat()] });
    for (let i = 0; i < 16; i++) await execCommand(s, { argv: ["HSET", "h", `big${i}`, "v".repeat(400_000)] });
  }

  it("COPY counts the source's exact memory: forty of them in one MULTI no longer pass the quota", async () => {
    const s = newSession();
    await trickHash(s);
    await execCommand(s, { command: "MULTI" }, { id: "t" });
    const texts: string[] = [];
    for (let i = 0; i < 40; i++) texts.push((await execCommand(s, { command: `COPY h c${i}` }, { id: "t" })).text);
    const exec = await execCommand(s, { command: "EXEC" }, { id: "t" });
    expect(texts.some((t) => /Your sandbox is full/.test(t)) || /Your sandbox is full/.test(exec.text)).toBe(true);
    const keys = await execCommand(s, { command: "DBSIZE" });
    expect(keys.text).toBe("(integer) 1"); // the transaction was discarded whole
  });

  it("HRANDFIELD with a negative count is estimated from the hash's exact memory", async () => {
    const s = newSession();
    await trickHash(s);
    const r = await execCommand(s, { command: "HRANDFIELD h -1000 WITHVALUES" });
    expect(r.text).toMatch(/HRANDFIELD would make Redis build a reply of about [\d,]+ bytes/);
  });

  it("ZSCAN … MATCH counts every name as long as allowed, whatever the members' average", async () => {
    const s = newSession();
    await execCommand(s, { argv: ["ZADD", "z", ...["a", "b", "c", "d", "e", "f", "g"].flatMap((m) => ["0", m])] });
    for (let i = 0; i < 1000; i += 100) {
      await execCommand(s, {
        argv: ["ZADD", "z", ...Array.from({ length: 100 }, (_, j) => ["1", `${String(i + j).padStart(4, "0")}${"a".repeat(1020)}`]).flat()],
      });
    }
    const r = await execCommand(s, { argv: ["ZSCAN", "z", "0", "MATCH", `*${"?".repeat(126)}b`, "COUNT", "50"] });
    expect(r.text).toMatch(/^\(error\) ERR ZSCAN is estimated at [\d,]+ units of work/);
  });

  it("PUBLISH counts the message once per subscription it reaches: the channel and the sandbox's patterns", async () => {
    const s = newSession();
    const hub = rt.hub();
    const listener = { onMessage() {} };
    await hub.add(
      listener,
      "pattern",
      Array.from({ length: 100 }, (_, i) => Buffer.from(`${s.ns.prefix}c${"*".repeat(i + 1)}`)),
      s.ns.prefix,
    );
    try {
      const big = await execCommand(s, { argv: ["PUBLISH", "c", "x".repeat(512 * 1024)] });
      expect(big.text).toMatch(/^\(error\) ERR PUBLISH is estimated at [\d,]+ units of work \(524,288 bytes to 101 subscriptions\)/);
      expect(zhOf(big)).toMatch(/524,288 字节，发往 101 个订阅/);
      expect((await execCommand(s, { argv: ["PUBLISH", "c", "short"] })).reply.t).toBe("integer");
    } finally {
      await hub.remove(listener);
    }
  });

  it("measures a full sandbox again at most every 250 ms, whatever it deletes in between", async () => {
    const s = newSession();
    // Full: 400 KB values until the quota (32 MiB in this file) refuses one.
    for (let i = 0; i < 100; i++) if ((await execCommand(s, { argv: ["SET", `k${i}`, "v".repeat(400_000)] })).reply.t === "error") break;
    const t0 = performance.now();
    let refused = 0;
    for (let i = 0; i < 8; i++) {
      await execCommand(s, { command: "DEL nothing" });
      if ((await execCommand(s, { argv: ["SET", "big", "v".repeat(400_000)] })).reply.t === "error") refused++;
    }
    expect(refused).toBe(8);
    // Each refusal after a delete waits for the next measurement slot (before: measured at once, every time, for free).
    expect(performance.now() - t0).toBeGreaterThan(7 * 250);
  });
});
