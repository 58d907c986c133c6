import net from "node:net";
import { RespConnection, parseRedisUrl, type RedisLink } from "@/lib/redis/resp-connection";
import { bulkBytes, type Reply } from "@/lib/resp/reply";

/**
 * The attacker tests' auditor: what the whole server holds, read with the
 * admin connection, independent of the sandbox.
 *   - every database that has keys (INFO keyspace), so a server with
 *     `databases 1` and one with 16 are both covered;
 *   - each key's DUMP and whether it has a TTL, so "byte-identical" means it;
 *   - which clients are blocked (CLIENT LIST): the shared sandbox connection
 *     must never block, and a watchdog unblocks it (and this process's leased
 *     connections that block past their cap) so a bypassed cap is reported
 *     instead of hanging the run;
 *   - the shared connection's state (HELLO, then CLIENT LIST ID): database 0,
 *     RESP2, logged in, not in MULTI, not subscribed, not blocked.
 */

export const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
export const fromLatin1 = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const bytesOf = (r: Reply) => (r.t === "bulk" ? bulkBytes(r) : new Uint8Array());

export function adminConnection(url: string, name = "audit-admin"): RespConnection {
  return new RespConnection(parseRedisUrl(url), name);
}

/** Databases that hold keys now (INFO keyspace), always including 0. */
export async function keyspaceDbs(admin: RespConnection): Promise<number[]> {
  const r = await admin.send(["INFO", "keyspace"]);
  const text = r.t === "bulk" || r.t === "verbatim" || r.t === "status" ? r.v : "";
  const dbs = new Set([0]);
  for (const m of text.matchAll(/^db(\d+):keys=(\d+)/gm)) if (Number(m[2]) > 0) dbs.add(Number(m[1]));
  return [...dbs].sort((a, b) => a - b);
}

/** How many databases the server has (CONFIG GET databases). */
export async function databaseCount(admin: RespConnection): Promise<number> {
  const r = await admin.send(["CONFIG", "GET", "databases"]);
  return r.t === "array" && r.v[1]?.t === "bulk" ? Number(r.v[1].v) : 16;
}

/** Runs fn with the admin connection switched to db, then back to 0 (callers must not interleave). */
async function inDb<T>(admin: RespConnection, db: number, fn: () => Promise<T>): Promise<T> {
  if (db !== 0) {
    const s = await admin.send(["SELECT", String(db)]);
    if (s.t === "error") throw new Error(`SELECT ${db}: ${s.v}`);
  }
  try {
    return await fn();
  } finally {
    if (db !== 0) await admin.send(["SELECT", "0"]);
  }
}

export async function scanKeys(admin: RespConnection, db: number): Promise<Uint8Array[]> {
  return inDb(admin, db, async () => {
    const out: Uint8Array[] = [];
    let cursor = "0";
    do {
      const r = await admin.send(["SCAN", cursor, "COUNT", "1000"]);
      if (r.t !== "array" || r.v[0].t !== "bulk" || r.v[1].t !== "array") throw new Error(`unexpected SCAN reply ${JSON.stringify(r).slice(0, 200)}`);
      cursor = r.v[0].v;
      for (const k of r.v[1].v) out.push(bytesOf(k));
    } while (cursor !== "0");
    return out;
  });
}

/** `<db>\u0001<key as latin1>` → DUMP + TTL flag, for every key `keep` selects. */
export type Snapshot = Map<string, string>;
export const snapKey = (db: number, key: Uint8Array) => `${db}\u0001${latin1(key)}`;
export const fromSnapKey = (k: string) => {
  const i = k.indexOf("\u0001");
  return { db: Number(k.slice(0, i)), key: fromLatin1(k.slice(i + 1)) };
};

