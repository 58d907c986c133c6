/**
 * `npm run bench:classroom`: a workshop under load. One app process (child,
 * own redis-server), one room, its dashboard following the room over SSE,
 * and N simulated students (BENCH_STUDENTS, 100) who join and then, for
 * BENCH_SECONDS (20), each run a lesson's commands through POST /api/v1/exec
 * and report their steps. Prints the exec API's latency (p50/p99) during the
 * run and how long the dashboard took to show each reported step.
 * `-- --workshop [--proxy]`: the 1,000-learner workshop (bench/workshop.ts).
 */
import path from "node:path";
import { installCleanup, startChild, stopAll } from "./children";
import { readSse } from "@/lib/streaming/sse-parse";
import type { RoomState } from "@/lib/classroom/rooms";
import { post, q, workshop } from "./workshop";

const root = path.resolve(import.meta.dirname, "..");
const STUDENTS = Math.max(1, Number(process.env.BENCH_STUDENTS || 100));
const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS || 20));
const STEPS: Array<{ id: string; commands: string[] }> = [
  { id: "ping", commands: ["PING"] },
  { id: "set-get", commands: ["SET A apple", "GET A", "GET nothing-here"] },
  { id: "setex", commands: ["SETEX session:42 60 alice", "TTL session:42", "GET session:42"] },
  { id: "expire", commands: ["SET greeting hello", "EXPIRE greeting 100", "TTL greeting", "PERSIST greeting"] },
  { id: "set-options", commands: ["SET lock:report me NX EX 30", "SET counter 10", "SET counter 11 XX GET"] },
];

interface AppReady {
  port: number;
}

async function main() {
  // The 1,000-learner workshop (bench/workshop.ts): --workshop on one instance, --workshop --proxy behind nginx on a cluster.
  if (process.argv.includes("--workshop")) return workshop(process.argv.includes("--proxy"));
  installCleanup();
  console.log(`▸ Starting the app (child process, own redis-server; run npm run bench once before, or next build, for a current build)…`);
  const app = await startChild<AppReady>("app", path.join(root, "bench/serve-app.ts"), { PLAYGROUND_RATE_PER_IP: "1000000" });
  const base = `http://127.0.0.1:${app.msg.port}`;
  const room = await post(base, "/api/v1/rooms", { title: "Load test", lessons: ["basics"] });
  if (room.status !== 201) throw new Error(`create room → ${room.status} ${JSON.stringify(room.body)}`);
  const { code, instructorToken } = room.body as { code: string; instructorToken: string };

  // The dashboard: when did each reported step first show?
  const reported = new Map<string, number>();
  const shownLag: number[] = [];
  const seen = new Set<string>();
  let pushes = 0;
  const ac = new AbortController();
  const dash = await fetch(`${base}/api/v1/rooms/${code}/events?token=${instructorToken}`, { signal: ac.signal });
  void readSse(dash.body!, ({ data }) => {
    pushes++;
    const s = JSON.parse(data) as RoomState;
    for (const st of s.students)
      for (const id of st.steps.basics ?? []) {
        const k = `${st.name}/${id}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const at = reported.get(k);
        if (at !== undefined) shownLag.push(performance.now() - at);
      }
  }).catch(() => {});

  console.log(`▸ ${STUDENTS} students join room ${code}…`);
  const tokens: string[] = [];
  for (let i = 0; i < STUDENTS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, STUDENTS - i) }, (_, j) => post(base, `/api/v1/rooms/${code}/join`, { name: `student-${i + j + 1}` })),
    );
    for (const b of batch) {
      if (b.status !== 201) throw new Error(`join → ${b.status} ${JSON.stringify(b.body)}`);
      tokens.push(b.body.session);
    }
  }

  console.log(`▸ For ${SECONDS} s each student works through the steps (a command about every 300 ms) and reports them…`);
  const execMs: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    tokens.map(async (token, n) => {
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      for (let round = 0; performance.now() < end; round++) {
        const step = STEPS[(round + n) % STEPS.length];
        for (const command of step.commands) {
          if (performance.now() >= end) return;
          const r = await post(base, "/api/v1/exec", { command }, token);
          if (r.status !== 200) errors++;
          execMs.push(r.ms);
          await new Promise((res) => setTimeout(res, 200 + Math.random() * 200));
        }
        const k = `student-${n + 1}/${step.id}`;
        if (!reported.has(k)) reported.set(k, performance.now());
        const p = await post(base, "/api/v1/rooms/progress", { lesson: "basics", step: step.id, ok: true }, token);
        if (p.status !== 200) errors++;
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 1500));
  ac.abort();
  const final = await fetch(`${base}/api/v1/rooms/${code}`, { headers: { authorization: `Bearer ${instructorToken}` } }).then(
    (r) => r.json() as Promise<RoomState>,
  );
  await stopAll();

  execMs.sort((a, b) => a - b);
  shownLag.sort((a, b) => a - b);
  const expected = reported.size;
  const onDashboard = final.students.reduce((n, s) => n + (s.steps.basics?.length ?? 0), 0);
  console.log(
    [
      "",
      "════ Classroom under load ═══════════════════════════════════════════════",
      `room      ${code}: ${final.students.length} students joined, ${SECONDS} s of work`,
      `exec API  ${execMs.length.toLocaleString("en-US")} commands, p50 ${q(execMs, 0.5).toFixed(2)} ms, p99 ${q(execMs, 0.99).toFixed(2)} ms, max ${execMs.at(-1)?.toFixed(2)} ms; ${errors} non-2xx`,
      `dashboard ${pushes} pushes; ${shownLag.length} of ${expected} first-time steps seen live, shown p50 ${q(shownLag, 0.5).toFixed(0)} ms, p99 ${q(shownLag, 0.99).toFixed(0)} ms after the report`,
      `final     the roster holds ${onDashboard} of ${expected} reported steps`,
      `target    dashboard within 1 s: ${q(shownLag, 0.99) <= 1000 && onDashboard === expected ? "MET" : "NOT MET"}`,
    ].join("\n"),
  );
}

main().catch(async (e) => {
  console.error(`\n✖ ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
});
