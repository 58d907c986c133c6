import { afterAll, describe, expect, inject, it } from "vitest";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { checkWall } from "./wall-check";

describe("the second wall (ACL users)", () => {
  const sandbox = new RespConnection(parseRedisUrl(inject("sandboxUrl")), "wall-sandbox");
  const app = new RespConnection(parseRedisUrl(inject("appUrl")), "wall-app");
  const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "wall-admin");
  afterAll(() => [sandbox, app, admin].forEach((c) => c.close()));

  it("holds for the sandbox user of the embedded setup", async () => {
    await sandbox.waitReady();
    expect(await checkWall(sandbox)).toEqual({ ok: true, problems: [] });
  });

  it("is reported missing for an unrestricted user", async () => {
    await admin.waitReady();
    const report = await checkWall(admin);
    expect(report.ok).toBe(false);
    expect(report.problems).toContain("it can read the app's own keys (app:*)");
    expect(report.problems).toContain("it can run scripts (EVAL)");
  });

  it("keeps the app user out of the sandbox and the sandbox user out of the app's data", async () => {
    await app.waitReady();
    expect((await app.send(["SET", "pg:{x}:k", "1"])).t).toBe("error");
    expect((await app.send(["SET", "app:wall-test", "1"])).t).toBe("status");
    expect(await sandbox.send(["GET", "app:wall-test"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
    expect(await sandbox.send(["AUTH", "default", "x"])).toMatchObject({ t: "error", v: expect.stringMatching(/^WRONGPASS/) });
  });
});
