import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";

/**
 * Costs decided before a command runs (costs.ts): each family is estimated
 * from its keys' sizes and refused above the budget with the estimate, the
 * budget and what to do instead; a MULTI is held to the same budget in all,
 * and to a number and a size of queued commands. Default budgets
 * (PLAYGROUND_MAX_COMMAND_COST 50,000; 1,000 queued commands; 1 MiB queued).
 * fairness.test.ts shows what the budget buys: another visitor's PING under
 * 50 ms while one visitor loops the most expensive command it allows.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_NAMESPACE_BYTES: String(64 * 1024 * 1024), PLAYGROUND_MAX_KEYS: "100000" });
const newSession = () => issueSession(rt.config.sessionSecret).session;
const run = (s: Session, command: string, id?: string) => execCommand(s, { command }, { id });
const text = async (s: Session, command: string, id?: string) => (await run(s, command, id)).text;
const argv = (s: Session, args: string[], id?: string) => execCommand(s, { argv: args }, { id });
/** Builds big values fast (pipelined, as admin) where only their size matters. */
const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "costs-admin");
beforeAll(() => admin.waitReady());
afterAll(() => admin.close());

/** Fills a key with `n` elements, up to 1,000 arguments per command (the cap is 1,024). */
async function fill(s: Session, cmd: string, key: string, n: number, item: (i: number) => string[]): Promise<void> {
  const per = Math.floor(1000 / item(0).length);
  for (let i = 0; i < n; i += per) {
    const items = Array.from({ length: Math.min(per, n - i) }, (_, j) => item(i + j)).flat();
    const r = await argv(s, [cmd, key, ...items]);
    expect(r.reply.t, r.text).not.toBe("error");
  }
}

