import Redis from "ioredis";
import { DEFAULT_TIMEOUT_MS, type RedisTarget } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import { costLimits } from "@/lib/config";
import { caps, globWeight } from "@/lib/sandbox/glob";
import { type Problem, problem } from "@/lib/problems";
import type { ClusterMap } from "@/lib/redis/cluster";
import { stringMatch } from "./stringmatch";
import { keySlot } from "@/lib/redis/slots";

/** What matching one message's channel (as long as a name may be) against `pattern` costs, in lib/sandbox/costs.ts units. */
function patternCost(pattern: Buffer): number {
  return caps().maxName * globWeight(pattern) + 4;
}

/**
 * One Redis subscriber connection per app process (docs/architecture.md "Streaming"), and one more for
 * shard channels: channels, patterns and shard channels are reference-counted and fanned out to every
 * listener (an SSE stream, an endpoint client). Never one Redis connection per browser tab. After a
 * reconnect the hub subscribes again from its own reference counts, as the names' bytes; listeners hear
 * "gap" when the connection drops and "resumed" when it is back, because pub/sub delivers at most once
 * and whatever was published in between is lost.
 *
 * Shard channels have a connection of their own because Redis counts them apart: an SUNSUBSCRIBE that
 * leaves no shard channel answers 0, and ioredis, seeing a 0, leaves subscribed mode and drops every
 * later message on that connection, channels' and patterns' too (a hostile review cut every visitor's
 * delivery with one SSUBSCRIBE and SUNSUBSCRIBE). Nor is ioredis's own resubscription used: it keeps
 * names as UTF-8 strings, so a name that is not UTF-8 came back under other bytes.
 */
export interface HubMessage {
  kind: "message" | "pmessage" | "smessage";
  pattern?: Buffer;
  channel: Buffer;
  payload: Buffer;
}

export interface HubListener {
  onMessage(m: HubMessage): void;
  /** Receives whole messages (a client of the endpoint), not ones cut for display (a console stream): what a PUBLISH costs counts them whole. */
  whole?: boolean;
  onGap?(): void;
  onResumed?(): void;
}

/** A classic channel (SUBSCRIBE), a pattern (PSUBSCRIBE) or a shard channel (SSUBSCRIBE: only SPUBLISH reaches it). */
export type Kind = "channel" | "pattern" | "shard";

/** One subscriber connection: to the one Redis, or to one master of a cluster; for shard channels (`shard`) or the others. */
interface HubNode {
  key: string;
  shard: boolean;
  redis: Redis;
  wasReady: boolean;
  everReady: boolean;
}

export class SubscriberHub {
  private nodes = new Map<string, HubNode>();
  /** Where each live channel or pattern is subscribed (`channel:<name>`, `pattern:<name>`, `shard:<name>` → node key). */
  private placed = new Map<string, string>();
  private refs: Record<Kind, Map<string, Set<HubListener>>> = { channel: new Map(), pattern: new Map(), shard: new Map() };
  private listeners = new Set<HubListener>();
  /** Each listener's own names by kind (latin1): closing one walks its names, not every name in the hub. */
  private owned = new Map<HubListener, Record<Kind, Set<string>>>();
  /** Listeners told "gap" and not yet "resumed": each hears one of each however many connections its names are on. */
  private gapped = new Set<HubListener>();
  /** Live patterns' matching weight per namespace (patternCost), and each pattern's namespace and weight. */
  private weights = new Map<string, number>();
  private patternWeight = new Map<string, { group: string; weight: number }>();
  private readonly onMapChanged = () => void this.follow();

  /** How long add/remove wait for Redis (the target's `connection.timeoutMs`, PLAYGROUND_REDIS_TIMEOUT_MS). */
  private readonly timeoutMs: number;

  /**
   * `cluster`: subscribe each channel and pattern on the master that owns its
   * slot (a namespace's all on its own master), so that a PUBLISH, routed to
   * that master, counts this hub's streams, and PUBSUB answers there too; when
   * a slot changes hands (a failover), its subscriptions move.
   */
  constructor(
    private readonly target: RedisTarget,
    private readonly cluster?: ClusterMap,
  ) {
    this.timeoutMs = target.connection?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (cluster) cluster.on("changed", this.onMapChanged);
    else this.node(target, false);
  }

