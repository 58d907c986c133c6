import { describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { assertSessionRequest, pageSessionCookie, tokenFromHeaders, verifySession } from "@/lib/session";

/**
 * Around the sandbox (issue 9, item 7): a malformed session cookie is no
 * session, never a 500 or a hang; creating or replacing a session (which
 * replaces the visitor's cookie) needs a same-origin request with a JSON type.
 * Over real HTTP against the API handler and the test redis-server.
 */
// Joins come from an address of their own (X-Forwarded-For): other files' wrong guesses from 127.0.0.1 do not count here.
const rt = useTestRuntime({ TRUST_PROXY: "1" });
const api = useApiServer(rt);
const ip = { "x-forwarded-for": `203.0.113.${Math.floor(Math.random() * 250) + 1}-origin` };

/** Not valid percent-encoding: decodeURIComponent throws on it. */
const MALFORMED = "%E0%A4%A";

const request = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
  const r = await fetch(api.base + path, { method, headers, body, signal: AbortSignal.timeout(5000) });
  const text = await r.text();
  return { status: r.status, body: text && r.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text, cookie: r.headers.get("set-cookie") };
};
const JSON_TYPE = { "content-type": "application/json" };

describe("a malformed pg_session cookie", () => {
  it("is read as no cookie, and does not hide a valid one after it", () => {
    expect(() => tokenFromHeaders(null, `pg_session=${MALFORMED}`)).not.toThrow();
    expect(tokenFromHeaders(null, `pg_session=${MALFORMED}`)).toBeNull();
    expect(tokenFromHeaders(null, `a=1; pg_session=${MALFORMED}; pg_session=abc.def`)).toBe("abc.def");
    expect(tokenFromHeaders(null, "pg_session=abc%2Edef")).toBe("abc.def");
    expect(tokenFromHeaders(null, "pg_session")).toBeNull();
  });

  it("gets a page a fresh session instead of throwing", () => {
    const secret = "page-secret-page-secret-page-secret";
    const fresh = pageSessionCookie(secret, "GET", "/en/playground", `pg_session=${MALFORMED}`);
    expect(fresh && verifySession(secret, fresh.token)).toBeTruthy();
  });

  it("is a 401 (no session) on the API, not a 500", async () => {
    const exec = await request("POST", "/api/v1/exec", { ...JSON_TYPE, cookie: `pg_session=${MALFORMED}` }, JSON.stringify({ command: "PING" }));
    expect(exec.status).toBe(401);
    expect(exec.body.error.code).toBe("session:missing");
    const stream = await request("GET", "/api/v1/stream?channels=a", { cookie: `pg_session=${MALFORMED}` });
    expect(stream.status).toBe(401);
    const me = await request("GET", "/api/v1/rooms/me", { cookie: `pg_session=${MALFORMED}` });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ room: null });
  });
});

describe("POST /api/v1/sessions needs a same-origin request with a JSON type", () => {
  const post = (headers: Record<string, string>, body?: string) => request("POST", "/api/v1/sessions", headers, body);

  it("works from scripts (curl: no Origin, no Sec-Fetch-Site) with content-type: application/json, with or without {}", async () => {
    for (const body of ["{}", undefined]) {
      const r = await post(JSON_TYPE, body);
      expect(r.status).toBe(201);
      expect(r.cookie).toMatch(/^pg_session=/);
    }
    expect((await post({ "content-type": "application/json; charset=utf-8" }, "{}")).status).toBe(201);
  });

  it("works from the playground's own pages (Sec-Fetch-Site same-origin or none, or a matching Origin)", async () => {
    const host = new URL(api.base).host;
    expect((await post({ ...JSON_TYPE, "sec-fetch-site": "same-origin", origin: api.base }, "{}")).status).toBe(201);
    expect((await post({ ...JSON_TYPE, "sec-fetch-site": "none" }, "{}")).status).toBe(201);
    expect((await post({ ...JSON_TYPE, origin: `http://${host}` }, "{}")).status).toBe(201);
  });

  it.each([
    [
      "a bodyless cross-site form post",
      { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site", origin: "https://evil.example" },
    ],
    ["a cross-site request with a JSON type", { ...JSON_TYPE, "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["a sibling subdomain (same-site)", { ...JSON_TYPE, "sec-fetch-site": "same-site", origin: "https://other.playground.example" }],
    ["an older browser's cross-site Origin", { ...JSON_TYPE, origin: "https://evil.example" }],
    ["Origin: null (a sandboxed frame)", { ...JSON_TYPE, origin: "null" }],
  ])("refuses %s with 403, and sets no cookie", async (_, headers) => {
    const r = await post(headers);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toMatch(/^session:cross-(site|origin)$/);
    expect(r.body.error.message).toMatch(/only takes requests from the playground's own pages.*call the API from a script/);
    expect(r.cookie).toBeNull();
  });

  it.each([
    ["no content type", {}],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }],
    ["text/plain", { "content-type": "text/plain" }],
    ["a JSON look-alike", { "content-type": "application/json-seq" }],
  ])("refuses %s with 400 saying what to send, and sets no cookie", async (_, headers) => {
    const r = await post(headers as Record<string, string>);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/needs Content-Type: application\/json .*curl -H 'content-type: application\/json' -d '\{\}'/);
    expect(r.cookie).toBeNull();
  });
});

describe("joining a workshop replaces the cookie too: the same rule", () => {
  it("refuses a cross-site join and a form post, and lets the page and scripts join", async () => {
    const room = await request("POST", "/api/v1/rooms", JSON_TYPE, JSON.stringify({ title: "Origins", lessons: ["basics"] }));
    expect(room.status).toBe(201);
    const path = `/api/v1/rooms/${room.body.code}/join`;
    const cross = await request(
      "POST",
      path,
      { ...JSON_TYPE, ...ip, "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      JSON.stringify({ name: "Eve" }),
    );
    expect(cross.status).toBe(403);
    expect(cross.cookie).toBeNull();
    const form = await request("POST", path, { "content-type": "application/x-www-form-urlencoded", ...ip }, "name=Eve");
    expect(form.status).toBe(400);
    expect(form.body.error.message).toMatch(/needs Content-Type: application\/json/);
    expect(form.cookie).toBeNull();
    const page = await request("POST", path, { ...JSON_TYPE, ...ip, "sec-fetch-site": "same-origin", origin: api.base }, JSON.stringify({ name: "Ada" }));
    expect(page.status).toBe(201);
    expect(page.cookie).toMatch(/^pg_session=/);
    expect((await request("POST", path, { ...JSON_TYPE, ...ip }, JSON.stringify({ name: "Grace" }))).status).toBe(201);
  });
});

describe("assertSessionRequest", () => {
  it("compares Origin with X-Forwarded-Host only behind a trusted proxy", () => {
    const h = { "content-type": "application/json", origin: "https://play.example", host: "127.0.0.1:3000", "x-forwarded-host": "play.example" };
    expect(() => assertSessionRequest(h, true, "POST /x", "-d '{}'")).not.toThrow();
    expect(() => assertSessionRequest(h, false, "POST /x", "-d '{}'")).toThrow(/own pages/);
  });
});
