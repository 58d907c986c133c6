/**
 * SSE fan-out: N subscribers on GET /api/v1/stream of one app process, a
 * steady PUBLISH rate, publish→receive latency (p50/p99), and the Redis
 * connections the app holds at 0, 10% and 100% of the subscribers — the hub
 * keeps one subscriber connection whatever their number.
 * Env: BENCH_SSE_SUBSCRIBERS (1000), BENCH_SSE_SESSIONS (100), BENCH_SSE_RATE
 * (publishes per second in all, 200), BENCH_SSE_SECONDS (5).
 */
import http from "node:http";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";

const num = (name: string, fallback: number) => {
  const n = Number(process.env[name] || fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${process.env[name]}")`);
  return n;
};

export interface SseResult {
  subscribers: number;
  sessions: number;
  rate: number;
  seconds: number;
  published: number;
  expected: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  connections: Array<{ subscribers: number; byUser: Record<string, number> }>;
  released: boolean;
}

export async function sseFanout(base: string, adminUrl: string): Promise<SseResult> {
  const subscribers = Math.round(num("BENCH_SSE_SUBSCRIBERS", 1000));
  const sessions = Math.max(1, Math.min(subscribers, Math.round(num("BENCH_SSE_SESSIONS", 100))));
  const rate = num("BENCH_SSE_RATE", 200);
  const seconds = num("BENCH_SSE_SECONDS", 5);
  const admin = new RespConnection(parseRedisUrl(adminUrl), "bench-admin");
  await admin.waitReady();

  const tokens: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const r = await fetch(`${base}/api/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    tokens.push(((await r.json()) as { session: string }).session);
  }
  const channels = tokens.map((t) => `pg:{${t.split(".")[0]}}:bench`);

  const connections: SseResult["connections"] = [];
  const count = async (n: number) => connections.push({ subscribers: n, byUser: await appConnections(admin) });
  await count(0);

  const latencies: number[] = [];
  let measuring = false;
  let received = 0;
  const streams: http.ClientRequest[] = [];
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/v1/stream?channels=bench`, { headers: { authorization: `Bearer ${tokens[i % sessions]}` }, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream ${i}: HTTP ${res.statusCode}`));
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let k: number;
          while ((k = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            if (block.startsWith("event: subscribe")) resolve();
            else if (block.startsWith("event: message") && measuring) {
              const data = JSON.parse(block.slice(block.indexOf("data: ") + 6)) as { reply: { v: Array<{ v: string }> } };
              latencies.push(performance.now() - Number(data.reply.v[2].v));
              received++;
            }
          }
        });
        res.on("error", () => {});
      });
      req.on("error", reject);
      streams.push(req);
    });
  const tenth = Math.max(1, Math.round(subscribers / 10));
  for (let i = 0; i < subscribers; i += 50) await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, (_, j) => open(i + j)));
  // Counted once all are open, and again at a tenth of them below, by closing the rest later.
  await count(subscribers);

  // Steady publishing: round-robin over the sessions' channels, `rate` per second in all.
  let published = 0;
  let expected = 0;
  const perStream = new Map<string, number>();
  for (let i = 0; i < subscribers; i++) perStream.set(channels[i % sessions], (perStream.get(channels[i % sessions]) ?? 0) + 1);
  const publish = async (ms: number, count: boolean) => {
    const end = performance.now() + ms;
    const every = 1000 / rate;
    let next = performance.now();
    let c = 0;
    while (performance.now() < end) {
      const ch = channels[c++ % sessions];
      void admin.send(["PUBLISH", ch, performance.now().toFixed(3)]);
      if (count) {
        published++;
        expected += perStream.get(ch) ?? 0;
      }
      next += every;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  await publish(1000, false); // warm-up
  await new Promise((r) => setTimeout(r, 200));
  measuring = true;
  await publish(seconds * 1000, true);
  await new Promise((r) => setTimeout(r, 500));
  measuring = false;

  for (const s of streams.splice(tenth)) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  await count(tenth);
  for (const s of streams.splice(0)) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  const numsub = await admin.send(["PUBSUB", "NUMSUB", ...channels.slice(0, 10)]);
  const released = numsub.t === "array" && numsub.v.every((r, i) => i % 2 === 0 || (r.t === "integer" && Number(r.v) === 0));
  admin.close();

  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  connections.sort((a, b) => a.subscribers - b.subscribers);
  return {
    subscribers,
    sessions,
    rate,
    seconds,
    published,
    expected,
    received,
    p50: q(0.5),
    p99: q(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    connections,
    released,
  };
}

/** The app's connections to Redis, by ACL user (the bench's own admin connection left out). */
async function appConnections(admin: RespConnection): Promise<Record<string, number>> {
  const r = await admin.send(["CLIENT", "LIST"]);
  const out: Record<string, number> = {};
  if (r.t !== "bulk" && r.t !== "verbatim") return out;
  for (const line of r.v.split("\n")) {
    const user = / user=(\S+)/.exec(line)?.[1];
    if (!user || user === "admin") continue;
    out[user] = (out[user] ?? 0) + 1;
  }
  return out;
}

export function formatSse(r: SseResult): string[] {
  const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  const lost = r.expected - r.received;
  return [
    "── SSE fan-out (GET /api/v1/stream) ────────────────────────────────────",
    `load      ${r.subscribers.toLocaleString("en-US")} SSE subscribers (${r.sessions} sessions × ${r.subscribers / r.sessions} streams) on one app process;`,
    `          ${r.rate} PUBLISH/s in all, round-robin over the sessions' channels, for ${r.seconds} s after 1 s warm-up`,
    `messages  ${r.published.toLocaleString("en-US")} published → ${r.received.toLocaleString("en-US")} received of ${r.expected.toLocaleString("en-US")} expected${lost ? ` (${lost} missing)` : ""}`,
    `latency   publish→receive p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`,
    ...r.connections.map(
      (c, i) =>
        `${i ? "" : "redis"}`.padEnd(10) +
        `at ${String(c.subscribers).padStart(5)} subscribers the app holds ${total(c.byUser)} connections (${Object.entries(c.byUser)
          .map(([u, n]) => `${u} ${n}`)
          .join(", ")})`,
    ),
    `released  ${r.released ? "every channel back to 0 subscribers after the streams closed" : "✖ some channels still subscribed after the streams closed"}`,
    `target    p99 ≤ 50 ms: ${r.p99 <= 50 ? "MET" : "NOT MET"}; connections constant as subscribers grow: ${new Set(r.connections.filter((c) => c.subscribers > 0).map((c) => total(c.byUser))).size === 1 ? "MET" : "NOT MET"}`,
    "          (at 0 subscribers the hub has not connected yet: it opens on the first stream)",
  ];
}
