import { isIP } from "node:net";
import type { RedisLink } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import { processState } from "@/lib/process-state";
import { problem, type WindowWhat } from "@/lib/problems";

/**
 * Every rate limit of the app (commands per second, rooms opened per hour,
 * wrong join codes, progress reports, …) goes through one counter, `hit`,
 * kept in Redis under the app's own `app:rl:` prefix (which no sandbox key can
 * reach), so a limit holds across app instances.
 *
 * A fixed window: INCR the counter, then PEXPIRE it NX, both written in one
 * go (the connection pipelines commands sent in the same tick), and decide on
 * INCR's reply — never on a read before it. INCR is atomic, so N concurrent
 * hits see 1…N and only the first `max` pass.
 *  - The expiry goes with every hit, not only the first: if the process dies
 *    between the two commands, the next hit still gives the key its expiry.
 *    NX (Redis ≥ 7.0; measured on 7.0.15) leaves an existing expiry alone, so
 *    the window does not slide.
 *  - It fails closed: when INCR does not answer an integer (a key of another
 *    type at the counter's name, any error) the request is refused. The key
 *    then gets the window as its expiry with PEXPIRE LT, which shortens a
 *    longer expiry and sets a missing one (LT treats "no expiry" as infinite;
 *    measured on 7.0.15), so a planted key refuses for one window at most.
 *  - One exception: Redis full (maxmemory-policy noeviction answers every
 *    write, INCR included, with "OOM …"). Refusing then would lock every
 *    visitor out, even from deleting keys to free space. The count moves into
 *    this process until Redis takes writes again: still a limit, per instance.
 */
export interface RateLimits {
  perSession: number;
  perIp: number;
}

/** The counter's value after this hit. Throws (refuses the request) when Redis cannot count it. */
export async function hit(conn: RedisLink, key: string, windowMs: number): Promise<number> {
  if (!conn.isReady) throw new SandboxError("redis_unavailable");
  const ms = String(Math.max(1, Math.ceil(windowMs)));
  const [r] = await Promise.all([conn.send(["INCR", key]), conn.send(["PEXPIRE", key, ms, "NX"])]);
  if (r.t === "integer") return Number(r.v);
  if (r.t === "error" && r.v.startsWith("OOM ")) return localHit(key, windowMs);
  warn(key, r.t === "error" ? r.v : `a ${r.t} reply`);
  void conn.send(["PEXPIRE", key, ms, "LT"]).catch(() => {});
  const wait = Math.ceil(windowMs / 1000);
  throw new SandboxError("busy", problem("limit:fail-closed", { wait }), wait);
}

/** Counters kept in the process while Redis refuses to count (OOM), and when a warning was last logged. */
const limiterState = () => processState("rate-limit", () => ({ local: new Map<string, { n: number; until: number }>(), lastWarning: 0 }));

function localHit(key: string, windowMs: number): number {
  const { local } = limiterState();
  const now = Date.now();
  let e = local.get(key);
  if (!e || e.until <= now) {
    if (local.size >= 100_000) for (const [k, v] of local) if (v.until <= now) local.delete(k);
    if (local.size >= 100_000) local.clear();
    e = { n: 0, until: now + windowMs };
    local.set(key, e);
  }
  return ++e.n;
}

/** Logs a counter that cannot count, at most every 10 s (each refusal would be a line otherwise). */
function warn(key: string, what: string): void {
  const state = limiterState();
  if (Date.now() - state.lastWarning < 10_000) return;
  state.lastWarning = Date.now();
  console.warn(`[rate-limit] ${key.slice(0, 120)} answered ${what.slice(0, 120)}: refusing requests counted there until it expires`);
}

export async function checkRate(
  conn: RedisLink,
  limits: RateLimits,
  sessionId: string,
  ip: string | undefined,
  opts: { reserve?: boolean } = {},
): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  const count = opts.reserve ? reservedHit : (c: RedisLink, key: string, ms: number) => hit(c, key, ms);
  const [perSession, perIp] = await Promise.all([
    // Hash tags: on a Redis Cluster a session's counters live with its namespace (`pg:{<id>}:`) and an
    // address's on one master, not on a different master each second (a failed master would then stop everyone).
    count(conn, `app:rl:s:{${sessionId}}:${second}`, 1500, limits.perSession),
    ip ? count(conn, `app:rl:ip:{${ip}}:${second}`, 1500, limits.perIp) : Promise.resolve(0),
  ]);
  if (perSession > limits.perSession) {
    throw new SandboxError("rate_limited", problem("limit:commands-session", { max: limits.perSession }), 1);
  }
  if (perIp > limits.perIp) {
    throw new SandboxError("rate_limited", problem("limit:commands-address", { max: limits.perIp }), 1);
  }
}

