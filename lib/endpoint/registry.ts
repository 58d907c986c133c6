import { processState } from "@/lib/process-state";

/**
 * The endpoint's connections in this process, counted the three ways its caps
 * count them (lib/endpoint/server.ts): in all, per client address (signed in
 * or not) and per session (signed in). Kept apart from the server so a server
 * action (a new password) can close a session's clients without importing it.
 */
export interface Registered {
  readonly id: number;
  readonly ip: string;
  /** The session it signed in as, or null before AUTH. */
  sessionId: string | null;
  /** Closes it at once (its password was rotated, the server is stopping). */
  kill(): void;
  /** Reply and message bytes waiting for the client to read them. */
  pending(): number;
}

interface Registry {
  all: Map<number, Registered>;
  byIp: Map<string, number>;
  bySession: Map<string, Set<Registered>>;
}

const registry = () => processState("endpoint.registry", (): Registry => ({ all: new Map(), byIp: new Map(), bySession: new Map() }));

/** Every connection of this process (the output watch walks them once a second). */
export function allConnections(): Registered[] {
  return [...registry().all.values()];
}

export function connectionCount(): number {
  return registry().all.size;
}

export function addressCount(ip: string): number {
  return registry().byIp.get(ip) ?? 0;
}

export function sessionCount(sessionId: string): number {
  return registry().bySession.get(sessionId)?.size ?? 0;
}

/** The session's connections (CLIENT LIST shows a client only its own). */
export function sessionConnections(sessionId: string): Registered[] {
  return [...(registry().bySession.get(sessionId) ?? [])];
}

export function register(c: Registered): void {
  const r = registry();
  r.all.set(c.id, c);
  r.byIp.set(c.ip, (r.byIp.get(c.ip) ?? 0) + 1);
}

/** Moves a connection to the session it signed in as (null: signed out by RESET). */
export function signIn(c: Registered, sessionId: string | null): void {
  const r = registry();
  if (c.sessionId) {
    const set = r.bySession.get(c.sessionId);
    set?.delete(c);
    if (set?.size === 0) r.bySession.delete(c.sessionId);
  }
  c.sessionId = sessionId;
  if (sessionId) {
    let set = r.bySession.get(sessionId);
    if (!set) r.bySession.set(sessionId, (set = new Set()));
    set.add(c);
  }
}

export function unregister(c: Registered): void {
  const r = registry();
  if (!r.all.delete(c.id)) return;
  signIn(c, null);
  const n = (r.byIp.get(c.ip) ?? 1) - 1;
  if (n > 0) r.byIp.set(c.ip, n);
  else r.byIp.delete(c.ip);
}

/** Closes every connection signed in as this session (its password changed). */
export function closeEndpointClients(sessionId: string): number {
  const set = registry().bySession.get(sessionId);
  if (!set) return 0;
  const all = [...set];
  for (const c of all) c.kill();
  return all.length;
}
