import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { handleApi } from "./api";
import { resetRuntime, runtime } from "@/lib/runtime";
import { freePort } from "@/lib/redis/embedded";

/** The JSON API over real HTTP, against the test redis-server. */
let base = "";
let server: http.Server;

function useRuntime(env: Record<string, string | undefined>) {
  Object.assign(
    process.env,
    { SESSION_SECRET: "api-test-secret-api-test-secret", PLAYGROUND_REDIS_URL: inject("sandboxUrl"), PLAYGROUND_APP_REDIS_URL: inject("appUrl") },
    env,
  );
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  resetRuntime();
  return runtime();
}

beforeAll(async () => {
  await useRuntime({}).conn.waitReady();
  server = http.createServer((req, res) => void handleApi(req, res).then((h) => h || res.writeHead(418).end()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: string | undefined, headers: Record<string, string> = {}) =>
  fetch(base + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

async function newSession(): Promise<string> {
  const r = await post("/api/v1/sessions", "{}");
  expect(r.status).toBe(201);
  return ((await r.json()) as { session: string }).session;
}

const exec = (token: string, body: unknown) => post("/api/v1/exec", JSON.stringify(body), { authorization: `Bearer ${token}` });

describe("POST /api/v1/sessions", () => {
  it("issues a signed token and sets it as an httpOnly cookie", async () => {
    const r = await post("/api/v1/sessions", undefined);
    expect(r.status).toBe(201);
    const { session } = (await r.json()) as { session: string };
    expect(session).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(r.headers.get("set-cookie")).toMatch(new RegExp(`^pg_session=${session}; Path=/; HttpOnly; SameSite=Lax`));
  });
  it("rejects a body that is not an empty object", async () => {
    const r = await post("/api/v1/sessions", JSON.stringify({ namespace: "pg:{victim}:" }));
    expect(r.status).toBe(400);
  });
});

describe("POST /api/v1/exec", () => {
  it("runs a command line and returns the typed reply, the redis-cli text and the time", async () => {
    const t = await newSession();
    const set = await (await exec(t, { command: "SET A apple" })).json();
    expect(set).toMatchObject({ reply: { t: "status", v: "OK" }, text: "OK" });
    expect(typeof set.ms).toBe("number");
    const get = await (await exec(t, { argv: ["GET", "A"] })).json();
    expect(get).toMatchObject({ reply: { t: "bulk", v: "apple" }, text: '"apple"' });
  });
  it("accepts the session cookie instead of a bearer token", async () => {
    const t = await newSession();
    const r = await post("/api/v1/exec", JSON.stringify({ command: "PING" }), { cookie: `other=1; pg_session=${t}` });
    expect(r.status).toBe(200);
    expect((await r.json()).text).toBe("PONG");
  });
  it("returns denied commands and Redis errors as 200 error replies", async () => {
    const t = await newSession();
    const r = await exec(t, { command: "CONFIG SET maxmemory 1" });
    expect(r.status).toBe(200);
    expect((await r.json()).reply.t).toBe("error");
  });
  it("carries binary bulk strings losslessly as base64", async () => {
    const t = await newSession();
    await exec(t, { command: 'SET bin "\\xff\\x00\\x80"' });
    const r = await (await exec(t, { command: "GET bin" })).json();
    expect(r.reply).toEqual({ t: "bulk", v: Buffer.from([0xff, 0, 0x80]).toString("base64"), b64: true });
    expect(r.text).toBe('"\\xff\\x00\\x80"');
  });
  it.each([
    ["invalid JSON", "{nope", /not valid JSON/],
    ["an empty body", "", /Empty body/],
    ["an unknown field", JSON.stringify({ cmd: "PING" }), /Body must be/],
    ["both forms", JSON.stringify({ command: "PING", argv: ["PING"] }), /Body must be/],
    ["a non-string command", JSON.stringify({ command: 42 }), /Body must be/],
    ["an empty argv", JSON.stringify({ argv: [] }), /"argv" must not be empty/],
  ])("answers 400 with a message for %s", async (_, body, message) => {
    const t = await newSession();
    const r = await post("/api/v1/exec", body, { authorization: `Bearer ${t}` });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(message);
  });
  it("answers 400 for a body that is not JSON", async () => {
    const t = await newSession();
    const r = await post("/api/v1/exec", "command=PING", { authorization: `Bearer ${t}`, "content-type": "application/x-www-form-urlencoded" });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/Content-Type must be application\/json/);
  });
  it.each([
    ["no session", {}],
    ["a forged token", { authorization: "Bearer AAAAAAAAAAAAAAAA.bm90LWEtcmVhbC1zaWduYXR1cmUtbm90LWEtcmVhbC1z" }],
    ["a malformed header", { authorization: "Basic abc" }],
  ])("answers 401 for %s", async (_, headers) => {
    const r = await post("/api/v1/exec", JSON.stringify({ command: "PING" }), headers as Record<string, string>);
    expect(r.status).toBe(401);
  });
  it("answers 401 for a token whose signature was changed", async () => {
    const t = await newSession();
    const tampered = t.slice(0, -2) + (t.endsWith("A") ? "BB" : "AA");
    expect((await exec(tampered, { command: "PING" })).status).toBe(401);
  });
  it("answers 404 for an unknown route and 405 for a wrong method", async () => {
    expect((await post("/api/v1/nope", "{}")).status).toBe(404);
    expect((await fetch(`${base}/api/v1/exec`)).status).toBe(405);
  });
});

describe("limits and outages", () => {
  it("answers 429 with Retry-After past the per-session rate", async () => {
    useRuntime({ PLAYGROUND_RATE_PER_SESSION: "5" });
    await runtime().conn.waitReady();
    const t = await newSession();
    const statuses = await Promise.all(Array.from({ length: 12 }, () => exec(t, { command: "PING" }).then((r) => r)));
    const limited = statuses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].headers.get("retry-after")).toBe("1");
    expect((await limited[0].json()).error.message).toMatch(/allows 5 per second per visitor/);
    useRuntime({ PLAYGROUND_RATE_PER_SESSION: undefined });
  });

  it("answers 503 while Redis is unreachable, and health says so", async () => {
    const t = await newSession();
    const dead = `redis://127.0.0.1:${await freePort()}`;
    useRuntime({ PLAYGROUND_REDIS_URL: dead, PLAYGROUND_APP_REDIS_URL: dead });
    const r = await exec(t, { command: "PING" });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect((await fetch(`${base}/api/health`)).status).toBe(503);
    useRuntime({ PLAYGROUND_REDIS_URL: inject("sandboxUrl"), PLAYGROUND_APP_REDIS_URL: inject("appUrl") });
    await runtime().conn.waitReady();
    const h = await fetch(`${base}/api/health`);
    expect(h.status).toBe(200);
    expect((await h.json()).redis).toBe("ok");
  });
});
