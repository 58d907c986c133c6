import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestHandler } from "@/server";

/**
 * server.ts's per-request code (everything before Next) on a real HTTP server,
 * with a stand-in for Next: a malformed pg_session cookie once threw out of
 * the handler, an uncaught exception in node:http, and every page hung.
 */
const secret = "server-test-secret-server-test-secret";
let base = "";
let server: http.Server;
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  server = http.createServer(
    requestHandler({
      secret,
      trustProxy: false,
      api: async () => false,
      next: (req, res) => {
        seen.push(req.headers.cookie);
        res.writeHead(200, { "content-type": "text/plain" }).end("page");
      },
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

describe("server.ts request handler", () => {
  it("serves a page with a malformed pg_session cookie, and replaces the cookie", async () => {
    const r = await fetch(`${base}/en/playground`, { headers: { cookie: "pg_session=%E0%A4%A" }, signal: AbortSignal.timeout(3000) });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("page");
    expect(r.headers.get("set-cookie")).toMatch(/^pg_session=[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+; Path=\/; HttpOnly/);
    // Next sees the fresh cookie after the broken one, and tokenFromHeaders skips the broken one.
    expect(seen.at(-1)).toMatch(/^pg_session=%E0%A4%A; pg_session=[A-Za-z0-9_-]{16}\./);
  });

  it("keeps answering afterwards, and still redirects unprefixed URLs", async () => {
    const r = await fetch(`${base}/playground`, {
      headers: { cookie: "pg_session=%E0%A4%A; pg_locale=zh" },
      redirect: "manual",
      signal: AbortSignal.timeout(3000),
    });
    expect(r.status).toBe(307);
    expect(r.headers.get("location")).toBe("/zh/playground");
  });

  it("answers 500 rather than hanging when something in it throws", async () => {
    const throwing = http.createServer(
      requestHandler({
        secret,
        trustProxy: false,
        api: async () => false,
        next: () => {
          throw new Error("boom");
        },
      }),
    );
    await new Promise<void>((r) => throwing.listen(0, "127.0.0.1", r));
    try {
      const r = await fetch(`http://127.0.0.1:${(throwing.address() as AddressInfo).port}/en/`, { signal: AbortSignal.timeout(3000) });
      expect(r.status).toBe(500);
    } finally {
      throwing.closeAllConnections();
      await new Promise<void>((r) => throwing.close(() => r()));
    }
  });
});
