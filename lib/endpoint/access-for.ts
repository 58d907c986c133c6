import { runtime } from "@/lib/runtime";
import type { Session } from "@/lib/session";
import { checkRate, limitWindow } from "@/lib/rate-limit";
import type { Locale } from "@/lib/i18n/locales";
import { endpointAddress, type EndpointAddress } from "./access";
import { endpointCredentials, ROOM_USER, rotateCredentials } from "./credentials";
import { closeEndpointClients } from "./registry";

/** What the "Connect your own client" panel and GET /api/v1/endpoint show. */
export interface EndpointAccess extends EndpointAddress {
  /** `default` for the visitor's own sandbox; `room` when the page works in a workshop's shared keys. */
  user: string;
  password: string;
  /** The page works in the student's workshop (user `room`). */
  room: boolean;
}

/**
 * The endpoint's address and the session's password (recorded, hashed, so
 * the endpoint accepts it), or a new one (`rotate`: the old one stops working
 * and clients signed in with it are closed). null when the endpoint is off.
 * `scoped`: the session a lesson page works as (a workshop's), if not its own.
 */
export async function endpointAccessFor(
  own: Session,
  locale: Locale,
  rotate: boolean,
  ip: string | undefined,
  pageHost: string | undefined | null,
  scoped: Session = own,
): Promise<EndpointAccess | null> {
  const address = endpointAddress(pageHost);
  if (!address) return null;
  const rt = runtime();
  await rt.appConn.ensureReady();
  // A new password is rare (10 a minute); showing it costs what a command does.
  if (rotate) await limitWindow(rt.appConn, `resp-rotate:${own.id}`, 10, 60, "rotations");
  else await checkRate(rt.appConn, rt.config.rate, own.id, ip);
  const make = rotate ? rotateCredentials : endpointCredentials;
  const creds = await make(rt.appConn, rt.config.sessionSecret, own.id, locale, rt.config.namespaceIdleMs);
  if (rotate) closeEndpointClients(own.id);
  const room = scoped.ns.prefix !== own.ns.prefix;
  return { ...address, user: room ? ROOM_USER : creds.user, password: creds.password, room };
}