export async function snapshot(admin: RespConnection, keep: (key: Uint8Array, db: number) => boolean): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const db of await keyspaceDbs(admin)) {
    const keys = (await scanKeys(admin, db)).filter((k) => keep(k, db));
    await inDb(admin, db, async () => {
      const replies = await Promise.all(keys.map((k) => Promise.all([admin.send([Buffer.from("DUMP"), k]), admin.send([Buffer.from("PTTL"), k])])));
      keys.forEach((k, i) => {
        const [dump, pttl] = replies[i];
        if (dump.t === "nil") return; // expired or deleted meanwhile
        const ttl = pttl.t === "integer" ? (Number(pttl.v) >= 0 ? "ttl" : String(pttl.v)) : "?";
        out.set(snapKey(db, k), `${JSON.stringify(dump)} ${ttl}`);
      });
    });
  }
  return out;
}

export interface Diff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diff(before: Snapshot, after: Snapshot): Diff {
  const d: Diff = { added: [], removed: [], changed: [] };
  for (const [k, v] of after) {
    if (!before.has(k)) d.added.push(k);
    else if (before.get(k) !== v) d.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) d.removed.push(k);
  return d;
}

export const showSnapKey = (k: string) => {
  const { db, key } = fromSnapKey(k);
  let s = "";
  for (const c of key) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return `db${db}:"${s}"`;
};

/** Puts the keys of `before` back as they were (RESTORE … REPLACE) and deletes keys added since, in the snapshot's scope. */
export async function restoreSnapshot(admin: RespConnection, before: Snapshot, after: Snapshot): Promise<void> {
  const d = diff(before, after);
  for (const k of [...d.added]) {
    const { db, key } = fromSnapKey(k);
    await inDb(admin, db, () => admin.send([Buffer.from("DEL"), key]));
  }
  for (const k of [...d.removed, ...d.changed]) {
    const { db, key } = fromSnapKey(k);
    const [json] = before.get(k)!.split(" ");
    const dump = JSON.parse(json) as Reply;
    if (dump.t !== "bulk") continue;
    await inDb(admin, db, () => admin.send([Buffer.from("RESTORE"), key, Buffer.from("0"), bulkBytes(dump), Buffer.from("REPLACE")]));
  }
}

// ---------------------------------------------------------------- clients

export interface ClientInfo {
  id: string;
  name: string;
  addr: string;
  flags: string;
  db: string;
  user: string;
  cmd: string;
  idle: number;
  multi: string;
  sub: string;
  psub: string;
  resp: string;
}

export function parseClientList(text: string): ClientInfo[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const f = Object.fromEntries(
        line
          .trim()
          .split(" ")
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
      return {
        id: f.id,
        name: f.name,
        addr: f.addr,
        flags: f.flags,
        db: f.db,
        user: f.user,
        cmd: f.cmd,
        idle: Number(f.idle),
        multi: f.multi,
        sub: f.sub,
        psub: f.psub,
        resp: f.resp,
      };
    });
}

export async function clientList(admin: RespConnection): Promise<ClientInfo[]> {
  const r = await admin.send(["CLIENT", "LIST"]);
  return r.t === "bulk" || r.t === "verbatim" ? parseClientList(r.v) : [];
}

