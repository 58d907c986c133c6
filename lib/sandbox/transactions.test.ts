import { afterAll, describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand, type ExecClient } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";

const rt = useTestRuntime({
  PLAYGROUND_MAX_LEASES: "6",
  PLAYGROUND_LEASES_PER_SESSION: "3",
  PLAYGROUND_LEASE_IDLE_SECONDS: "1",
  PLAYGROUND_MAX_BLOCK_SECONDS: "1",
});
afterAll(() => {
  for (const k of ["PLAYGROUND_MAX_LEASES", "PLAYGROUND_LEASES_PER_SESSION", "PLAYGROUND_LEASE_IDLE_SECONDS", "PLAYGROUND_MAX_BLOCK_SECONDS"])
    delete process.env[k];
});

const newSession = () => issueSession(rt.config.sessionSecret).session;
const tab = (id: string): ExecClient => ({ id });
const run = async (s: Session, command: string, client: ExecClient = {}) => (await execCommand(s, { command }, client)).text;

describe("transactions run for real, on a connection leased to the tab", () => {
  it("queues commands and EXEC returns their replies", async () => {
    const s = newSession();
    expect(await run(s, "MULTI")).toBe("OK");
    expect(await run(s, "SET t 1")).toBe("QUEUED");
    expect(await run(s, "INCR t")).toBe("QUEUED");
    expect(await run(s, "GET t")).toBe("QUEUED");
    expect(await run(s, "EXEC")).toBe('1) OK\n2) (integer) 2\n3) "2"');
    expect(await run(s, "GET t")).toBe('"2"');
    expect(rt.leases.stats().leases).toBe(0);
  });

  it("shows the prompt's own MULTI state only to its tab", async () => {
    const s = newSession();
    expect(await run(s, "MULTI", tab("a"))).toBe("OK");
    expect(await run(s, "SET x 1", tab("a"))).toBe("QUEUED");
    expect(await run(s, "GET x", tab("b"))).toBe("(nil)"); // another tab is another client
    expect(await run(s, "EXEC", tab("a"))).toBe("1) OK");
    expect(await run(s, "GET x", tab("b"))).toBe('"1"');
  });

  it("WATCH: a change from another tab makes EXEC return nil", async () => {
    const s = newSession();
    await run(s, "SET balance 100");
    expect(await run(s, "WATCH balance", tab("a"))).toBe("OK");
    expect(await run(s, "MULTI", tab("a"))).toBe("OK");
    expect(await run(s, "DECRBY balance 30", tab("a"))).toBe("QUEUED");
    expect(await run(s, "SET balance 0", tab("b"))).toBe("OK");
    expect(await run(s, "EXEC", tab("a"))).toBe("(nil)");
    expect(await run(s, "GET balance")).toBe('"0"');
  });

  it("WATCH without a change lets EXEC through, and UNWATCH releases the lease", async () => {
    const s = newSession();
    await run(s, "SET k v");
    expect(await run(s, "WATCH k")).toBe("OK");
    expect(rt.leases.stats().leases).toBe(1);
    expect(await run(s, "UNWATCH")).toBe("OK");
    expect(rt.leases.stats().leases).toBe(0);
    await run(s, "WATCH k");
    await run(s, "MULTI");
    await run(s, "APPEND k !");
    expect(await run(s, "EXEC")).toBe("1) (integer) 2");
  });

  it("an error inside EXEC does not roll back the others", async () => {
    const s = newSession();
    await run(s, "SET name ann");
    await run(s, "MULTI");
    await run(s, "SET a 1");
    await run(s, "INCR name");
    await run(s, "SET b 2");
    expect(await run(s, "EXEC")).toBe("1) OK\n2) (error) ERR value is not an integer or out of range\n3) OK");
    expect(await run(s, "MGET a b")).toBe('1) "1"\n2) "2"');
  });

  it("a command the playground refuses inside MULTI aborts EXEC, as Redis does for a bad command", async () => {
    const s = newSession();
    await run(s, "MULTI");
    await run(s, "SET a 1");
    expect(await run(s, "CONFIG GET maxmemory")).toMatch(/^\(error\) ERR/);
    expect(await run(s, "KEYS *")).toMatch(/cannot be queued inside MULTI/);
    expect(await run(s, "EXEC")).toBe("(error) EXECABORT Transaction discarded because of previous errors.");
    expect(await run(s, "GET a")).toBe("(nil)");
  });

  it("DISCARD, and EXEC/DISCARD without MULTI, answer as Redis does", async () => {
    const s = newSession();
    expect(await run(s, "EXEC")).toBe("(error) ERR EXEC without MULTI");
    expect(await run(s, "DISCARD")).toBe("(error) ERR DISCARD without MULTI");
    await run(s, "MULTI");
    await run(s, "SET gone 1");
    expect(await run(s, "DISCARD")).toBe("OK");
    expect(await run(s, "GET gone")).toBe("(nil)");
    expect(await run(s, "MULTI")).toBe("OK");
    expect(await run(s, "MULTI")).toBe("(error) ERR MULTI calls can not be nested");
    expect(await run(s, "DISCARD")).toBe("OK");
  });

  it("un-rewrites key names inside EXEC's reply", async () => {
    const s = newSession();
    await run(s, "RPUSH jobs a b");
    await run(s, "MULTI");
    await run(s, "LMPOP 1 jobs LEFT");
    expect(await run(s, "EXEC")).toBe('1) 1) "jobs"\n   2) 1) "a"');
  });

  it("an idle transaction is discarded and the tab is told why", async () => {
    const s = newSession();
    await run(s, "MULTI");
    await run(s, "SET late 1");
    await new Promise((r) => setTimeout(r, 1400));
    expect(rt.leases.stats().leases).toBe(0);
    expect(await run(s, "EXEC")).toMatch(/^\(error\) ERR EXEC without MULTI\. Your MULTI was discarded after 1 s without a command/);
    expect(await run(s, "GET late")).toBe("(nil)");
  });

  it("limits open transactions per session and in all, with a clear message", async () => {
    const s = newSession();
    for (const t of ["1", "2", "3"]) expect(await run(s, "MULTI", tab(t))).toBe("OK");
    await expect(run(s, "MULTI", tab("4"))).rejects.toThrow(/You already have 3 transactions open/);
    const others = [newSession(), newSession()];
    await run(others[0], "MULTI");
    await run(others[0], "MULTI", tab("x"));
    await run(others[1], "MULTI");
    await expect(run(others[1], "MULTI", tab("y"))).rejects.toThrow(/all 6 dedicated connections .* are in use/);
    for (const t of ["1", "2", "3"]) await run(s, "DISCARD", tab(t));
    await run(others[0], "DISCARD");
    await run(others[0], "DISCARD", tab("x"));
    await run(others[1], "DISCARD");
    expect(rt.leases.stats().leases).toBe(0);
  });
});

