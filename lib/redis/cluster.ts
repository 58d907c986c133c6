import { EventEmitter } from "node:events";
import { isSandboxError, SandboxError } from "@/lib/errors";
import type { Reply } from "@/lib/resp/reply";
import { type ConnectionOptions, type RedisTarget, RespConnection, type SendOptions } from "./resp-connection";
import { keySlot, SLOTS } from "./slots";

/**
 * Redis Cluster support (docs/architecture.md "Redis Cluster"): the slot map,
 * kept by one ClusterMap per process, and ClusterConnection, which sends each
 * command to the master that owns its slot over one RespConnection per node,
 * as its own user. A namespace is a hash tag, so everything a visitor does
 * goes to one node.
 *
 * The map is read with CLUSTER NODES: at start, every few seconds, and soon
 * after anything says it is stale — a MOVED reply (the slot is moved at once,
 * then the whole map read again), a CLUSTERDOWN, or a node that stops
 * answering (its master failed: the replica that takes over appears in the
 * map once the cluster has promoted it). ASK (a slot being migrated) is
 * followed for that one command, with ASKING first, as the protocol asks.
 * Commands to a node that is down fail at once with `redis_unavailable`, as
 * on a single Redis, and so do commands answered CLUSTERDOWN (the cluster is
 * between a failure and a promotion): the visitor sees a 503 and tries
 * again; nothing queues.
 */

export interface NodeAddr {
  host: string;
  port: number;
}

const addrKey = (a: NodeAddr) => `${a.host}:${a.port}`;

function parseAddr(s: string): NodeAddr | null {
  const i = s.lastIndexOf(":");
  if (i <= 0) return null;
  const port = Number(s.slice(i + 1));
  return Number.isInteger(port) && port > 0 ? { host: s.slice(0, i), port } : null;
}

export interface ClusterMapOptions {
  /** How often the map is read again while nothing says it is stale, in ms (default 5,000). */
  refreshMs?: number;
  /** The deadline of a CLUSTER NODES, in ms (default 1,000). */
  timeoutMs?: number;
}

/**
 * The slot map: which master serves each slot, and each master's replicas.
 * Read with the credentials of `seed` (a user allowed CLUSTER NODES) from any
 * node it knows. Emits "changed" when a slot changes hands.
 */
export class ClusterMap extends EventEmitter {
  private slots: Array<string | undefined> = new Array(SLOTS);
  /** masters(), until the map changes. */
  private serving: NodeAddr[] | null = null;
  private allCovered = false;
  private nodes = new Map<string, { addr: NodeAddr; master: boolean }>();
  private topology = new Map<string, RespConnection>();
  private refreshing: Promise<void> | null = null;
  private soon: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  /** When the map was last read in full. */
  readAt = 0;

  constructor(
    private readonly seed: RedisTarget,
    opts: ClusterMapOptions = {},
  ) {
    super();
    this.refreshMs = opts.refreshMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.nodes.set(addrKey(seed), { addr: { host: seed.host, port: seed.port }, master: true });
  }

  /** Reads the map for the first time (retrying until `waitMs`), then keeps it fresh. */
  async start(waitMs = 10_000): Promise<void> {
    const until = Date.now() + waitMs;
    for (;;) {
      await this.refresh();
      if (this.readAt > 0) break;
      if (Date.now() > until) throw new SandboxError("redis_unavailable");
      await new Promise((r) => setTimeout(r, 100));
    }
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref?.();
  }

  /** The master serving `slot`, if the map knows one. */
  nodeFor(slot: number): NodeAddr | undefined {
    const k = this.slots[slot];
    return k ? this.nodes.get(k)?.addr : undefined;
  }

  /** The master serving `key`'s slot. */
  nodeForKey(key: Uint8Array | string): NodeAddr | undefined {
    return this.nodeFor(keySlot(key));
  }

  /** Whether every slot has a master (not during a failover's gap, when a failed master's slots have none yet). */
  covered(): boolean {
    this.masters();
    return this.allCovered;
  }

  /** The masters serving at least one slot: computed when the map changes, not on every call (the command path asks). */
  masters(): NodeAddr[] {
    if (!this.serving) {
      const owners = this.slots.filter((k): k is string => k !== undefined);
      this.allCovered = owners.length === SLOTS;
      this.serving = [...new Set(owners)].map((k) => this.nodes.get(k)?.addr).filter((a): a is NodeAddr => a !== undefined);
    }
    return this.serving;
  }