describe("costs decided before a command runs", () => {
  it("LCS: refused past the budget with its estimate, the budget and a hint; just under it runs", async () => {
    const s = newSession();
    await argv(s, ["SET", "a", "ab".repeat(250)]);
    await argv(s, ["SET", "b", "ba".repeat(250)]);
    expect(await text(s, "LCS a b LEN")).toBe(
      "(error) ERR LCS is estimated at 62,500 units of work (500 × 500 bytes); the playground allows 50,000 per command, so that every visitor's commands stay fast. " +
        "LCS fills a table of one cell per pair of bytes: compare shorter strings (GETRANGE can cut them).",
    );
    await argv(s, ["SET", "b", "ba".repeat(200)]);
    expect(await text(s, "LCS a b LEN")).toBe("(integer) 400");
  });

  it("LRANGE counts the elements in its range, not the list", async () => {
    const s = newSession();
    await fill(s, "RPUSH", "l", 60_000, (i) => [String(i)]);
    expect(await text(s, "LRANGE l 0 -1")).toMatch(
      /^\(error\) ERR LRANGE is estimated at 60,000 units of work \(60,000 elements\); .* Read a smaller range, e\.g\. LRANGE key 0 999\.$/,
    );
    expect((await run(s, "LRANGE l 0 49999")).reply.t).toBe("array");
    expect(await text(s, "LRANGE l -3 -1")).toBe('1) "59997"\n2) "59998"\n3) "59999"');
  });

  it("SORT counts N·log N comparisons, and ALPHA more; LIMIT does not help", async () => {
    const s = newSession();
    await fill(s, "RPUSH", "l", 14_000, (i) => [String((i * 7919) % 14_000)]);
    expect(await text(s, "SORT l LIMIT 0 10")).toMatch(/^\(error\) ERR SORT is estimated at [\d,]+ units of work \(14,000 elements, sorted as numbers\)/);
    await text(s, "LTRIM l 0 9999");
    expect((await run(s, "SORT l LIMIT 0 3")).text).toBe('1) "0"\n2) "1"\n3) "2"');
    expect(await text(s, "SORT l ALPHA LIMIT 0 3")).toMatch(/^\(error\) ERR SORT is estimated at [\d,]+ units of work \(10,000 elements, sorted as strings\)/);
    expect((await run(s, "SORT l BY nosort LIMIT 0 1")).reply.t).toBe("array");
  });

  it("SUNION and ZUNIONSTORE count their inputs, a key named twice twice", async () => {
    const s = newSession();
    await fill(s, "SADD", "s", 4_000, (i) => [`m${i}`]);
    expect((await run(s, "SUNION s s")).reply.t).toBe("array");
    expect(await text(s, "SUNION s s s s s s s s s")).toMatch(/^\(error\) ERR SUNION is estimated at 216,000 units of work \(9 sets, 36,000 elements\)/);
    await fill(s, "ZADD", "z", 4_000, (i) => [String(i), `m${i}`]);
    expect(await text(s, "ZUNIONSTORE out 2 z s")).toMatch(/^\(error\) ERR ZUNIONSTORE is estimated at [\d,]+ units of work \(2 keys, 8,000 elements\)/);
    expect(await text(s, "ZUNIONSTORE out 1 z")).toBe("(integer) 4000");
  });

  it("range reads on big values: HGETALL, SMEMBERS, XRANGE without COUNT, GEOSEARCH over many points", async () => {
    const s = newSession();
    await fill(s, "HSET", "h", 13_000, (i) => [`f${i}`, "v"]);
    expect(await text(s, "HGETALL h")).toMatch(/^\(error\) ERR HGETALL is estimated at 52,000 units .* Read it in pieces with HSCAN key 0 COUNT 100/);
    expect((await run(s, "HSCAN h 0 COUNT 100")).reply.t).toBe("array");
    expect(await text(s, "SMEMBERS h")).toBe("(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => admin.send(["XADD", `${s.ns.prefix}x`, `1-${i + 1}`, "f", "v"])));
    expect(await text(s, "XRANGE x - +")).toMatch(
      /^\(error\) ERR XRANGE is estimated at [\d,]+ units of work \(10,000 entries\); .* Read fewer entries at once: add COUNT, e\.g\. COUNT 100\.$/,
    );
    expect(await text(s, "XRANGE x - + COUNT 1")).toBe('1) 1) "1-1"\n   2) 1) "f"\n      2) "v"');
    expect(await text(s, "XREAD STREAMS x 0")).toMatch(/^\(error\) ERR XREAD is estimated at [\d,]+ units of work \(10,000 entries\)/);
    expect((await run(s, "XREAD COUNT 100 STREAMS x 0")).reply.t).toBe("array");
    await fill(s, "GEOADD", "g", 13_000, (i) => [String(13 + (i % 100) / 1000), String(52 + Math.floor(i / 100) / 1000), `p${i}`]);
    expect(await text(s, "GEOSEARCH g FROMLONLAT 13.05 52.05 BYRADIUS 1 km")).toMatch(
      /^\(error\) ERR GEOSEARCH is estimated at 52,000 units of work \(13,000 points\); .* Keep fewer points per key/,
    );
    await text(s, "ZREMRANGEBYRANK g 0 999");
    expect((await run(s, "GEOSEARCH g FROMLONLAT 13.05 52.05 BYRADIUS 1 km")).reply.t).toBe("array");
  });

  it("BITCOUNT and BITPOS count the bytes of their range (a budget lowered to 1,000 for this: strings stay under 1 MiB here)", async () => {
    const s = newSession();
    await admin.send(["SET", `${s.ns.prefix}bits`, new Uint8Array(1024 * 1024)]);
    process.env.PLAYGROUND_MAX_COMMAND_COST = "1000";
    try {
      expect(await text(s, "BITCOUNT bits")).toMatch(
        /^\(error\) ERR BITCOUNT is estimated at 3,146 units of work \(1,048,576 bytes\); the playground allows 1,000 per command.*\(BITCOUNT and BITPOS take start and end\)\.$/,
      );
      expect(await text(s, "BITCOUNT bits 0 99999")).toBe("(integer) 0");
      expect(await text(s, "BITCOUNT bits 0 799999 BIT")).toBe("(integer) 0");
      expect(await text(s, "BITCOUNT bits 0 -1 BIT")).toMatch(/^\(error\) ERR BITCOUNT is estimated at 3,146 units/);
      expect(await text(s, "BITPOS bits 1")).toMatch(/^\(error\) ERR BITPOS is estimated at 3,146 units/);
      expect(await text(s, "BITPOS bits 1 -1000")).toBe("(integer) -1");
    } finally {
      delete process.env.PLAYGROUND_MAX_COMMAND_COST;
    }
  });

  it("LOLWUT draws what fits the budget", async () => {
    const s = newSession();
    expect((await run(s, "LOLWUT VERSION 6")).reply.t).not.toBe("error");
    expect(await text(s, "LOLWUT VERSION 6 1000 1000")).toMatch(/^\(error\) ERR LOLWUT is estimated at 4,000,000 units of work \(1,000,000 cells\)/);
    expect(await text(s, "LOLWUT VERSION 5 1000 1 200")).toMatch(/^\(error\) ERR LOLWUT is estimated at [\d,]+ units of work \([\d,]+ pixels\)/);
    // VERSION is cast to an unsigned int by Redis: 2^32 + 6 draws version 6.
    expect(await text(s, "LOLWUT VERSION 4294967302 1000 1000")).toMatch(/^\(error\) ERR LOLWUT is estimated at 4,000,000 units/);
  });

  it("PFCOUNT and PFMERGE count their keys", async () => {
    const s = newSession();
    await text(s, "PFADD h a b c");
    const keys = Array(112).fill("h");
    expect((await argv(s, ["PFCOUNT", ...keys.slice(0, 111)])).text).toBe("(integer) 3");
    expect((await argv(s, ["PFCOUNT", ...keys])).text).toMatch(
      /^\(error\) ERR PFCOUNT is estimated at 50,400 units of work \(112 keys\); .* Count or merge fewer HyperLogLogs at once/,
    );
    expect((await argv(s, ["PFMERGE", "m", ...keys])).text).toMatch(/^\(error\) ERR PFMERGE is estimated at 50,850 units of work \(113 keys\)/);
  });
});

describe("a MULTI is held to the same budget in all", () => {
  it("a queued command that takes the transaction past the budget is refused, and EXEC discards it, saying why", async () => {
    const s = newSession();
    await argv(s, ["SET", "a", "x".repeat(400)]);
    await argv(s, ["SET", "b", "y".repeat(400)]);
    expect(await text(s, "MULTI", "tx")).toBe("OK");
    expect(await text(s, "LCS a b LEN", "tx")).toBe("QUEUED");
    expect(await text(s, "LCS a b LEN", "tx")).toBe(
      "(error) ERR This LCS (about 40,000 units of work) would bring the transaction to 80,000 units; the playground allows 50,000 per transaction, as for one command. " +
        "The transaction will be discarded at EXEC; run the heavy commands outside MULTI, or in several transactions.",
    );
    expect(await text(s, "EXEC", "tx")).toMatch(
      /^\(error\) EXECABORT Transaction discarded because of previous errors\. This LCS \(about 40,000 units of work\) would bring the transaction to 80,000 units/,
    );
    expect(rt.leases.get(`${s.id}/tx/${s.ns.prefix}`)).toBeUndefined();
  });

  it("a command on a key an earlier queued command fills is estimated with what it may hold by then", async () => {
    const s = newSession();
    await fill(s, "SADD", "s", 6_000, (i) => [`m${i}`]);
    expect(await text(s, "MULTI", "tx")).toBe("OK");
    expect(await text(s, "SUNIONSTORE big s", "tx")).toBe("QUEUED"); // 36,000
    expect(await text(s, "SMEMBERS big", "tx")).toMatch(
      /^\(error\) ERR This SMEMBERS \(about 24,000 units of work\) would bring the transaction to 60,000 units/,
    );
    expect(await text(s, "DISCARD", "tx")).toBe("OK");
  });

  it("caps the number of queued commands", async () => {
    const s = newSession();
    expect(await text(s, "MULTI", "tx")).toBe("OK");
    for (let i = 0; i < 1000; i++) expect(await text(s, "PING", "tx")).toBe("QUEUED");
    expect(await text(s, "PING", "tx")).toBe(
      "(error) ERR This transaction already queues 1,000 commands, the playground's limit for one MULTI; it will be discarded at EXEC. Split it into smaller transactions.",
    );
    expect(await text(s, "EXEC", "tx")).toMatch(
      /^\(error\) EXECABORT Transaction discarded because of previous errors\. This transaction already queues 1,000 commands/,
    );
  });

  it("caps the bytes of queued commands", async () => {
    const s = newSession();
    const big = "x".repeat(400 * 1024);
    expect(await text(s, "MULTI", "tx")).toBe("OK");
    expect((await argv(s, ["SET", "a", big], "tx")).text).toBe("QUEUED");
    expect((await argv(s, ["SET", "b", big], "tx")).text).toBe("QUEUED");
    expect((await argv(s, ["SET", "c", big], "tx")).text).toBe(
      "(error) ERR This SET would bring the transaction's queued arguments to 1,228,812 bytes; the playground allows 1,048,576 bytes per MULTI. The transaction will be discarded at EXEC; split it into smaller ones.",
    );
    expect((await run(s, "EXEC", "tx")).reply.t).toBe("error");
    expect(await text(s, "EXISTS a b c")).toBe("(integer) 0");
  });

  it("commands that fit run as one transaction", async () => {
    const s = newSession();
    await argv(s, ["SET", "a", "x".repeat(200)]);
    await argv(s, ["SET", "b", "y".repeat(200)]);
    expect(await text(s, "MULTI", "tx")).toBe("OK");
    for (let i = 0; i < 4; i++) expect(await text(s, "LCS a b LEN", "tx")).toBe("QUEUED"); // 10,000 each
    expect(await text(s, "EXEC", "tx")).toBe("1) (integer) 0\n2) (integer) 0\n3) (integer) 0\n4) (integer) 0");
  });
});

describe("XREAD and XREADGROUP count what they will read now", () => {
  it("$ reads nothing now; > reads the group's lag; an ID or 0 everything after it", async () => {
    const s = newSession();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => admin.send(["XADD", `${s.ns.prefix}x`, `1-${i + 1}`, "f", "v"])));
    expect(await text(s, "XREAD STREAMS x $")).toBe("(nil)");
    expect(await text(s, "XREAD STREAMS x 0")).toMatch(/^\(error\) ERR XREAD is estimated at [\d,]+ units of work \(10,000 entries\)/);
    // A group that knows how far it has read (ENTRIESREAD): its lag is what > reads.
    expect(await text(s, "XGROUP CREATE x g $ ENTRIESREAD 10000")).toBe("OK");
    for (let i = 0; i < 10; i++) await text(s, "XADD x * f v");
    expect((await run(s, "XREADGROUP GROUP g c STREAMS x >")).text).toMatch(/^1\) 1\) "x"/); // its lag: 10 new entries
    // Created at an arbitrary ID, Redis 7.0 cannot tell the lag: the whole stream counts, unless COUNT says less.
    expect(await text(s, "XGROUP CREATE x g2 1-9995")).toBe("OK");
    expect(await text(s, "XREADGROUP GROUP g2 c STREAMS x >")).toMatch(/^\(error\) ERR XREADGROUP is estimated at [\d,]+ units of work \(10,010 entries\)/);
    expect((await run(s, "XREADGROUP GROUP g2 c COUNT 10 STREAMS x >")).reply.t).toBe("array");
    expect(await text(s, "XGROUP CREATE x g0 0")).toBe("OK");
    expect(await text(s, "XREADGROUP GROUP g0 c STREAMS x >")).toMatch(/^\(error\) ERR XREADGROUP is estimated at [\d,]+ units of work \(10,010 entries\)/);
    expect((await run(s, "XREADGROUP GROUP g0 c COUNT 100 STREAMS x >")).reply.t).toBe("array");
  });
});
