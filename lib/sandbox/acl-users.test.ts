import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { checkWall } from "@/lib/wall-check";
import { dropNamespace } from "./sandbox";
import { REST_USER } from "./acl-users";

/**
 * The second wall per visitor (acl-users.ts): every namespace's commands run
 * as an ACL user that Redis itself confines to that namespace. These tests
 * send lines that skip the rewriter on purpose — as a rewriter bug would —
 * and check that Redis refuses them.
 */
const rt = useTestRuntime();
const alice = issueSession(rt.config.sessionSecret).session;
const bob = issueSession(rt.config.sessionSecret).session;
let admin: RespConnection;

const whoami = async (c: RespConnection) => ((await c.send(["ACL", "WHOAMI"])) as { v: string }).v;

beforeAll(async () => {
  admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "acl-test-admin");
  await Promise.all([admin.waitReady(), rt.conn.waitReady()]);
  expect(rt.users, "the tests run with a warden (PLAYGROUND_ACL_REDIS_URL)").not.toBeNull();
  await execCommand(alice, { command: "SET secret alice-s3cr3t" });
  await execCommand(bob, { command: "SET secret bob-s3cr3t" });
});
afterAll(() => admin.close());

describe("per-visitor ACL users", () => {
  it("runs a namespace's commands as its own user, who cannot reach another visitor, the app or the server", async () => {
    const asAlice = rt.scoped(alice.ns);
    expect(await asAlice.send(["GET", `${alice.ns.prefix}secret`])).toMatchObject({ t: "bulk", v: "alice-s3cr3t" });
    // What a rewriter bug would send: bob's key, the app's data, a key outside every namespace.
    for (const key of [`${bob.ns.prefix}secret`, "app:active", "plain-key", "room:{ABCDEF}:k"]) {
      expect(await asAlice.send(["GET", key]), key).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    }
    expect(await asAlice.send(["DEL", `${bob.ns.prefix}secret`])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(await asAlice.send(["PUBLISH", `${bob.ns.prefix}news`, "x"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(await asAlice.send(["CONFIG", "GET", "maxmemory"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(await admin.send(["GET", `${bob.ns.prefix}secret`])).toMatchObject({ v: "bob-s3cr3t" });
  });

  it("leaves the shared connection resting as a user who can do nothing", async () => {
    await execCommand(alice, { command: "GET secret" });
    // The shared connection's own commands (not through scoped) run as the resting user.
    expect(await rt.conn.send(["GET", `${alice.ns.prefix}secret`])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(await rt.conn.send(["PING"])).toEqual({ t: "status", v: "PONG" });
    expect(await rt.conn.send(["ACL", "WHOAMI"])).toMatchObject({ t: "error" });
  });

  it("creates a deleted user again on the next command, and the shared connection survives the delete", async () => {
    const carol = issueSession(rt.config.sessionSecret).session;
    expect((await execCommand(carol, { command: "SET k 1" })).text).toBe("OK");
    // ACL DELUSER drops every connection signed in as the user: the shared one rests as another.
    expect(await admin.send(["ACL", "DELUSER", `ns:${carol.ns.prefix}`])).toEqual({ t: "integer", v: 1 });
    expect((await execCommand(carol, { command: "GET k" })).text).toBe('"1"');
    expect(rt.conn.isReady).toBe(true);
    expect((await execCommand(alice, { command: "GET secret" })).text).toBe('"alice-s3cr3t"');
  });

  it("signs a transaction's connection in as the namespace's user", async () => {
    // WATCH (not MULTI, which would queue what follows) holds the tab's lease open.
    expect((await execCommand(alice, { command: "WATCH secret" }, { id: "acl-tab" })).text).toBe("OK");
    const lease = rt.leases.get(`${alice.id}/acl-tab/${alice.ns.prefix}`);
    expect(lease, "a lease for the tab").toBeDefined();
    expect(await whoami(lease!.conn)).toBe(`ns:${alice.ns.prefix}`);
    expect(await lease!.conn.send(["GET", `${bob.ns.prefix}secret`])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect((await execCommand(alice, { command: "UNWATCH" }, { id: "acl-tab" })).text).toBe("OK");
  });

  it("signs a blocking command's borrowed connection in as the namespace's user", async () => {
    await execCommand(bob, { command: "RPUSH jobs j1" });
    expect((await execCommand(bob, { command: "BLPOP jobs 1" })).text).toBe('1) "jobs"\n2) "j1"');
    // The connection went back to the pool signed in as bob: the next borrower signs in first.
    expect((await execCommand(alice, { command: "BLPOP nothing-here 0.1" })).text).toBe("(nil)");
  });

  it("drops a namespace's user with its keys", async () => {
    const dave = issueSession(rt.config.sessionSecret).session;
    await execCommand(dave, { command: "SET k 1" });
    expect((await admin.send(["ACL", "USERS"])) as { v: { v: string }[] }).toMatchObject({
      v: expect.arrayContaining([{ t: "bulk", v: `ns:${dave.ns.prefix}` }]),
    });
    expect(await dropNamespace(rt, dave.ns)).toBe(1);
    const users = (await admin.send(["ACL", "USERS"])) as { v: { v: string }[] };
    expect(users.v.map((u) => u.v)).not.toContain(`ns:${dave.ns.prefix}`);
    expect(users.v.map((u) => u.v)).toContain(REST_USER);
  });

  it("passes the wall check as a visitor's user, and the shared user does not", async () => {
    expect(await checkWall(rt.scoped(alice.ns), { perVisitor: true })).toEqual({ ok: true, problems: [] });
    const shared = new RespConnection(parseRedisUrl(inject("sandboxUrl")), "acl-test-shared");
    await shared.waitReady();
    const report = await checkWall(shared, { perVisitor: true });
    shared.close();
    expect(report.problems).toEqual(["it can read another visitor's keys", "it can publish on another visitor's channels"]);
  });
});