/**
 * A hit counted from a block reserved in Redis (the endpoint for learners' own
 * clients, whose pipelines send thousands of commands a second): one INCRBY
 * takes `limit / 10` (at most 50) counts of this window at once, and they are
 * handed out here, each as the counter value it stands for. The limit still
 * holds across instances, since every count handed out was taken in Redis
 * first; an instance may only refuse a little early, when another holds
 * counts it did not use (the window is one second). Blocks taken at the same
 * time for one key wait for one INCRBY.
 */
const reservations = () => processState("rate-limit.reserved", () => new Map<string, { next: number; top: number; taking?: Promise<void> }>());

async function reservedHit(conn: RedisLink, key: string, windowMs: number, limit: number): Promise<number> {
  const all = reservations();
  for (;;) {
    let r = all.get(key);
    if (r && r.next <= r.top) return r.next++;
    if (r?.taking) {
      await r.taking;
      continue;
    }
    if (!r) {
      // Keys carry their second: drop those of past windows as new ones come.
      if (all.size > 10_000) for (const [k, v] of all) if (!v.taking) all.delete(k);
      r = { next: 1, top: 0 };
      all.set(key, r);
    }
    const block = Math.max(1, Math.min(50, Math.floor(limit / 10)));
    const mine = r;
    mine.taking = (async () => {
      if (!conn.isReady) throw new SandboxError("redis_unavailable");
      const ms = String(Math.max(1, Math.ceil(windowMs)));
      const [n] = await Promise.all([conn.send(["INCRBY", key, String(block)]), conn.send(["PEXPIRE", key, ms, "NX"])]);
      if (n.t !== "integer") {
        // Not a counter (OOM, a planted key): one hit at a time, as hit() decides it.
        mine.next = 1;
        mine.top = 0;
        all.delete(key);
        throw new SandboxError("busy", problem("limit:fail-closed", { wait: Math.ceil(windowMs / 1000) }), Math.ceil(windowMs / 1000));
      }
      mine.top = Number(n.v);
      mine.next = mine.top - block + 1;
    })().finally(() => {
      mine.taking = undefined;
    });
    await mine.taking;
  }
}

/** Set by server.ts from the socket (or a trusted proxy) for server actions; never taken from the client. */
export const CLIENT_IP_HEADER = "x-playground-client-ip";

/**
 * The client's address: the socket's, or, when TRUST_PROXY is set, the last
 * X-Forwarded-For hop — the one our own proxy appended. Earlier hops are
 * whatever the client sent, and a client could pick them to dodge per-IP limits.
 */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    const last = hops[hops.length - 1];
    if (last) return addressGroup(last.slice(0, 64));
  }
  return remoteAddress === undefined ? undefined : addressGroup(remoteAddress);
}

/**
 * The unit every per-address cap counts: an IPv4 address, or an IPv6 /64.
 * One IPv6 subscriber (a home, a phone) is routinely given a whole /64, so
 * counting single IPv6 addresses would let one visitor multiply every cap by
 * 2^64. IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address.
 */
export function addressGroup(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  const zone = ip.indexOf("%");
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  const [head, tail = ""] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = bare.includes("::") && tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::1.2.3.4) lies past the first 64 bits: only the first four groups matter.
  const groups = bare.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}

/** The Redis key of a limitWindow counter. */
export const windowKey = (key: string) => `app:rl:w:${key}`.slice(0, 200);

/**
 * At most `max` events per `windowSeconds` for `key` (under app:rl:w:), across
 * app instances: for the rare, costly actions (opening rooms, resetting one,
 * guessing join codes). Counts this event, then throws rate_limited, with
 * when to come back, if it is one too many.
 */
export async function limitWindow(conn: RedisLink, key: string, max: number, windowSeconds: number, what: WindowWhat): Promise<void> {
  const k = windowKey(key);
  const n = await hit(conn, k, windowSeconds * 1000);
  if (n <= max) return;
  const wait = await secondsLeft(conn, k, windowSeconds);
  throw new SandboxError("rate_limited", problem("limit:window", { what, max, seconds: windowSeconds, wait }), wait);
}

/** Seconds until a counter's window ends (its TTL), or the whole window if Redis cannot say. */
export async function secondsLeft(conn: RedisLink, key: string, windowSeconds: number): Promise<number> {
  const ttl = await conn.send(["TTL", key]).catch(() => null);
  return ttl?.t === "integer" && Number(ttl.v) > 0 ? Number(ttl.v) : windowSeconds;
}
