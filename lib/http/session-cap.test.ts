import { describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { admitNewSession, cappedPageSessionCookie, pageSessionCookie, verifySession } from "@/lib/session";

/**
 * New sessions per client address per minute (PLAYGROUND_SESSIONS_PER_IP_MINUTE,
 * here 5): POST /api/v1/sessions answers 429 with Retry-After past it, a page
 * visit past it renders without a new cookie, other addresses are not held
 * back, concurrent requests cannot slip past the count, and workshop joins
 * are counted apart. Each test comes from addresses of its own (TRUST_PROXY,
 * X-Forwarded-For).
 */
process.env.TRUST_PROXY = "1";
const rt = useTestRuntime({ PLAYGROUND_SESSIONS_PER_IP_MINUTE: "5" });
const api = useApiServer(rt);
const address = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${Math.random().toString(36).slice(2, 8)}`;

const post = (path: string, ip: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  fetch(`${api.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip, ...headers },
    body: JSON.stringify(body),
  });

describe("new sessions per client address per minute", () => {
  it("POST /api/v1/sessions: 5 a minute per address, then 429 with Retry-After and the cap; another address still gets its own", async () => {
    const ip = address();
    for (let i = 0; i < 5; i++) expect((await post("/api/v1/sessions", ip)).status).toBe(201);
    const r = await post("/api/v1/sessions", ip);
    expect(r.status).toBe(429);
    const retry = Number(r.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(r.headers.get("set-cookie")).toBeNull();
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("limit:window");
    expect(body.error.message).toMatch(
      /^Too many new sandboxes from your network: at most 5 every 60 s\. Keep using the session you have \(its cookie, or its token\): each new one is a sandbox of its own\. Try again in \d+ s\.$/,
    );
    expect((await post("/api/v1/sessions", address())).status).toBe(201);
  });

  it("counts concurrent requests exactly: 20 at once from one address, 5 sessions", async () => {
    const ip = address();
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post("/api/v1/sessions", ip).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201).length).toBe(5);
    expect(statuses.filter((s) => s === 429).length).toBe(15);
  });

  it("a page visit past the cap renders without a new cookie; a visitor who has one is not counted", async () => {
    const ip = address();
    const secret = rt.config.sessionSecret;
    const admit = () => admitNewSession(rt.appConn, ip);
    const visit = (cookie?: string) => cappedPageSessionCookie(secret, "GET", "/en/playground", cookie, admit);
    const cookies = [];
    for (let i = 0; i < 5; i++) cookies.push(await visit());
    expect(cookies.every((c) => c && verifySession(secret, c.token))).toBe(true);
    expect(await visit()).toBeNull(); // the 6th: no session minted, no cookie
    expect(await visit(`pg_session=${cookies[0]!.token}`)).toBeNull(); // has one: nothing to mint, nothing counted
    // Assets and API calls never mint one, capped or not.
    expect(await cappedPageSessionCookie(secret, "GET", "/_next/static/x.js", undefined, admit)).toBeNull();
    expect(pageSessionCookie(secret, "GET", "/en/playground", undefined)).not.toBeNull();
    // The API shares the page's count.
    expect((await post("/api/v1/sessions", ip)).status).toBe(429);
  });

  it("workshop joins are counted apart: a class of 12 behind one address joins after its 5 sessions are used", async () => {
    const ip = address();
    for (let i = 0; i < 5; i++) expect((await post("/api/v1/sessions", ip)).status).toBe(201);
    const room = await post("/api/v1/rooms", ip, { title: "Behind one NAT", lessons: ["social-circles"] });
    expect(room.status).toBe(201);
    const { code } = (await room.json()) as { code: string };
    for (let i = 0; i < 12; i++) expect((await post(`/api/v1/rooms/${code}/join`, ip, { name: `Student ${i}` })).status, `student ${i}`).toBe(201);
    expect((await post("/api/v1/sessions", ip)).status).toBe(429);
  });
});
