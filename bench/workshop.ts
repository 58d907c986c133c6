/**
 * `npm run bench:classroom -- --workshop [--proxy]`: the 1,000-learner
 * workshop. BENCH_ROOMS (5) rooms × BENCH_STUDENTS (200) students over the
 * API; each student holds a live stream open (GET /api/v1/stream), runs a
 * command every 2 s and reports a step every 5 commands; each room's
 * dashboard follows over SSE. Prints exec p50/p99, step → dashboard p50/p99,
 * errors, dropped streams, and what each learner costs Redis: commands per
 * second and connections, counted on the server(s) with INFO.
 *
 * Without --proxy: one app process on one redis-server (bench/serve-app.ts).
 * With --proxy: nginx in front of two instances on a 3 + 3 Redis Cluster
 * (scripts/topology.ts, as `npm run demo:cluster`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { readSse } from "@/lib/streaming/sse-parse";
import type { RoomState } from "@/lib/classroom/rooms";
import { startTopology } from "../scripts/topology";
import { installCleanup, startChild, stopAll } from "./children";
import { RAISED_RATE } from "./limits";

const root = path.resolve(import.meta.dirname, "..");
const ROOMS = Math.max(1, Number(process.env.BENCH_ROOMS || 5));
const PER_ROOM = Math.max(1, Number(process.env.BENCH_STUDENTS || 200));
const SECONDS = Math.max(5, Number(process.env.BENCH_SECONDS || 40));
const EVERY_MS = 2000;
const COMMANDS = ["PING", "SET A apple", "GET A", "INCR visits", "EXPIRE visits 600", "TTL visits", "SADD seen me", "SCARD seen", "GET nothing-here", "DEL A"];
const STEPS = ["ping", "set-get", "setex", "expire", "set-options"];
/** A load generator on one address would meet these per-address caps first. */
const ENV = {
  PLAYGROUND_RATE_PER_IP: RAISED_RATE,
  PLAYGROUND_WORK_PER_IP: RAISED_RATE,
  PLAYGROUND_SESSIONS_PER_IP_MINUTE: RAISED_RATE,
  PLAYGROUND_ROOMS_PER_IP_HOUR: RAISED_RATE,
  PLAYGROUND_JOINS_PER_IP_MINUTE: RAISED_RATE,
  PLAYGROUND_STREAMS_PER_IP: RAISED_RATE,
  PLAYGROUND_LEASES_PER_IP: "100000",
};

export const q = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : Number.NaN);

/** A JSON POST to the app, timed (bench/classroom.ts uses it too). */
export async function post(base: string, url: string, body: unknown, token?: string): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(base + url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, ms: performance.now() - t0 };
}

/** Commands processed (by masters: a replica replays its master's writes) and clients connected, summed over the servers. */
async function serverCounts(admins: RespConnection[]): Promise<{ commands: number; clients: number }> {
  let commands = 0;
  let clients = 0;
  for (const a of admins) {
    const r = await a.send(["INFO"]);
    const text = r.t === "bulk" ? r.v : "";
    if (text.includes("role:master")) commands += Number(/total_commands_processed:(\d+)/.exec(text)?.[1] ?? 0);
    clients += Number(/connected_clients:(\d+)/.exec(text)?.[1] ?? 0) - 1; // not this INFO's own connection
  }
  return { commands, clients };
}

