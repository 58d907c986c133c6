import { describe, expect, it } from "vitest";
import { clientIp } from "./rate-limit";
import { pageSessionCookie, verifySession } from "./session";

describe("client IP for rate limits", () => {
  it("ignores X-Forwarded-For unless the proxy is trusted", () => {
    expect(clientIp("10.0.0.5", "1.2.3.4", false)).toBe("10.0.0.5");
    // Behind a trusted proxy, the hop it appended (the last): earlier ones are the client's say.
    expect(clientIp("10.0.0.5", "6.6.6.6, 1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientIp("10.0.0.5", "1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientIp("10.0.0.5", undefined, true)).toBe("10.0.0.5");
    expect(clientIp("10.0.0.5", ["9.9.9.9", "8.8.8.8"], true)).toBe("8.8.8.8");
  });
});

describe("page requests get a session before rendering", () => {
  const secret = "page-secret-page-secret-page-secret";
  it("issues one for a page without a valid cookie, and none for assets, the API or a valid cookie", () => {
    const fresh = pageSessionCookie(secret, "GET", "/playground", undefined);
    expect(fresh && verifySession(secret, fresh.token)).toBeTruthy();
    expect(fresh?.setCookie).toMatch(/^pg_session=.*; HttpOnly; SameSite=Lax/);
    expect(pageSessionCookie(secret, "GET", "/_next/static/x.js", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/api/v1/exec", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/favicon.ico", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "POST", "/playground", undefined)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/", `pg_session=${fresh!.token}`)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/", "pg_session=forged.token")).not.toBeNull();
  });
});