  /** The node a channel or pattern belongs on. */
  private nodeFor(name: Buffer, kind: Kind): HubNode {
    if (!this.cluster) return this.node(this.target, kind === "shard");
    const addr = this.cluster.nodeForKey(name);
    if (!addr) throw new SandboxError("redis_unavailable");
    return this.node(addr, kind === "shard");
  }

  private node(addr: { host: string; port: number }, shard: boolean): HubNode {
    const key = `${addr.host}:${addr.port}${shard ? "/shard" : ""}`;
    const existing = this.nodes.get(key);
    if (existing) return existing;
    const redis = new Redis({
      host: addr.host,
      port: addr.port,
      username: this.target.username,
      password: this.target.password,
      connectionName: shard ? "playground-hub-shard" : "playground-hub",
      autoResubscribe: false, // the hub subscribes again itself, from its reference counts, as bytes
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
      enableReadyCheck: false,
      // Deadlines. A socket on which a command (SUBSCRIBE, the handshake) got
      // no byte back within the deadline is replaced: ioredis reconnects,
      // listeners hear "gap", and the queued commands are sent again. Not
      // `commandTimeout`: it rejects ioredis's own resubscribe after a
      // reconnect too, which nobody awaits — an unhandled rejection. Callers'
      // waits are bounded by `within` instead.
      socketTimeout: this.timeoutMs,
      connectTimeout: Math.max(this.timeoutMs, 10_000),
    });
    const node: HubNode = { key, shard, redis, wasReady: false, everReady: false };
    this.nodes.set(key, node);
    redis.on("error", () => {
      /* reconnects by itself; listeners hear "gap" */
    });
    redis.on("close", () => {
      if (!node.wasReady) return;
      node.wasReady = false;
      for (const l of this.listenersOn(key)) {
        if (this.gapped.has(l)) continue;
        this.gapped.add(l);
        l.onGap?.();
      }
      this.cluster?.refreshSoon(); // a master may have failed: its replica's promotion moves these subscriptions
    });
    redis.on("ready", () => {
      const resumed = node.everReady && !node.wasReady;
      node.wasReady = node.everReady = true;
      if (!resumed) return;
      this.resubscribe(node);
      const down = new Set([...this.nodes.values()].filter((n) => !n.wasReady).map((n) => n.key));
      const stillDown = down.size ? this.listenersOn(...down) : new Set<HubListener>();
      for (const l of this.listenersOn(key)) {
        if (!this.gapped.has(l) || stillDown.has(l)) continue;
        this.gapped.delete(l);
        l.onResumed?.();
      }
    });
    // ioredis hands some of these over as strings (the pattern of a pmessage): make them all bytes.
    const buf = (x: Buffer | string) => (Buffer.isBuffer(x) ? x : Buffer.from(x));
    redis.on("messageBuffer", (channel: Buffer, payload: Buffer) =>
      this.fan("channel", buf(channel).toString("latin1"), { kind: "message", channel: buf(channel), payload: buf(payload) }),
    );
    redis.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, payload: Buffer) =>
      this.fan("pattern", buf(pattern).toString("latin1"), { kind: "pmessage", pattern: buf(pattern), channel: buf(channel), payload: buf(payload) }),
    );
    redis.on("smessageBuffer", (channel: Buffer, payload: Buffer) =>
      this.fan("shard", buf(channel).toString("latin1"), { kind: "smessage", channel: buf(channel), payload: buf(payload) }),
    );
    return node;
  }

  /** After a reconnect: every channel, pattern or shard channel placed on this node, subscribed again as its bytes. */
  private resubscribe(node: HubNode): void {
    const byKind = new Map<Kind, Buffer[]>();
    for (const [where, at] of this.placed) {
      if (at !== node.key) continue;
      const [kind, ...rest] = where.split(":");
      const list = byKind.get(kind as Kind) ?? [];
      if (list.length === 0) byKind.set(kind as Kind, list);
      list.push(Buffer.from(rest.join(":"), "latin1")); // pushed, not copied: 20,000 names took 8 s copied
    }
    for (const [kind, names] of byKind) void this.subscribe(node, kind, names).catch(() => {});
  }

  /** Listeners with at least one subscription on one of the connections `keys`. */
  private listenersOn(...keys: string[]): Set<HubListener> {
    const out = new Set<HubListener>();
    for (const [where, at] of this.placed) {
      if (!keys.includes(at)) continue;
      const [kind, ...rest] = where.split(":");
      for (const l of this.refs[kind as Kind].get(rest.join(":")) ?? []) out.add(l);
    }
    return out;
  }

  /** After the map changed: subscriptions whose slot moved (a failover) go to the new owner; nodes that serve nothing are closed. */
  private async follow(): Promise<void> {
    if (!this.cluster) return;
    const moves: Array<{ kind: Kind; name: Buffer; from: string; to: HubNode }> = [];
    for (const [where, at] of this.placed) {
      const [kind, ...rest] = where.split(":");
      const name = Buffer.from(rest.join(":"), "latin1");
      const addr = this.cluster.nodeForKey(name);
      const to = addr && this.node(addr, kind === "shard");
      if (!to || to.key === at) continue;
      moves.push({ kind: kind as Kind, name, from: at, to });
    }
    for (const m of moves) {
      this.placed.set(`${m.kind}:${m.name.toString("latin1")}`, m.to.key);
      const old = this.nodes.get(m.from);
      if (old && old.redis.status === "ready") void this.unsubscribe(old, m.kind, [m.name]).catch(() => {});
      void this.subscribe(m.to, m.kind, [m.name]).catch(() => {});
      for (const l of this.refs[m.kind].get(m.name.toString("latin1")) ?? []) l.onResumed?.();
    }
    const serving = new Set(this.cluster.masters().map((a) => `${a.host}:${a.port}`));
    for (const [key, node] of this.nodes) {
      if (serving.has(key.replace(/\/shard$/, "")) || [...this.placed.values()].includes(key)) continue;
      node.redis.disconnect();
      this.nodes.delete(key);
    }
  }

  private subscribe(node: HubNode, kind: Kind, names: Buffer[]): Promise<unknown> {
    if (kind === "channel") return node.redis.subscribe(...names);
    // One SSUBSCRIBE per slot: on a cluster, names of several slots in one call are CROSSSLOT (a namespace's are all in its slot).
    if (kind === "shard") return Promise.all([...bySlot(names)].map((group) => node.redis.ssubscribe(...group)));
    return (node.redis.psubscribe as unknown as (...p: Buffer[]) => Promise<unknown>).apply(node.redis, names);
  }

  private unsubscribe(node: HubNode, kind: Kind, names: Buffer[]): Promise<unknown> {
    if (kind === "channel") return node.redis.unsubscribe(...names);
    if (kind === "shard") return Promise.all([...bySlot(names)].map((group) => node.redis.sunsubscribe(...group)));
    return (node.redis.punsubscribe as unknown as (...p: Buffer[]) => Promise<unknown>).apply(node.redis, names);
  }

  /**
   * Redis matches every message published against every pattern subscribed
   * (a pattern of another namespace fails at its prefix, at once). The
   * distinct live patterns of one namespace (`group`) together may cost at
   * most the per-command budget for one message on a name as long as allowed
   * (lib/sandbox/glob.ts). Returns the refusal for adding `patterns`, or null.
   */
  patternRefusal(group: string, patterns: Buffer[]): Problem | null {
    const { maxCost } = costLimits();
    let total = this.weights.get(group) ?? 0;
    const seen = new Set<string>();
    for (const p of patterns) {
      const key = p.toString("latin1");
      if (this.refs.pattern.has(key) || seen.has(key)) continue;
      seen.add(key);
      total += patternCost(p);
    }
    if (total <= maxCost) return null;
    return problem("glob:patterns-cost", { units: total, limit: maxCost });
  }

  /** Channels this process listens to: in all, and those of one namespace with their names' bytes (PUBSUB CHANNELS's estimate). */
  channelStats(prefix: string): { total: number; count: number; bytes: number; patterns: number } {
    let count = 0;
    let bytes = 0;
    for (const key of this.refs.channel.keys()) {
      if (!key.startsWith(prefix)) continue;
      count++;
      bytes += key.length;
    }
    let patterns = 0;
    for (const w of this.patternWeight.values()) if (w.group === prefix) patterns++;
    return { total: this.refs.channel.size, count, bytes, patterns };
  }

  /** Streams in this process a message published on `channel` reaches: its own listeners and those of its namespace's (`group`'s) patterns. */
  receivers(channel: Buffer, group: string): number {
    let n = this.refs.channel.get(channel.toString("latin1"))?.size ?? 0;
    for (const [key, w] of this.patternWeight) if (w.group === group) n += this.refs.pattern.get(key)?.size ?? 0;
    return n;
  }

  /**
   * What Redis's count of a PUBLISH on `channel` leaves out in this process:
   * the hub holds one Redis subscription per channel or pattern however many
   * listeners (console streams, endpoint clients) share it, and Redis counts
   * that one. `subscriptions`: the hub's that receive the message (the channel,
   * and each of its namespace's (`group`'s) patterns that matches it, as Redis
   * matches: stringmatch.ts); `listeners`: the listeners behind them.
   * `shard`: an SPUBLISH, which reaches the shard channel's listeners only.
   */
  fanout(channel: Buffer, group: string, shard = false): { subscriptions: number; listeners: number; channelListeners: number } {
    let subscriptions = 0;
    let listeners = 0;
    const direct = this.refs[shard ? "shard" : "channel"].get(channel.toString("latin1"));
    if (direct?.size) {
      subscriptions++;
      listeners += direct.size;
    }
    const channelListeners = listeners;
    if (shard) return { subscriptions, listeners, channelListeners };
    for (const [key, w] of this.patternWeight) {
      if (w.group !== group) continue;
      const set = this.refs.pattern.get(key);
      if (!set?.size || !stringMatch(Buffer.from(key, "latin1"), channel)) continue;
      subscriptions++;
      listeners += set.size;
    }
    return { subscriptions, listeners, channelListeners };
  }

  /**
   * The bytes a PUBLISH (or, `shard`, an SPUBLISH) of `payload` bytes on
   * `channel` makes this process write, listener by listener (each pattern
   * that matches counts once for each of its listeners, as Redis delivers): a
   * console stream shows at most `displayCap` bytes of it, a client of the
   * endpoint gets all of it.
   */
  deliveryBytes(channel: Buffer, group: string, payload: number, displayCap: number, shard = false): { receivers: number; bytes: number } {
    let receivers = 0;
    let bytes = 0;
    const add = (set: Set<HubListener> | undefined) => {
      for (const l of set ?? []) {
        receivers++;
        bytes += l.whole ? payload : Math.min(payload, displayCap);
      }
    };
    add(this.refs[shard ? "shard" : "channel"].get(channel.toString("latin1")));
    if (shard) return { receivers, bytes };
    for (const [key, w] of this.patternWeight) {
      if (w.group === group && stringMatch(Buffer.from(key, "latin1"), channel)) add(this.refs.pattern.get(key));
    }
    return { receivers, bytes };
  }

  /** Subscribes a listener; patterns count against their namespace's (`group`'s) matching budget. */
  async add(listener: HubListener, kind: Kind, names: Buffer[], group?: string): Promise<void> {
    if (kind === "pattern" && group !== undefined) {
      const refusal = this.patternRefusal(group, names);
      if (refusal) throw new SandboxError("bad_request", refusal);
    }
    // Every name's node first: a slot with no master (a failover under way) refuses the whole call before anything is recorded.
    const nodes = names.map((n) => (this.refs[kind].has(n.toString("latin1")) ? null : this.nodeFor(n, kind)));
    this.listeners.add(listener);
    const fresh: Buffer[] = [];
    for (const n of names) {
      const key = n.toString("latin1");
      let set = this.refs[kind].get(key);
      if (!set) {
        set = new Set();
        this.refs[kind].set(key, set);
        fresh.push(n);
        if (kind === "pattern" && group !== undefined) {
          const weight = patternCost(n);
          this.patternWeight.set(key, { group, weight });
          this.weights.set(group, (this.weights.get(group) ?? 0) + weight);
        }
      }
      set.add(listener);
      let mine = this.owned.get(listener);
      if (!mine) this.owned.set(listener, (mine = { channel: new Set(), pattern: new Set(), shard: new Set() }));
      mine[kind].add(key);
    }
    if (fresh.length === 0) return;
    // Each on its node (one, on a single Redis). On a timeout the subscription still goes through once Redis answers (ioredis keeps it queued).
    const byNode = new Map<HubNode, Buffer[]>();
    for (const n of fresh) {
      const node = nodes[names.indexOf(n)] ?? this.nodeFor(n, kind);
      this.placed.set(`${kind}:${n.toString("latin1")}`, node.key);
      const list = byNode.get(node) ?? [];
      if (list.length === 0) byNode.set(node, list);
      list.push(n);
    }
    await Promise.all([...byNode].map(([node, names]) => this.within(this.subscribe(node, kind, names))));
  }

  /** Drops a listener from some (or all, when `names` is omitted) of its subscriptions. */
  async remove(listener: HubListener, kind?: Kind, names?: Buffer[]): Promise<void> {
    const kinds: Kind[] = kind ? [kind] : ["channel", "pattern", "shard"];
    for (const k of kinds) {
      const gone: Buffer[] = [];
      const keys = names ? names.map((n) => n.toString("latin1")) : [...(this.owned.get(listener)?.[k] ?? [])];
      const mine = this.owned.get(listener)?.[k];
      for (const key of keys) mine?.delete(key);
      for (const key of keys) {
        const set = this.refs[k].get(key);
        if (!set?.delete(listener)) continue;
        if (set.size === 0) {
          this.refs[k].delete(key);
          gone.push(Buffer.from(key, "latin1"));
          const w = k === "pattern" ? this.patternWeight.get(key) : undefined;
          if (w) {
            this.patternWeight.delete(key);
            const left = (this.weights.get(w.group) ?? 0) - w.weight;
            if (left > 0.5) this.weights.set(w.group, left);
            else this.weights.delete(w.group);
          }
        }
      }
      if (gone.length > 0) {
        const byNode = new Map<string, Buffer[]>();
        for (const n of gone) {
          const at = this.placed.get(`${k}:${n.toString("latin1")}`);
          this.placed.delete(`${k}:${n.toString("latin1")}`);
          if (!at) continue;
          const list = byNode.get(at) ?? [];
          if (list.length === 0) byNode.set(at, list);
          list.push(n);
        }
        await Promise.all(
          [...byNode].map(([at, names]) => {
            const node = this.nodes.get(at);
            return node ? this.within(this.unsubscribe(node, k, names)).catch(() => {}) : Promise.resolve();
          }),
        );
      }
    }
    if (!names && !kind) {
      this.listeners.delete(listener);
      this.gapped.delete(listener);
      this.owned.delete(listener);
    }
  }

  /** Reference counts, for tests and the benchmark. */
  counts(): { channels: number; patterns: number; shards: number; listeners: number } {
    return { channels: this.refs.channel.size, patterns: this.refs.pattern.size, shards: this.refs.shard.size, listeners: this.listeners.size };
  }

  /** Every node's subscriber connection is up (a cluster's: those it has opened). */
  get ready(): boolean {
    return this.nodes.size > 0 && [...this.nodes.values()].every((n) => n.redis.status === "ready");
  }

  close(): void {
    this.cluster?.off("changed", this.onMapChanged);
    for (const n of this.nodes.values()) n.redis.disconnect();
    this.nodes.clear();
  }

  /** Waits for an ioredis call at most the deadline; then rejects with redis_unavailable (the call itself stays queued). */
  private within<T>(p: Promise<T>): Promise<T> {
    p.catch(() => {}); // settles after a timeout too: never unhandled
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SandboxError("redis_unavailable")), this.timeoutMs);
      p.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e) => (clearTimeout(timer), reject(e)),
      );
    });
  }

  private fan(kind: Kind, key: string, m: HubMessage): void {
    for (const l of this.refs[kind].get(key) ?? []) {
      try {
        l.onMessage(m);
      } catch (e) {
        console.error("[hub] listener failed:", e);
      }
    }
  }
}

/** Names grouped by their hash slot (one group per slot, in first-seen order). */
function bySlot(names: Buffer[]): Buffer[][] {
  const groups = new Map<number, Buffer[]>();
  for (const n of names) {
    const slot = keySlot(n);
    const list = groups.get(slot) ?? [];
    if (list.length === 0) groups.set(slot, list);
    list.push(n);
  }
  return [...groups.values()];
}