export async function workshop(proxy: boolean): Promise<void> {
  installCleanup();
  const learners = ROOMS * PER_ROOM;
  let base: string;
  let admins: RespConnection[];
  let stopTopology = async () => {};
  let shape: string;
  if (proxy) {
    console.log("▸ Starting nginx, two app instances and a 3 + 3 Redis Cluster (scripts/topology.ts)…");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-bench-workshop-"));
    const topo = await startTopology({ dir, env: ENV });
    base = topo.url;
    admins = topo.cluster.nodes.map((n) => topo.cluster.admin(n.port));
    stopTopology = async () => {
      await topo.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
    shape = "nginx → 2 instances → Redis Cluster (3 masters + 3 replicas)";
  } else {
    console.log("▸ Starting the app (child process, own redis-server; run npm run bench once before, or next build, for a current build)…");
    const app = await startChild<{ port: number; redisUrl: string }>("app", path.join(root, "bench/serve-app.ts"), ENV);
    base = `http://127.0.0.1:${app.msg.port}`;
    admins = [new RespConnection(parseRedisUrl(app.msg.redisUrl), "bench-admin")];
    shape = "1 instance → 1 redis-server";
  }
  await Promise.all(admins.map((a) => a.waitReady()));
  try {
    // Rooms and their dashboards: when did each reported step first show?
    const reported = new Map<string, number>();
    const shownLag: number[] = [];
    const ac = new AbortController();
    const rooms: Array<{ code: string; token: string }> = [];
    for (let r = 0; r < ROOMS; r++) {
      const room = await post(base, "/api/v1/rooms", { title: `Workshop ${r + 1}`, lessons: ["basics"] });
      if (room.status !== 201) throw new Error(`create room → ${room.status} ${JSON.stringify(room.body)}`);
      rooms.push({ code: room.body.code, token: room.body.instructorToken });
    }
    for (const room of rooms) {
      const seen = new Set<string>();
      const dash = await fetch(`${base}/api/v1/rooms/${room.code}/events?token=${room.token}`, { signal: ac.signal });
      void readSse(dash.body!, ({ data }) => {
        const s = JSON.parse(data) as RoomState;
        for (const st of s.students)
          for (const id of st.steps.basics ?? []) {
            const k = `${room.code}/${st.name}/${id}`;
            if (seen.has(k)) continue;
            seen.add(k);
            const at = reported.get(k);
            if (at !== undefined) shownLag.push(performance.now() - at);
          }
      }).catch(() => {});
    }

    console.log(`▸ ${learners} students join ${ROOMS} rooms…`);
    const students: Array<{ token: string; room: string; name: string }> = [];
    for (const room of rooms) {
      for (let i = 0; i < PER_ROOM; i += 25) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(25, PER_ROOM - i) }, (_, j) => {
            const name = `s-${i + j + 1}`;
            return post(base, `/api/v1/rooms/${room.code}/join`, { name }).then((b) => ({ b, name }));
          }),
        );
        for (const { b, name } of batch) {
          if (b.status !== 201) throw new Error(`join → ${b.status} ${JSON.stringify(b.body)}`);
          students.push({ token: b.body.session, room: room.code, name });
        }
      }
    }

    console.log(`▸ Each opens a live stream; then for ${SECONDS} s runs a command every 2 s and reports a step every 5…`);
    let dropped = 0;
    let running = true;
    const streams = new AbortController();
    await Promise.all(
      students.map(async (s) => {
        const res = await fetch(`${base}/api/v1/stream?channels=news`, { headers: { authorization: `Bearer ${s.token}` }, signal: streams.signal });
        if (!res.ok || !res.body) {
          dropped++;
          return;
        }
        void readSse(res.body, () => {})
          .then(() => running && dropped++)
          .catch(() => running && dropped++);
      }),
    );
    const before = await serverCounts(admins);
    const t0 = performance.now();
    const execMs: number[] = [];
    let errors = 0;
    const end = t0 + SECONDS * 1000;
    await Promise.all(
      students.map(async (s, n) => {
        await new Promise((r) => setTimeout(r, Math.random() * EVERY_MS));
        for (let i = 0; performance.now() < end; i++) {
          const next = performance.now() + EVERY_MS;
          const r = await post(base, "/api/v1/exec", { command: COMMANDS[(i + n) % COMMANDS.length] }, s.token).catch(() => ({ status: 0, ms: 0 }));
          if (r.status !== 200) errors++;
          else execMs.push(r.ms);
          if (i % 5 === 4) {
            const step = STEPS[Math.floor(i / 5) % STEPS.length];
            const k = `${s.room}/${s.name}/${step}`;
            if (!reported.has(k)) reported.set(k, performance.now());
            const p = await post(base, "/api/v1/rooms/progress", { lesson: "basics", step, ok: true }, s.token).catch(() => ({ status: 0 }));
            if (p.status !== 200) errors++;
          }
          await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const after = await serverCounts(admins);
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    streams.abort();
    ac.abort();

    execMs.sort((a, b) => a - b);
    shownLag.sort((a, b) => a - b);
    const perLearner = (after.commands - before.commands) / learners / elapsed;
    console.log(
      [
        "",
        `════ The ${learners.toLocaleString("en-US")}-learner workshop: ${shape} ════`,
        `rooms     ${ROOMS} × ${PER_ROOM} students, ${SECONDS} s, a command every 2 s and a step every 5 commands; every student holds a live stream`,
        `exec API  ${execMs.length.toLocaleString("en-US")} commands, p50 ${q(execMs, 0.5).toFixed(1)} ms, p99 ${q(execMs, 0.99).toFixed(1)} ms, max ${execMs.at(-1)?.toFixed(1)} ms`,
        `dashboard ${shownLag.length} of ${reported.size} reported steps seen live: step → dashboard p50 ${q(shownLag, 0.5).toFixed(0)} ms, p99 ${q(shownLag, 0.99).toFixed(0)} ms`,
        `errors    ${errors} non-200 answers; ${dropped} dropped streams`,
        `Redis     ${perLearner.toFixed(2)} commands per learner per second; ${after.clients} client connections in all (${(after.clients / learners).toFixed(3)} per learner)`,
        `targets   exec p99 ≤ 100 ms: ${q(execMs, 0.99) <= 100 ? "MET" : "NOT MET"}; step → dashboard p99 ≤ 1 s: ${q(shownLag, 0.99) <= 1000 ? "MET" : "NOT MET"}; no errors, no drops: ${errors === 0 && dropped === 0 ? "MET" : "NOT MET"}`,
      ].join("\n"),
    );
  } finally {
    for (const a of admins) a.close();
    await stopTopology();
    await stopAll();
  }
}
