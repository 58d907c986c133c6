import Redis from "ioredis";
import { DEFAULT_TIMEOUT_MS, type RedisTarget } from "@/lib/redis/resp-connection";
import { SandboxError } from "@/lib/errors";
import { costLimits } from "@/lib/config";
import { caps, globWeight } from "@/lib/sandbox/glob";
import { type Problem, problem } from "@/lib/problems";

/** What matching one message's channel (as long as a name may be) against `pattern` costs, in lib/sandbox/costs.ts units. */
function patternCost(pattern: Buffer): number {
  return caps().maxName * globWeight(pattern) + 4;
}

/**
 * One Redis subscriber connection per app process (docs/architecture.md "Streaming"): channels and
 * patterns are reference-counted and fanned out to every listener (an SSE
 * stream). Never one Redis connection per browser tab. ioredis resubscribes
 * by itself after a reconnect; listeners hear "gap" when the connection drops
 * and "resumed" when it is back, because pub/sub delivers at most once and
 * whatever was published in between is lost.
 */
export interface HubMessage {
  kind: "message" | "pmessage";
  pattern?: Buffer;
  channel: Buffer;
  payload: Buffer;
}

export interface HubListener {
  onMessage(m: HubMessage): void;
  onGap?(): void;
  onResumed?(): void;
}

type Kind = "channel" | "pattern";

export class SubscriberHub {
  private redis: Redis;
  private refs: Record<Kind, Map<string, Set<HubListener>>> = { channel: new Map(), pattern: new Map() };
  private listeners = new Set<HubListener>();
  /** Live patterns' matching weight per namespace (patternCost), and each pattern's namespace and weight. */
  private weights = new Map<string, number>();
  private patternWeight = new Map<string, { group: string; weight: number }>();
  private wasReady = false;
  private everReady = false;

  /** How long add/remove wait for Redis (the target's `connection.timeoutMs`, PLAYGROUND_REDIS_TIMEOUT_MS). */
  private readonly timeoutMs: number;

  constructor(target: RedisTarget) {
    this.timeoutMs = target.connection?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.redis = new Redis({
      host: target.host,
      port: target.port,
      username: target.username,
      password: target.password,
      connectionName: "playground-hub",
      autoResubscribe: true,
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
    this.redis.on("error", () => {
      /* reconnects by itself; listeners hear "gap" */
    });
    this.redis.on("close", () => {
      if (!this.wasReady) return;
      this.wasReady = false;
      for (const l of this.listeners) l.onGap?.();
    });
    this.redis.on("ready", () => {
      const resumed = this.everReady && !this.wasReady;
      this.wasReady = this.everReady = true;
      if (resumed) for (const l of this.listeners) l.onResumed?.();
    });
    // ioredis hands some of these over as strings (the pattern of a pmessage): make them all bytes.
    const buf = (x: Buffer | string) => (Buffer.isBuffer(x) ? x : Buffer.from(x));
    this.redis.on("messageBuffer", (channel: Buffer, payload: Buffer) =>
      this.fan("channel", buf(channel).toString("latin1"), { kind: "message", channel: buf(channel), payload: buf(payload) }),
    );
    this.redis.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, payload: Buffer) =>
      this.fan("pattern", buf(pattern).toString("latin1"), { kind: "pmessage", pattern: buf(pattern), channel: buf(channel), payload: buf(payload) }),
    );
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

  /** Subscribes a listener; patterns count against their namespace's (`group`'s) matching budget. */
  async add(listener: HubListener, kind: Kind, names: Buffer[], group?: string): Promise<void> {
    if (kind === "pattern" && group !== undefined) {
      const refusal = this.patternRefusal(group, names);
      if (refusal) throw new SandboxError("bad_request", refusal);
    }
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
    }
    if (fresh.length === 0) return;
    // On a timeout the subscription still goes through once Redis answers (ioredis keeps it queued).
    if (kind === "channel") await this.within(this.redis.subscribe(...fresh));
    else await this.within((this.redis.psubscribe as unknown as (...p: Buffer[]) => Promise<unknown>).apply(this.redis, fresh));
  }

  /** Drops a listener from some (or all, when `names` is omitted) of its subscriptions. */
  async remove(listener: HubListener, kind?: Kind, names?: Buffer[]): Promise<void> {
    const kinds: Kind[] = kind ? [kind] : ["channel", "pattern"];
    for (const k of kinds) {
      const gone: Buffer[] = [];
      const keys = names ? names.map((n) => n.toString("latin1")) : [...this.refs[k].keys()];
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
        if (k === "channel") await this.within(this.redis.unsubscribe(...gone)).catch(() => {});
        else await this.within((this.redis.punsubscribe as unknown as (...p: Buffer[]) => Promise<unknown>).apply(this.redis, gone)).catch(() => {});
      }
    }
    if (!names && !kind) this.listeners.delete(listener);
  }

  /** Reference counts, for tests and the benchmark. */
  counts(): { channels: number; patterns: number; listeners: number } {
    return { channels: this.refs.channel.size, patterns: this.refs.pattern.size, listeners: this.listeners.size };
  }

  get ready(): boolean {
    return this.redis.status === "ready";
  }

  close(): void {
    this.redis.disconnect();
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
