import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { leaseKeyOf, NO_TX, nextTx, type TxState, txOfLease } from "./console-tx";

/**
 * The console's `redis(TX)>`: the state it reads from each reply (nextTx) must be
 * the state the server holds for the tab (its lease), line after line, through
 * every way a transaction opens, stays open or ends.
 */
const rt = useTestRuntime({ PLAYGROUND_LEASE_IDLE_SECONDS: "2" });
const newSession = () => issueSession(rt.config.sessionSecret).session;

/** Runs lines as one console tab, following the state as the console does; checks it against the lease after each. */
async function walk(lines: string[], tab = "tab1"): Promise<Array<{ line: string; text: string; tx: TxState }>> {
  const s = newSession();
  let tx = NO_TX;
  const out = [];
  for (const line of lines) {
    const r = await execCommand(s, { command: line }, { id: tab });
    const next = nextTx(tx, line, r.reply, r.notices);
    const server = txOfLease(rt.leases.get(leaseKeyOf(s, tab)));
    // Every reply in these walks tells: the console never has to ask the server (nextTx's null).
    expect(next, `after ${line} (${r.text})`).toEqual(server);
    tx = server;
    out.push({ line, text: r.text, tx });
  }
  return out;
}

describe("the console's transaction state", () => {
  it("finds the tab's lease under the key the route uses", async () => {
    const s = newSession();
    expect((await execCommand(s, { command: "MULTI" }, { id: "abc" })).text).toBe("OK");
    expect(txOfLease(rt.leases.get(leaseKeyOf(s, "abc")))).toEqual({ multi: true, watching: false, queued: 0 });
    expect(rt.leases.get(leaseKeyOf(s, "other"))).toBeUndefined();
    await execCommand(s, { command: "DISCARD" }, { id: "abc" });
    expect(rt.leases.get(leaseKeyOf(s, "abc"))).toBeUndefined();
  });

  it("follows MULTI, QUEUED, a nested MULTI, and EXEC with arguments (which Redis 7 answers with EXECABORT)", async () => {
    const steps = await walk(["PING", "MULTI", "SET a 1", "GET a", "MULTI", "EXEC now", "EXEC", "GET a"]);
    expect(steps.map((s) => s.tx.multi)).toEqual([false, true, true, true, true, false, false, false]);
    expect(steps[3].tx.queued).toBe(2);
    expect(steps[4].text).toBe("(error) ERR MULTI calls can not be nested");
    expect(steps[5].text).toMatch(/^\(error\) EXECABORT/);
    expect(steps[6].text).toBe("(error) ERR EXEC without MULTI");
  });

  it("follows WATCH, UNWATCH, DISCARD and EXEC with and without a MULTI", async () => {
    const steps = await walk([
      "WATCH a",
      "MULTI",
      "INCR a",
      "EXEC",
      "WATCH a",
      "UNWATCH",
      "DISCARD",
      "EXEC",
      "WATCH a",
      "EXEC",
      "MULTI",
      "DISCARD x",
      "WATCH b",
      "KEYS *",
      "DISCARD",
    ]);
    expect(steps.map((s) => [s.tx.multi, s.tx.watching])).toEqual([
      [false, true],
      [true, true],
      [true, true],
      [false, false],
      [false, true],
      [false, false],
      [false, false],
      [false, false],
      [false, true],
      [false, true],
      [true, true],
      [true, true],
      [true, true],
      [true, true],
      [false, false],
    ]);
  });

  it("drops an idle transaction when the server says it ended", async () => {
    const s = newSession();
    let tx = NO_TX;
    for (const line of ["MULTI", "SET a 1"]) {
      const r = await execCommand(s, { command: line }, { id: "idle" });
      tx = nextTx(tx, line, r.reply, r.notices) ?? tx;
    }
    expect(tx).toEqual({ multi: true, watching: false, queued: 1 });
    await new Promise((r) => setTimeout(r, 2300));
    const r = await execCommand(s, { command: "SET b 2" }, { id: "idle" });
    expect(r.text).toBe("OK");
    expect(nextTx(tx, "SET b 2", r.reply, r.notices)).toEqual(NO_TX);
    expect(txOfLease(rt.leases.get(leaseKeyOf(s, "idle")))).toEqual(NO_TX);
  });
});
