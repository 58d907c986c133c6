import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Namespace } from "@/lib/sandbox/namespace";
import { SandboxError } from "@/lib/errors";
import type { RedisLink } from "@/lib/redis/resp-connection";
import { limitWindow } from "@/lib/rate-limit";
import { sessionsPerIpMinute } from "@/lib/config";
import { processState } from "@/lib/process-state";
import { problem } from "@/lib/problems";

/**
 * Sessions are issued and signed by the server: `<id>.<mac>`, where the id is
 * 96 random bits and the mac an HMAC-SHA256 over it. The client never picks its
 * namespace; a token that does not verify is simply not a session.
 */
export interface Session {
  id: string;
  ns: Namespace;
}

export const SESSION_COOKIE = "pg_session";
const ID_RE = /^[A-Za-z0-9_-]{16}$/;

/** The one format of a session id (96 random bits, base64url): anything else read back from Redis is not one. */
export const isSessionId = (id: string): boolean => ID_RE.test(id);

/**
 * The namespace of a session id, refusing anything that is not exactly an id:
 * the id becomes a key prefix and a SCAN MATCH glob, so `*` or `x}:*` (say,
 * read back from a tampered app:* set) must never get that far.
 */
export function sessionNamespace(id: string): Namespace {
  if (!isSessionId(id)) throw new Error(`not a session id: ${JSON.stringify(id.slice(0, 40))}`);
  return Namespace.forSession(id);
}

function mac(secret: string, id: string): string {
  return createHmac("sha256", secret).update(`session:v1:${id}`).digest("base64url");
}

export function issueSession(secret: string): { token: string; session: Session } {
  const id = randomBytes(12).toString("base64url");
  return { token: `${id}.${mac(secret, id)}`, session: { id, ns: sessionNamespace(id) } };
}

/** Tokens verified lately (per secret): an HMAC per API request is most of a cheap command's CPU. */
const verifiedTokens = () => processState("session.verified", () => new Map<string, Session>());
const VERIFIED_MAX = 10_000;

export function verifySession(secret: string, token: string | undefined | null): Session | null {
  if (!token || token.length > 128) return null;
  const cacheKey = `${secret}\0${token}`;
  const verified = verifiedTokens();
  const hit = verified.get(cacheKey);
  if (hit) return hit;
  const session = verifyUncached(secret, token);
  if (session) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(cacheKey, session);
  }
  return session;
}

function verifyUncached(secret: string, token: string): Session | null {
  const dot = token.indexOf(".");
  if (dot < 0) return null;
  const id = token.slice(0, dot);
  if (!ID_RE.test(id)) return null;
  const given = Buffer.from(token.slice(dot + 1));
  const want = Buffer.from(mac(secret, id));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  return { id, ns: sessionNamespace(id) };
}

/**
 * Reads the bearer token or the session cookie from request headers. Never
 * throws: a cookie value that is not valid percent-encoding (`%E0%A4%A`, on
 * which decodeURIComponent throws) is skipped, as if it were not there. Two
 * different session cookies are no session at all: a sibling subdomain can
 * "toss" a cookie of its own (Domain=<parent>; Path=/api), which the browser
 * sends first, to make the visitor type into the attacker's sandbox.
 */
export function tokenFromHeaders(authorization: string | undefined | null, cookie: string | undefined | null): string | null {
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m ? m[1] : null;
  }
  let found: string | null = null;
  if (cookie) {
    for (const part of cookie.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
      const value = decodeOrNull(part.slice(eq + 1).trim());
      if (!value) continue; // a broken one does not hide a good one
      if (found !== null && found !== value) return null;
      found = value;
    }
  }
  return found;
}

