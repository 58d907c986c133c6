import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { execCommand } from "@/lib/exec";
import { runtime } from "@/lib/runtime";
import { admitNewSession, assertSessionRequest, issueSession, sessionCookie, tokenFromHeaders, verifySession } from "@/lib/session";
import { isSandboxError, SandboxError, logError } from "@/lib/errors";
import { checkHealth } from "@/lib/health";
import { clientIp } from "@/lib/rate-limit";
import { handleScenarios } from "./scenarios";
import { handleRooms } from "./rooms";
import { handleStream } from "@/lib/http/stream";
import { issueProblem, type Problem, problem } from "@/lib/problems";

/**
 * JSON API v1 (README "JSON API v1", docs/architecture.md "HTTP API and sessions") as a plain node:http handler, mounted in front of
 * Next's request handler by server.ts: the hot path skips Next's router.
 * Returns false when the URL is not ours, so Next handles it.
 */
const MAX_BODY = 2 * 1024 * 1024;

export const ExecBody = z.union(
  [
    z.object({ command: z.string({ error: '"command" must be a string' }) }).strict(),
    z.object({ argv: z.array(z.string(), { error: '"argv" must be an array of strings' }).min(1, '"argv" must not be empty') }).strict(),
  ],
  { error: 'Body must be {"command": "<redis command line>"} or {"argv": ["CMD", "arg", …]}' },
);

/** A client of a session (a console tab, a script): each has its own MULTI/WATCH. */
export const ClientId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "X-Playground-Client must be 1–40 letters, digits, - or _");

export const SessionBody = z.object({}).strict().or(z.undefined());

import { endpointAccessFor } from "@/lib/endpoint/access-for";

