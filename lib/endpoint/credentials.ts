import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RedisLink } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import { isSessionId } from "@/lib/session";
import { isLocale, type Locale } from "@/lib/i18n/locales";

/**
 * The password a learner's own Redis client signs in with at the endpoint
 * (lib/endpoint/server.ts). One per session, issued by the server and
 * rotatable:
 *  - It is derived, never stored: HMAC-SHA256 of the session id and a
 *    generation number, under the app's SESSION_SECRET, with a label of its
 *    own, so it never equals the web session token (or anything derived from
 *    it for another purpose) and a new generation gives an unrelated one.
 *  - Redis holds only its SHA-256 (`app:resp:pw:<hex>` → the session id and
 *    the language of its errors), so a copy of app:* names no password. A
 *    fast hash is enough: the password is 192 random-looking bits, not a
 *    word anyone chose; guessing is what the per-address cap on wrong
 *    passwords is for.
 *  - Rotating bumps the generation (`app:resp:gen:{<id>}`) and deletes the
 *    old hash: the old password stops working at once, and connections
 *    signed in with it are closed (server.ts checks every few seconds).
 *  - Both keys live as long as an idle namespace does, renewed each time the
 *    panel shows them or a client signs in.
 *
 * The username chooses the namespace: `default` (what `AUTH <password>`
 * means) or `sandbox` is the visitor's own; `room` is their workshop's shared
 * keys (the classroom's "room" scope).
 */
export const OWN_USERS = ["default", "sandbox"] as const;
export const ROOM_USER = "room";

export interface EndpointCredentials {
  /** The username for the visitor's own sandbox (`room` reaches the workshop's keys with the same password). */
  user: string;
  password: string;
}

const genKey = (sessionId: string) => `app:resp:gen:{${sessionId}}`;
export const passwordKey = (password: string) => `app:resp:pw:${sha256(password)}`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function derive(secret: string, sessionId: string, gen: number): string {
  return `pg-${createHmac("sha256", secret).update(`resp-password:v1:${sessionId}:${gen}`).digest("base64url").slice(0, 32)}`;
}

async function generation(app: RedisLink, sessionId: string): Promise<number> {
  const r = await app.send(["GET", genKey(sessionId)]);
  if (r.t === "bulk" && /^[1-9]\d{0,8}$/.test(r.v)) return Number(r.v);
  if (r.t === "nil") return 1;
  if (r.t === "error") throw new SandboxError("redis_unavailable");
  return 1;
}

/** The session's current password, recorded (hashed) so the endpoint accepts it; `locale` is the language its errors are worded in. */
export async function endpointCredentials(app: RedisLink, secret: string, sessionId: string, locale: Locale, ttlMs: number): Promise<EndpointCredentials> {
  const gen = await generation(app, sessionId);
  const password = derive(secret, sessionId, gen);
  await record(app, sessionId, password, gen, locale, ttlMs);
  return { user: "default", password };
}

/** A new password for the session: the old one is refused from now on. */
export async function rotateCredentials(app: RedisLink, secret: string, sessionId: string, locale: Locale, ttlMs: number): Promise<EndpointCredentials> {
  const old = await generation(app, sessionId);
  const r = await app.send(["INCR", genKey(sessionId)]);
  if (r.t !== "integer") throw new SandboxError("redis_unavailable");
  // A first INCR of a missing key answers 1, the generation already in use: one more.
  let gen = Number(r.v);
  if (gen <= old) {
    const again = await app.send(["INCRBY", genKey(sessionId), String(old + 1 - gen)]);
    if (again.t !== "integer") throw new SandboxError("redis_unavailable");
    gen = Number(again.v);
  }
  await app.send(["DEL", passwordKey(derive(secret, sessionId, old))]);
  const password = derive(secret, sessionId, gen);
  await record(app, sessionId, password, gen, locale, ttlMs);
  return { user: "default", password };
}

async function record(app: RedisLink, sessionId: string, password: string, gen: number, locale: Locale, ttlMs: number): Promise<void> {
  const ms = String(ttlMs);
  const [a, b] = await Promise.all([
    app.send(["SET", passwordKey(password), `${sessionId} ${locale}`, "PX", ms]),
    app.send(["SET", genKey(sessionId), String(gen), "PX", ms]),
  ]);
  if (a.t === "error" || b.t === "error") throw new SandboxError("redis_unavailable");
}

export interface SignedIn {
  sessionId: string;
  locale: Locale;
}

/** Who a password signs in as, or null. Reads one key; the caller caps wrong tries per address. */
export async function lookupPassword(app: RedisLink, password: Uint8Array): Promise<SignedIn | null> {
  if (password.length < 8 || password.length > 128) return null;
  const text = Buffer.from(password).toString("latin1");
  const r = await app.send(["GET", passwordKey(text)]);
  if (r.t === "error") throw new SandboxError("redis_unavailable");
  if (r.t !== "bulk") return null;
  const [sessionId, locale] = r.v.split(" ");
  if (!isSessionId(sessionId)) return null; // never a namespace from anything but an id (a tampered app:* value)
  return { sessionId, locale: isLocale(locale) ? locale : "en" };
}

/** Renews a password's keys' lifetime (a client signed in with it). */
export function renew(app: RedisLink, password: Uint8Array, sessionId: string, ttlMs: number): void {
  const ms = String(ttlMs);
  void app.send(["PEXPIRE", passwordKey(Buffer.from(password).toString("latin1")), ms]).catch(() => {});
  void app.send(["PEXPIRE", genKey(sessionId), ms]).catch(() => {});
}

/** Constant-time comparison of two usernames or words a client sent. */
export function same(a: Uint8Array, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
