import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Namespace } from "@/lib/sandbox/namespace";

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

function mac(secret: string, id: string): string {
  return createHmac("sha256", secret).update(`session:v1:${id}`).digest("base64url");
}

export function issueSession(secret: string): { token: string; session: Session } {
  const id = randomBytes(12).toString("base64url");
  return { token: `${id}.${mac(secret, id)}`, session: { id, ns: Namespace.forSession(id) } };
}

/** Tokens verified lately (per secret): an HMAC per API request is most of a cheap command's CPU. */
const verified = new Map<string, Session>();
const VERIFIED_MAX = 10_000;

export function verifySession(secret: string, token: string | undefined | null): Session | null {
  if (!token || token.length > 128) return null;
  const cacheKey = `${secret}\0${token}`;
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
  return { id, ns: Namespace.forSession(id) };
}

/** Reads the bearer token or the session cookie from request headers. */
export function tokenFromHeaders(authorization: string | undefined | null, cookie: string | undefined | null): string | null {
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m ? m[1] : null;
  }
  if (cookie) {
    for (const part of cookie.split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === SESSION_COOKIE) return decodeURIComponent(v.join("="));
    }
  }
  return null;
}

/**
 * Gives a page request a session before the page renders, so every tab opened
 * later shares it (otherwise two tabs' first commands could race and each
 * create a session). Returns the cookie header to set, or null.
 */
export function pageSessionCookie(secret: string, method: string | undefined, url: string | undefined, cookieHeader: string | undefined): { token: string; setCookie: string } | null {
  if (method !== "GET" || !url || url.startsWith("/_next/") || url.startsWith("/api/") || /\.[a-z0-9]+$/i.test(url.split("?")[0])) return null;
  if (verifySession(secret, tokenFromHeaders(null, cookieHeader))) return null;
  const { token } = issueSession(secret);
  return { token, setCookie: sessionCookie(token) };
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`;
}