  /** Every node the map lists, masters and replicas: ACL users must exist on each (Redis does not propagate ACLs). */
  all(): NodeAddr[] {
    return [...this.nodes.values()].map((n) => n.addr);
  }

  /** A MOVED reply: the slot is served elsewhere now. Taken at once; the whole map is read again soon. */
  moved(slot: number, to: NodeAddr): void {
    const k = addrKey(to);
    if (!this.nodes.has(k)) this.nodes.set(k, { addr: to, master: true });
    if (this.slots[slot] !== k) {
      this.slots[slot] = k;
      this.serving = null;
      this.emit("changed");
    }
    this.refreshSoon();
  }

  /** Something said the map may be stale (a node down, CLUSTERDOWN): read it again within ~100 ms, once. */
  refreshSoon(): void {
    if (this.soon || this.closed) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.refresh();
    }, 100);
    this.soon.unref?.();
  }

  /** Reads CLUSTER NODES from the first node that answers; at most one read at a time. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readMap().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async readMap(): Promise<void> {
    // Masters first: a replica's view may lag behind a promotion.
    const candidates = [...this.nodes.values()].sort((a, b) => Number(b.master) - Number(a.master)).map((n) => n.addr);
    for (const addr of candidates) {
      if (this.closed) return;
      const conn = this.topologyConn(addr);
      try {
        if (!conn.isReady) await conn.waitReady(this.timeoutMs);
        const r = await conn.send(["CLUSTER", "NODES"], { timeoutMs: this.timeoutMs });
        if (r.t !== "bulk" || !this.apply(r.v)) continue; // a node not (yet) in a cluster, or one that lost it
        return;
      } catch (e) {
        if (!isSandboxError(e)) throw e;
      }
    }
  }

  /**
   * Takes a CLUSTER NODES answer (`<id> <ip:port@bus> <flags> <master> … <slots…>`): every node that is
   * not failed, and the slots of each master. CLUSTER SLOTS would be shorter, but it leaves out
   * replicas that have not replicated anything yet, and ACL users must reach those too.
   */
  private apply(text: string): boolean {
    const slots: Array<string | undefined> = new Array(SLOTS);
    const nodes = new Map<string, { addr: NodeAddr; master: boolean }>();
    for (const line of text.split("\n")) {
      const [, address, flagList, , , , , , ...owned] = line.trim().split(" ");
      if (!address || !flagList) continue;
      const flags = new Set(flagList.split(","));
      if (flags.has("fail") || flags.has("noaddr") || flags.has("handshake")) continue;
      const addr = parseAddr(address.split("@")[0]);
      if (!addr) continue;
      if (!addr.host) addr.host = this.seed.host;
      const master = flags.has("master");
      nodes.set(addrKey(addr), { addr, master });
      if (!master) continue;
      for (const range of owned) {
        if (range.startsWith("[")) continue; // a slot being migrated or imported: its owner is the one listed plainly
        const [from, to = from] = range.split("-").map(Number);
        for (let s = from; s <= to && s < SLOTS; s++) slots[s] = addrKey(addr);
      }
    }
    if (!slots.some(Boolean)) return false;
    const changed = slots.some((k, i) => k !== this.slots[i]) || nodes.size !== this.nodes.size;
    this.slots = slots;
    this.nodes = nodes;
    this.serving = null;
    this.readAt = Date.now();
    // Nodes no longer listed (a master that failed) keep no connection here.
    for (const [k, c] of this.topology) {
      if (!nodes.has(k)) {
        c.close();
        this.topology.delete(k);
      }
    }
    if (changed) this.emit("changed");
    return true;
  }

  private topologyConn(addr: NodeAddr): RespConnection {
    const k = addrKey(addr);
    let c = this.topology.get(k);
    if (!c) {
      c = new RespConnection({ ...this.seed, host: addr.host, port: addr.port }, "playground-topology", { timeoutMs: this.timeoutMs });
      this.topology.set(k, c);
    }
    return c;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    for (const c of this.topology.values()) c.close();
    this.topology.clear();
  }
}