/** Local ports of this process's TCP sockets: Redis lists them as the clients' `addr`. */
function ownPorts(): Set<string> {
  const handles = ((process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? []) as unknown[];
  const ports = new Set<string>();
  for (const h of handles) if (h instanceof net.Socket && h.localPort) ports.add(String(h.localPort));
  return ports;
}

export interface BlockFinding {
  id: string;
  name: string;
  cmd: string;
  idle: number;
  what: string;
  /** What the test was doing when it was seen (set by the caller). */
  during: string;
}

/**
 * Polls CLIENT LIST while attacker lines run. The shared connection (its name,
 * e.g. "playground") blocked at all is a finding; so is one of this process's
 * other connections blocked for longer than `leaseCapSeconds` + 2 s. Both are
 * unblocked (CLIENT UNBLOCK … TIMEOUT) after `graceMs`, so the run goes on.
 */
export class BlockWatch {
  findings: BlockFinding[] = [];
  during = "";
  private timer: NodeJS.Timeout | null = null;
  private seen = new Map<string, number>();
  private busy = false;

  constructor(
    private readonly admin: RespConnection,
    private readonly opts: { sharedName: string; leaseCapSeconds: number; graceMs?: number; intervalMs?: number },
  ) {}

  start(): this {
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs ?? 150);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const mine = ownPorts();
      const now = Date.now();
      for (const c of await clientList(this.admin)) {
        if (!c.flags?.includes("b")) {
          this.seen.delete(c.id);
          continue;
        }
        const port = c.addr?.split(":").pop() ?? "";
        const shared = c.name === this.opts.sharedName && mine.has(port);
        const ownLease = mine.has(port) && !shared && c.idle >= this.opts.leaseCapSeconds + 2;
        if (!shared && !ownLease) continue;
        const first = this.seen.get(c.id) ?? now;
        this.seen.set(c.id, first);
        if (!this.findings.some((f) => f.id === c.id && f.cmd === c.cmd)) {
          this.findings.push({
            id: c.id,
            name: c.name,
            cmd: c.cmd,
            idle: c.idle,
            during: this.during,
            what: shared
              ? `the shared connection "${c.name}" is blocked in ${c.cmd}`
              : `connection "${c.name}" blocked in ${c.cmd} for ${c.idle} s, past the ${this.opts.leaseCapSeconds} s cap`,
          });
        }
        if (now - first >= (this.opts.graceMs ?? 1000)) {
          await this.admin.send(["CLIENT", "UNBLOCK", c.id, "TIMEOUT"]);
          this.seen.delete(c.id);
        }
      }
    } catch {
      /* the admin connection is being closed */
    } finally {
      this.busy = false;
    }
  }
}

/** Unblocks every blocked connection of this process (after an attack, whatever it did). */
export async function unblockOwn(admin: RespConnection): Promise<void> {
  const mine = ownPorts();
  for (const c of await clientList(admin)) {
    if (c.flags?.includes("b") && mine.has(c.addr?.split(":").pop() ?? "")) await admin.send(["CLIENT", "UNBLOCK", c.id, "TIMEOUT"]);
  }
}

/**
 * The shared connection's state as the server sees it. HELLO without a
 * protocol changes nothing and is allowed for every user (no-auth), so it
 * works whatever user the connection rests as; it names the client id.
 */
export async function sharedState(shared: RedisLink, admin: RespConnection): Promise<ClientInfo | string> {
  const hello = await Promise.race([shared.send(["HELLO"]), new Promise<Reply>((r) => setTimeout(() => r({ t: "error", v: "no answer in 2 s" }), 2000))]).catch(
    (e): Reply => ({ t: "error", v: String(e) }),
  );
  if (hello.t !== "array" && hello.t !== "map") return `HELLO on the shared connection: ${JSON.stringify(hello).slice(0, 200)}`;
  const i = hello.v.findIndex((r) => r.t === "bulk" && r.v === "id");
  const id = hello.v[i + 1];
  if (id?.t !== "integer") return `HELLO without an id: ${JSON.stringify(hello).slice(0, 200)}`;
  const r = await admin.send(["CLIENT", "LIST", "ID", String(id.v)]);
  const info = r.t === "bulk" ? parseClientList(r.v)[0] : undefined;
  return info ?? `CLIENT LIST ID ${id.v}: ${JSON.stringify(r).slice(0, 200)}`;
}

/** Problems with the shared connection's state, compared with how it started. */
export function stateProblems(now: ClientInfo | string, start: ClientInfo): string[] {
  if (typeof now === "string") return [now];
  const p: string[] = [];
  if (now.db !== "0") p.push(`database ${now.db}, not 0`);
  if (now.resp !== "2") p.push(`RESP${now.resp}, not RESP2`);
  if (now.user === "default") p.push("logged out (user default)");
  if (now.name !== start.name) p.push(`renamed from "${start.name}" to "${now.name}"`);
  if (now.multi !== "-1") p.push(`inside MULTI (${now.multi} queued)`);
  if (now.sub !== "0" || now.psub !== "0") p.push(`subscribed (sub=${now.sub} psub=${now.psub})`);
  if (now.flags !== start.flags) p.push(`flags ${now.flags}, were ${start.flags}`);
  return p;
}