function decodeOrNull(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Creating or replacing a session replaces the visitor's cookie, and with it
 * their sandbox and workshop seat, so another site must not be able to do it
 * (a bodyless cross-site form post once could). Both conditions below hold
 * for the playground's own pages and for scripts (curl sends neither Origin
 * nor Sec-Fetch-Site); each refusal says what to send instead.
 *  - Same origin. Browsers send Sec-Fetch-Site on every request (Chromium 76,
 *    Firefox 90, Safari 16.4); only `same-origin` and `none` (the user's own
 *    action) pass. `same-site` is refused too: it includes sibling subdomains,
 *    which may be someone else's site, and the playground's pages never need it.
 *    An older browser without it still sends Origin on a cross-site POST:
 *    it must name this host (the Host header, or X-Forwarded-Host behind
 *    TRUST_PROXY). `Origin: null` (sandboxed frames) is refused.
 *  - A JSON body type. Another site can send application/json only after a
 *    CORS preflight, which this API never grants; forms can send only
 *    urlencoded, multipart or text/plain.
 */
export function assertSessionRequest(headers: IncomingHttpHeaders, trustProxy: boolean, route: string, example: string): void {
  const site = one(headers["sec-fetch-site"])?.toLowerCase();
  const origin = one(headers.origin);
  if (site !== undefined) {
    if (site !== "same-origin" && site !== "none") {
      throw new SandboxError(
        "forbidden",
        problem("session:cross-site", { route, from: site === "same-site" ? "same-site" : "other", header: site.slice(0, 20) }),
      );
    }
  } else if (origin !== undefined) {
    const forwarded = trustProxy ? one(headers["x-forwarded-host"])?.split(",").pop()?.trim() : undefined;
    const host = (forwarded || one(headers.host) || "").toLowerCase();
    if (originHost(origin) !== host || !host) {
      throw new SandboxError("forbidden", problem("session:cross-origin", { route, origin: origin.slice(0, 100), host }));
    }
  }
  const type = one(headers["content-type"]) ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new SandboxError("bad_request", problem("session:content-type", { route, got: type.slice(0, 60), example }));
  }
}

const one = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);

function originHost(origin: string): string | null {
  try {
    return origin === "null" ? null : new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Gives a page request a session before the page renders, so every tab opened
 * later shares it (otherwise two tabs' first commands could race and each
 * create a session). Returns the cookie header to set, or null.
 */
export function pageSessionCookie(
  secret: string,
  method: string | undefined,
  url: string | undefined,
  cookieHeader: string | undefined,
): { token: string; setCookie: string } | null {
  if (method !== "GET" || !url || url.startsWith("/_next/") || url.startsWith("/api/") || /\.[a-z0-9]+$/i.test(url.split("?")[0])) return null;
  if (verifySession(secret, tokenFromHeaders(null, cookieHeader))) return null;
  const { token } = issueSession(secret);
  return { token, setCookie: sessionCookie(token) };
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`;
}

/**
 * New sessions per client address per minute (PLAYGROUND_SESSIONS_PER_IP_MINUTE,
 * README's Limits table): a session is a sandbox of its own, with its own quota, rate
 * and dedicated connections, so one address must not mint them without end.
 * Counted in Redis (lib/rate-limit.ts limitWindow: increment, then decide, so
 * concurrent requests cannot all slip under the cap), under the address
 * TRUST_PROXY decides. Over the cap it throws rate_limited (429 with
 * Retry-After in the API), naming the cap. Workshop joins (lib/http/rooms.ts)
 * are not counted here: they have limits of their own, and a class behind one
 * NAT joins together.
 */
export async function admitNewSession(conn: RedisLink, ip: string | undefined, perMinute: number = sessionsPerIpMinute()): Promise<void> {
  await limitWindow(conn, `sessions:${ip ?? "?"}`, perMinute, 60, "sessions");
}

/**
 * pageSessionCookie, counted against the per-address cap: `admit` is
 * admitNewSession for the request's address (server.ts passes it). A page
 * visit over the cap (or while the count cannot be kept) still renders, but
 * mints no session and sets no cookie; the page's first command then asks
 * for one (a server action: lib/next-session.ts) and is told to wait, with
 * the cap. A visitor who has a session is not counted.
 */
export async function cappedPageSessionCookie(
  secret: string,
  method: string | undefined,
  url: string | undefined,
  cookieHeader: string | undefined,
  admit: () => Promise<void>,
): Promise<{ token: string; setCookie: string } | null> {
  const fresh = pageSessionCookie(secret, method, url, cookieHeader);
  if (!fresh) return null;
  try {
    await admit();
  } catch {
    return null;
  }
  return fresh;
}