export async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = req.url ?? "/";
  const path = url.split("?", 1)[0];
  try {
    if (path === "/api/health") {
      if (req.method !== "GET" && req.method !== "HEAD") return (methodNotAllowed(res, "GET"), true);
      const h = await checkHealth();
      send(res, h.redis === "ok" ? 200 : 503, h);
      return true;
    }
    if (!path.startsWith("/api/v1/")) return false;
    // A POST that a browser may have sent with the visitor's cookie (no Authorization header) must come
    // from the playground's own pages, as JSON: another site's form post could otherwise run commands,
    // scenarios or workshop actions in the visitor's sandbox (cross-site request forgery).
    if (req.method === "POST" && !req.headers.authorization) {
      assertSessionRequest(req.headers, runtime().config.trustProxy, `POST ${path}`, "-d '{}'");
    }
    if (path === "/api/v1/sessions") {
      if (req.method !== "POST") return (methodNotAllowed(res, "POST"), true);
      // It replaces the visitor's cookie: same origin and a JSON content type only (lib/session.ts).
      assertSessionRequest(req.headers, runtime().config.trustProxy, "POST /api/v1/sessions", "-d '{}'");
      const body = await readJson(req, true);
      const parsed = SessionBody.safeParse(body);
      if (!parsed.success) throw new SandboxError("bad_request", problem("request:session-body"));
      // A few new sandboxes per address per minute (PLAYGROUND_SESSIONS_PER_IP_MINUTE): over it, 429 with Retry-After.
      await runtime().appConn.ensureReady();
      await admitNewSession(runtime().appConn, clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], runtime().config.trustProxy));
      const { token } = issueSession(runtime().config.sessionSecret);
      res.setHeader("set-cookie", sessionCookie(token));
      send(res, 201, { session: token });
      return true;
    }
    if (path === "/api/v1/stream") {
      if (req.method !== "GET") return (methodNotAllowed(res, "GET"), true);
      const session = verifySession(runtime().config.sessionSecret, tokenFromHeaders(req.headers.authorization, req.headers.cookie));
      await handleStream(req, res, session);
      return true;
    }
    if (path === "/api/v1/rooms" || path.startsWith("/api/v1/rooms/")) {
      const session = verifySession(runtime().config.sessionSecret, tokenFromHeaders(req.headers.authorization, req.headers.cookie));
      const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], runtime().config.trustProxy);
      await handleRooms(
        req,
        res,
        path,
        session,
        () => readJson(req, true),
        (status, b) => send(res, status, b),
        ip,
      );
      return true;
    }
    if (path.startsWith("/api/v1/scenarios/")) {
      if (req.method !== "POST") return (methodNotAllowed(res, "POST"), true);
      const session = verifySession(runtime().config.sessionSecret, tokenFromHeaders(req.headers.authorization, req.headers.cookie));
      const body = await readJson(req, true);
      const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], runtime().config.trustProxy);
      await handleScenarios(res, path, session, body, ip, (status, b) => send(res, status, b));
      return true;
    }
    if (path === "/api/v1/endpoint" || path === "/api/v1/endpoint/password") {
      // Where learners' own Redis clients connect, and the session's password (README "Bring your own client").
      const rotate = path.endsWith("/password");
      if (req.method !== (rotate ? "POST" : "GET")) return (methodNotAllowed(res, rotate ? "POST" : "GET"), true);
      const session = verifySession(runtime().config.sessionSecret, tokenFromHeaders(req.headers.authorization, req.headers.cookie));
      if (!session) throw new SandboxError("unauthorized");
      if (rotate) await readJson(req, true);
      const lang = new URL(url, "http://x").searchParams.get("lang") ?? "en";
      if (lang !== "en" && lang !== "zh") throw new SandboxError("bad_request", problem("request:invalid-locale"));
      const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], runtime().config.trustProxy);
      const access = await endpointAccessFor(session, lang, rotate, ip, req.headers.host);
      if (!access) throw new SandboxError("not_found", problem("endpoint:off"));
      send(res, 200, access);
      return true;
    }
    if (path === "/api/v1/exec") {
      if (req.method !== "POST") return (methodNotAllowed(res, "POST"), true);
      // The session first: nobody without one makes the server read and check a body.
      const session = verifySession(runtime().config.sessionSecret, tokenFromHeaders(req.headers.authorization, req.headers.cookie));
      if (!session) throw new SandboxError("unauthorized");
      const body = await readJson(req, false);
      // An argv longer than the argument cap is refused before any element is looked at (validating
      // a million elements once held the process for seconds).
      const argc = (body as { argv?: unknown })?.argv;
      if (Array.isArray(argc) && argc.length > runtime().config.maxArgs) {
        throw new SandboxError("bad_request", problem("request:argv-length", { n: argc.length, max: runtime().config.maxArgs }));
      }
      const parsed = ExecBody.safeParse(body);
      if (!parsed.success) throw new SandboxError("bad_request", describeZod(parsed.error));
      const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], runtime().config.trustProxy);
      const clientHeader = req.headers["x-playground-client"];
      let id: string | undefined;
      if (clientHeader !== undefined) {
        const c = ClientId.safeParse(clientHeader);
        if (!c.success) throw new SandboxError("bad_request", issueProblem(c.error.issues[0]));
        id = c.data;
      }
      const scopeHeader = req.headers["x-playground-scope"];
      if (scopeHeader !== undefined && scopeHeader !== "room" && scopeHeader !== "own") {
        throw new SandboxError("bad_request", problem("request:scope"));
      }
      send(res, 200, await execCommand(session, parsed.data, { ip, id, scope: scopeHeader as "own" | "room" | undefined }));
      return true;
    }
    throw new SandboxError("not_found", problem("request:no-route", { method: req.method ?? "GET", path, see: "/api/v1" }));
  } catch (e) {
    const err = isSandboxError(e) ? e : new SandboxError("internal");
    if (res.headersSent) return (res.end(), true);
    if (!isSandboxError(e)) console.error("[api]", e);
    else logError("api", e);
    if (err.retryAfterSeconds) res.setHeader("retry-after", String(err.retryAfterSeconds));
    if (err.kind === "redis_unavailable" && !err.retryAfterSeconds) res.setHeader("retry-after", "1");
    send(res, err.status, { error: err.toWire() });
    return true;
  }
}

function describeZod(error: z.ZodError): Problem {
  const issue = error.issues[0];
  if (!issue) return problem("server:bad-request");
  if (issue.code === "invalid_union") return problem("request:exec-body");
  return issueProblem(issue);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(data),
    "cache-control": "no-store",
  });
  res.end(data);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("allow", allow);
  send(res, 405, { error: new SandboxError("method_not_allowed", problem("request:method", { allow })).toWire() });
}

function readBody(req: IncomingMessage): Promise<string> {
  // Plain events: a for-await over the request costs a promise per chunk on the hot path.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.removeAllListeners("data");
        req.resume();
        reject(new SandboxError("too_large", problem("request:body-too-large", { max: MAX_BODY })));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function readJson(req: IncomingMessage, optional: boolean): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === "") {
    if (optional) return undefined;
    throw new SandboxError("bad_request", problem("request:empty-body"));
  }
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new SandboxError("bad_request", problem("request:content-type", { got: type || "none" }));
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SandboxError("bad_request", problem("request:bad-json", { detail: (e as Error).message }));
  }
}
