import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";

/**
 * Replies Redis would build far beyond the visitor's data (the hostile
 * review: MGET of one 100 KB value a thousand times built 100 MB in Redis's
 * output buffer), and writes that grow a stream without being flagged as
 * writes that use memory. Defaults as shipped.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_KEYS: "100", PLAYGROUND_MAX_NAMESPACE_BYTES: "400000" });
const newSession = () => issueSession(rt.config.sessionSecret).session;
const big = "v".repeat(100_000);

describe("replies and growth that amplify what a visitor stored", () => {
  const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "amplification-admin");
  beforeAll(() => admin.waitReady());
  afterAll(() => admin.close());

  it("refuses MGET, HMGET and HRANDFIELD … WITHVALUES that repeat a big value, and runs the same reads once", async () => {
    const s = newSession();
    await execCommand(s, { argv: ["SET", "k", big] });
    await execCommand(s, { argv: ["HSET", "h", "f", big] });
    const mget = await execCommand(s, { argv: ["MGET", ...Array(1000).fill("k")] });
    expect(mget.text).toMatch(/^\(error\) ERR MGET would make Redis build a reply of about 100,016,000 bytes; the playground allows 8,388,608 bytes per reply/);
    const hmget = await execCommand(s, { argv: ["HMGET", "h", ...Array(1000).fill("f")] });
    expect(hmget.text).toMatch(/HMGET would make Redis build a reply of about [\d,]+ bytes/);
    const rand = await execCommand(s, { command: "HRANDFIELD h -1000 WITHVALUES" });
    expect(rand.text).toMatch(/HRANDFIELD would make Redis build a reply of about [\d,]+ bytes/);
    // Each value once, or a few times: as Redis answers.
    const ok = await execCommand(s, { argv: ["MGET", "k", "k", "missing"] });
    expect(ok.reply.t === "array" && ok.reply.v.map((r) => r.t)).toEqual(["bulk", "bulk", "nil"]);
    expect((await execCommand(s, { command: "HRANDFIELD h -5 WITHVALUES" })).reply.t).toBe("array");
    expect((await execCommand(s, { command: "HMGET h f f" })).reply.t).toBe("array");
  });

  it("counts a transaction's replies together: the GET that would pass 8 MiB is refused and EXEC discards", async () => {
    const s = newSession();
    await execCommand(s, { argv: ["SET", "k", big] });
    await execCommand(s, { command: "MULTI" }, { id: "tab" });
    let queued = 0;
    let refusal = "";
    for (let i = 0; i < 200; i++) {
      const r = await execCommand(s, { command: "GET k" }, { id: "tab" });
      if (r.reply.t === "error") {
        refusal = r.text;
        break;
      }
      queued++;
    }
    expect(refusal).toMatch(
      /This GET \(a reply of about [\d,]+ bytes\) would bring the transaction's replies to [\d,]+ bytes; the playground allows 8,388,608 bytes per EXEC/,
    );
    expect(queued).toBeGreaterThan(70);
    expect(queued).toBeLessThan(84);
    const exec = await execCommand(s, { command: "EXEC" }, { id: "tab" });
    expect(exec.text).toMatch(/^\(error\) EXECABORT Transaction discarded because of previous errors\. This GET/);
    // Writes inside MULTI do not count as reads.
    await execCommand(s, { command: "MULTI" }, { id: "tab" });
    for (let i = 0; i < 100; i++) expect((await execCommand(s, { command: `SET k ${i}` }, { id: "tab" })).text).toBe("QUEUED");
    expect((await execCommand(s, { command: "EXEC" }, { id: "tab" })).reply.t).toBe("array");
  });

  it("counts the consumers XCLAIM and XAUTOCLAIM create against the quota", async () => {
    const quota = useQuota();
    const s = newSession();
    const id = (await execCommand(s, { command: "XADD st * f v" })).reply;
    await execCommand(s, { command: "XGROUP CREATE st g 0" });
    await execCommand(s, { command: "XREADGROUP GROUP g first STREAMS st >" });
    // Each claim of the pending entry by a new name creates a consumer (a claim of nothing creates none).
    let refused = "";
    let made = 0;
    for (let i = 0; i < 800 && !refused; i++) {
      const cmd = i % 2 ? "XCLAIM" : "XAUTOCLAIM";
      const argv =
        cmd === "XCLAIM"
          ? ["XCLAIM", "st", "g", `${i}${"c".repeat(1000)}`, "0", id.t === "bulk" ? id.v : "0-1"]
          : ["XAUTOCLAIM", "st", "g", `${i}${"c".repeat(1000)}`, "0", "0"];
      const r = await execCommand(s, { argv });
      if (r.reply.t === "error") refused = r.text;
      else made++;
    }
    expect(refused).toMatch(/Your sandbox is full/);
    const info = await admin.send(["XINFO", "GROUPS", `${s.ns.prefix}st`]);
    const consumers =
      info.t === "array" && info.v[0].t === "array" ? info.v[0].v[info.v[0].v.findIndex((x) => x.t === "bulk" && x.v === "consumers") + 1] : null;
    expect(consumers?.t === "integer" && Number(consumers.v)).toBe(made + 1); // and "first"
    const mem = await admin.send(["MEMORY", "USAGE", `${s.ns.prefix}st`, "SAMPLES", "0"]);
    expect(mem.t === "integer" && Number(mem.v)).toBeLessThanOrEqual(quota * 1.1);
  });
});

/** The namespace quota this file runs with (PLAYGROUND_MAX_NAMESPACE_BYTES). */
function useQuota(): number {
  return rt.config.quota.maxBytes;
}

describe("the quota's measurement", () => {
  const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "amplification-admin-2");
  beforeAll(() => admin.waitReady());
  afterAll(() => admin.close());

  it("is exact: a hash whose first fields are tiny cannot hide big values from it", async () => {
    const s = newSession();
    // A hash table (fields past 64 bytes), then its first five fields in Redis's own order made tiny, the rest 10 KB.
    await execCommand(s, { argv: ["HSET", "h", ...Array.from({ length: 200 }, (_, i) => [`f${i}`, "m".repeat(70)]).flat()] });
    const order = await execCommand(s, { command: "HKEYS h" });
    const fields = order.reply.t === "array" ? order.reply.v.map((f) => (f.t === "bulk" ? f.v : "")) : [];
    for (const f of fields.slice(0, 5)) await execCommand(s, { argv: ["HSET", "h", f, "x"] });
    let refused = "";
    for (const f of fields.slice(5)) {
      const r = await execCommand(s, { argv: ["HSET", "h", f, "v".repeat(10_000)] });
      if (r.reply.t === "error") {
        refused = r.text;
        break;
      }
    }
    expect(refused).toMatch(/Your sandbox is full/);
    const mem = await admin.send(["MEMORY", "USAGE", `${s.ns.prefix}h`, "SAMPLES", "0"]);
    expect(mem.t === "integer" && Number(mem.v)).toBeLessThanOrEqual(useQuota() + 20_000);
  });
});