describe("blocking commands borrow a connection, with a capped timeout", () => {
  it("BLPOP 0 is capped, says so, and does not stall anyone else", async () => {
    const s = newSession();
    const other = newSession();
    const t0 = performance.now();
    const blocked = execCommand(s, { command: "BLPOP empty 0" });
    const ping0 = performance.now();
    expect(await run(other, "PING")).toBe("PONG");
    expect(performance.now() - ping0).toBeLessThan(50);
    const r = await blocked;
    expect(r.text).toBe("(nil)");
    expect(r.notice).toBe("BLPOP's timeout 0 (forever) was capped at 1 s in the playground.");
    expect(performance.now() - t0).toBeGreaterThan(900);
  });

  it("BLPOP returns what another tab pushes, with the plain key name", async () => {
    const s = newSession();
    const blocked = execCommand(s, { command: "BLPOP queue 1" }, tab("worker"));
    await new Promise((r) => setTimeout(r, 100));
    expect(await run(s, "LPUSH queue job-1", tab("master"))).toBe("(integer) 1");
    expect((await blocked).text).toBe('1) "queue"\n2) "job-1"');
  });

  it("XREAD BLOCK and BLMPOP work and name plain keys", async () => {
    const s = newSession();
    await run(s, "XADD s 1-1 f v");
    expect(await run(s, "XREAD BLOCK 100 STREAMS s 0")).toBe('1) 1) "s"\n   2) 1) 1) "1-1"\n         2) 1) "f"\n            2) "v"');
    await run(s, "RPUSH l x");
    expect(await run(s, "BLMPOP 1 2 nope l LEFT")).toBe('1) "l"\n2) 1) "x"');
    const r = await execCommand(s, { command: "XREAD BLOCK 0 STREAMS s $" });
    expect(r.text).toBe("(nil)");
    expect(r.notice).toMatch(/XREAD's timeout 0 \(forever\) was capped at 1 s/);
  });

  it("the borrowed connections go back to the pool", async () => {
    expect(rt.leases.stats().inUse).toBe(0);
  });
});
