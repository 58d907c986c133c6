import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { reapIdleNamespaces, touchNamespace } from "@/lib/reaper";

const rt = useTestRuntime({
  PLAYGROUND_MAX_KEYS: "20",
  PLAYGROUND_MAX_NAMESPACE_BYTES: "200000",
  PLAYGROUND_MAX_STRING_BYTES: "65536",
  PLAYGROUND_MAX_REPLY_ITEMS: "100",
  PLAYGROUND_NAMESPACE_IDLE_SECONDS: "1",
});
const newSession = () => issueSession(rt.config.sessionSecret).session;
const run = (s: Session, command: string) => execCommand(s, { command });
const text = async (s: Session, command: string) => (await run(s, command)).text;

describe("limits, shown with their numbers when they bite", () => {
  it("caps SETRANGE, SETBIT and BITFIELD offsets", async () => {
    const s = newSession();
    expect(await text(s, "SETRANGE k 100000 x")).toBe(
      "(error) ERR SETRANGE would grow the string to 100,001 bytes; the playground's limit is 65,536 bytes per string.",
    );
    expect(await text(s, "SETBIT b 4294967295 1")).toMatch(/^\(error\) ERR SETBIT would grow the string to 536,870,912 bytes/);
    expect(await text(s, "BITFIELD f SET u8 #100000 1")).toMatch(/^\(error\) ERR BITFIELD would grow the string/);
    expect(await text(s, "EXISTS k b f")).toBe("(integer) 0");
    expect(await text(s, "SETRANGE k 10 x")).toBe("(integer) 11");
    expect(await text(s, "SETBIT b 7 1")).toBe("(integer) 0");
  });

  it("refuses new writes once a namespace has its maximum of keys, until some are deleted", async () => {
    const s = newSession();
    const args = Array.from({ length: 20 }, (_, i) => `k${i} v`).join(" ");
    expect(await text(s, `MSET ${args}`)).toBe("OK");
    expect(await text(s, "SET one-more v")).toMatch(
      /^\(error\) ERR Your sandbox is full: 20 keys using [\d.]+ KB, and this SET would add up to 1 key and 0\.1 KB; the playground allows 20 keys and 195\.3 KB per visitor\. Delete some keys/,
    );
    expect(await text(s, "SET k0 overwritten")).toBe("OK"); // an existing key is no new key
    expect(await text(s, "GET k1")).toBe('"v"'); // reads still work
    expect(await text(s, "DEL k1 k2")).toBe("(integer) 2");
    expect(await text(s, "SET one-more v")).toBe("OK");
  });

  it("refuses a write that would take the namespace past its memory, before it runs", async () => {
    const s = newSession();
    const big = "x".repeat(50_000);
    for (let i = 0; i < 3; i++) expect(await text(s, `SET big${i} ${big}`)).toBe("OK");
    // 3 × 56 KB in use; another 50,000-byte value may take up to 61 KB (jemalloc rounds up by up to a quarter), past 195.3 KB.
    expect(await text(s, `SET big3 ${big}`)).toBe(
      "(error) ERR Your sandbox is full: 3 keys using 168.2 KB, and this SET would add up to 1 key and 61.1 KB; the playground allows 20 keys and 195.3 KB per visitor. Delete some keys (DEL, or FLUSHDB for all of yours) and try again.",
    );
    expect(await text(s, "SET small y")).toBe("OK");
    expect(await text(s, "DEL big0")).toBe("(integer) 1");
    expect(await text(s, `SET big3 ${big}`)).toBe("OK");
  });

  it("cuts long replies with … N more and says so", async () => {
    const s = newSession();
    await text(s, `RPUSH long ${Array.from({ length: 150 }, (_, i) => i).join(" ")}`);
    const r = await run(s, "LRANGE long 0 -1");
    expect(r.text.split("\n").slice(-2)).toEqual(['100) "99"', "… 50 more"]);
    expect(r.notice).toBe("The reply was cut to 100 elements and 1048576 bytes for the browser.");
  });

  it("caps the total size of a command's arguments", async () => {
    const s = newSession();
    const r = await execCommand(s, { argv: ["MSET", ...Array.from({ length: 6 }, (_, i) => [`k${i}`, "x".repeat(200_000)]).flat()] });
    expect(r.text).toMatch(/^\(error\) ERR The command's arguments add up to 1200\d+ bytes; the playground's limit is 1048576 bytes\.$/);
  });

  it("the reaper deletes namespaces idle longer than the limit, and only those", async () => {
    const idle = newSession();
    const busy = newSession();
    await text(idle, "SET a 1");
    await text(busy, "SET b 2");
    touchNamespace(rt, idle.id);
    await new Promise((r) => setTimeout(r, 1100));
    await rt.appConn.send(["ZADD", "app:active", String(Date.now()), busy.id]);
    const reaped = await reapIdleNamespaces(rt);
    expect(reaped).toBeGreaterThanOrEqual(1);
    expect(await text(idle, "DBSIZE")).toBe("(integer) 0");
    expect(await text(busy, "GET b")).toBe('"2"');
  });
});

describe("one command cannot make Redis allocate without bound", () => {
  it.each(["SRANDMEMBER s -9223372036854775807", "HRANDFIELD h -1000000 WITHVALUES", "ZRANDMEMBER z -101"])("%s is refused", async (line) => {
    const s = newSession();
    expect(await text(s, line)).toMatch(/^\(error\) ERR \w+ with count -\d+ would return \d+ elements; the playground allows a count down to -100\.$/);
  });
  it.each(["BLPOP k 0x0p0", "BLPOP k inf", "BZPOPMIN z 1e400", "XREAD BLOCK 0x10 STREAMS s $"])(
    "a timeout Redis reads but the cap cannot (%s) is refused",
    async (line) => {
      const s = newSession();
      const t0 = performance.now();
      expect(await text(s, line)).toMatch(/^\(error\) ERR The playground needs \w+'s timeout as a plain number/);
      expect(performance.now() - t0).toBeLessThan(500);
    },
  );
});