/** `MOVED 3999 127.0.0.1:6381` / `ASK 3999 127.0.0.1:6381`: the slot and where to go. */
export function redirectOf(r: Reply): { kind: "MOVED" | "ASK"; slot: number; to: NodeAddr } | null {
  if (r.t !== "error") return null;
  const m = /^(MOVED|ASK) (\d+) (\S+)$/.exec(r.v);
  const to = m ? parseAddr(m[3]) : null;
  return m && to && Number(m[2]) < SLOTS ? { kind: m[1] as "MOVED" | "ASK", slot: Number(m[2]), to } : null;
}

/** How many redirections one command may follow before its last answer is returned as it is. */
const MAX_REDIRECTS = 5;

/**
 * One role's connections to a cluster (the sandbox's, the app's, …): one
 * RespConnection per master, each logged in as `target`'s user, and the
 * routing of each command to the master of its slot.
 */
export class ClusterConnection {
  private conns = new Map<string, RespConnection>();
  private readonly onChanged = () => this.prune();
  /** Called with each node connection as it is made (RoutedConnection forwards its events). */
  onNode?: (conn: RespConnection) => void;

  constructor(
    readonly map: ClusterMap,
    readonly target: RedisTarget,
    readonly name = "playground",
    private readonly options: ConnectionOptions = target.connection ?? {},
  ) {
    map.on("changed", this.onChanged);
  }

  /** The connection to one node, opened on first use. */
  node(addr: NodeAddr): RespConnection {
    const k = addrKey(addr);
    let c = this.conns.get(k);
    if (!c) {
      c = new RespConnection({ ...this.target, host: addr.host, port: addr.port }, this.name, this.options);
      // A node that drops is the map's business too: its master may have failed.
      c.on("down", () => this.map.refreshSoon());
      this.conns.set(k, c);
      this.onNode?.(c);
    }
    return c;
  }

  /** The connection to the master of `slot`; `redis_unavailable` when no node serves it. */
  forSlot(slot: number): RespConnection {
    const addr = this.map.nodeFor(slot);
    if (!addr) {
      this.map.refreshSoon();
      throw new SandboxError("redis_unavailable");
    }
    return this.node(addr);
  }

  forKey(key: Uint8Array | string): RespConnection {
    return this.forSlot(keySlot(key));
  }

  /**
   * Sends one command to the master of `slot`, following MOVED (the map is
   * updated) and ASK (ASKING, then the command, on the target). A node that
   * is down fails at once with `redis_unavailable`, as a single Redis does.
   */
  async send(slot: number, argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply> {
    let ask: NodeAddr | null = null;
    for (let i = 0; ; i++) {
      let conn: RespConnection;
      let reply: Reply;
      try {
        if (ask) {
          conn = this.node(ask);
          await conn.ensureReady();
          const asking = conn.send(["ASKING"], opts);
          reply = await conn.send(argv, opts);
          await asking;
        } else {
          conn = this.forSlot(slot);
          await conn.ensureReady(); // a node's first connect may still be under way; one that went down fails at once
          reply = await conn.send(argv, opts);
        }
      } catch (e) {
        if (isSandboxError(e) && e.kind === "redis_unavailable") this.map.refreshSoon();
        throw e;
      }
      const to = redirectOf(reply);
      if (!to || i >= MAX_REDIRECTS) {
        if (reply.t === "error" && reply.v.startsWith("CLUSTERDOWN")) {
          // The cluster is between a master's failure and its replica's promotion: an outage, a 503, not the visitor's error.
          this.map.refreshSoon();
          throw new SandboxError("redis_unavailable");
        }
        return reply;
      }
      if (to.kind === "MOVED") {
        this.map.moved(to.slot, to.to);
        ask = null;
      } else ask = to.to;
    }
  }

  /** Sends to the master of `key`'s slot. */
  sendKey(key: Uint8Array | string, argv: readonly (Uint8Array | string)[], opts?: SendOptions): Promise<Reply> {
    return this.send(keySlot(key), argv, opts);
  }

  /** Every master's connection, for commands each node must hear (ACL SETUSER) or answer for its own keys. */
  masters(): RespConnection[] {
    return this.map.masters().map((a) => this.node(a));
  }

  /** Closes connections to nodes that serve no slot any more (a master that failed, a replica never used). */
  private prune(): void {
    const keep = new Set(this.map.masters().map(addrKey));
    for (const [k, c] of this.conns) {
      if (!keep.has(k)) {
        c.close();
        this.conns.delete(k);
      }
    }
  }

  close(): void {
    this.map.off("changed", this.onChanged);
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}
