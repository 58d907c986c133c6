import { processState } from "@/lib/process-state";
import type { RedisLink } from "@/lib/redis/resp-connection";
import type { Namespace } from "@/lib/sandbox/namespace";

/**
 * What the "Connect your own client" panel shows, and how the key inspector
 * learns that a learner's own client changed their keys.
 */
export interface EndpointAddress {
  /** The host clients connect to: PLAYGROUND_RESP_HOST, else the bind address, else (bound to every interface) the page's own host. */
  host: string;
  port: number;
  tls: boolean;
}

interface Listening {
  bind: string;
  port: number;
  tls: boolean;
  publicHost?: string;
}

const state = () => processState("endpoint.address", () => ({ listening: null as Listening | null }));

/** Set by the endpoint when it listens (lib/endpoint/server.ts), cleared when it closes. */
export function setEndpointListening(l: Listening | null): void {
  state().listening = l;
}

/** Where this process's endpoint listens, as a client should name it; null when it is off. `pageHost`: the Host the page was asked for. */
export function endpointAddress(pageHost?: string | null): EndpointAddress | null {
  const l = state().listening;
  if (!l) return null;
  let host = l.publicHost;
  if (!host) {
    const anyInterface = l.bind === "0.0.0.0" || l.bind === "::" || l.bind === "";
    host = anyInterface ? (hostnameOf(pageHost) ?? "127.0.0.1") : l.bind;
  }
  return { host, port: l.port, tls: l.tls };
}

/** The hostname of a Host header (no port; IPv6 without brackets), or null when it is not a plausible one. */
function hostnameOf(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]{1,253}))(?::\d{1,5})?$/.exec(header.trim());
  return m ? (m[1] ?? m[2]) : null;
}

const seenKey = (ns: Namespace) => `app:resp:seen:${ns.prefix}`;
const lastMark = () => processState("endpoint.activity", () => new Map<string, number>());

/**
 * Notes that a client of the endpoint ran a command in `ns`, at most every
 * 250 ms per namespace in this process: the page's key inspector polls
 * `lastActivity` and refreshes when it moves.
 */
export function markActivity(app: RedisLink, ns: Namespace): void {
  const now = Date.now();
  const marks = lastMark();
  if (now - (marks.get(ns.prefix) ?? 0) < 250) return;
  marks.set(ns.prefix, now);
  if (marks.size > 50_000) for (const [k, t] of marks) if (now - t > 1000) marks.delete(k);
  void app.send(["SET", seenKey(ns), String(now), "PX", "3600000"]).catch(() => {});
}

/** When a client of the endpoint last ran a command in `ns` (ms since the epoch), or null. */
export async function lastActivity(app: RedisLink, ns: Namespace): Promise<number | null> {
  const r = await app.send(["GET", seenKey(ns)]);
  return r.t === "bulk" && /^\d{1,15}$/.test(r.v) ? Number(r.v) : null;
}
