import { cookies, headers } from "next/headers";
import { runtime } from "@/lib/runtime";
import { CLIENT_IP_HEADER } from "@/lib/rate-limit";
import { admitNewSession, issueSession, SESSION_COOKIE, verifySession, type Session } from "@/lib/session";

/**
 * The visitor's session inside a server action: the signed cookie, or a new
 * session issued now (server actions may set cookies).
 */
export async function actionSession(): Promise<Session> {
  const jar = await cookies();
  const secret = runtime().config.sessionSecret;
  const existing = verifySession(secret, jar.get(SESSION_COOKIE)?.value);
  if (existing) return existing;
  // A new sandbox counts against the address's cap (PLAYGROUND_SESSIONS_PER_IP_MINUTE), as a page visit does.
  await admitNewSession(runtime().appConn, (await headers()).get(CLIENT_IP_HEADER) || undefined);
  const { token, session } = issueSession(secret);
  jar.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 31536000 });
  return session;
}

export async function actionClient(): Promise<{ ip?: string }> {
  const ip = (await headers()).get(CLIENT_IP_HEADER);
  return ip ? { ip } : {};
}
