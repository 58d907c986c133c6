import { describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { readSse } from "@/lib/streaming/sse-parse";
import { runScenario, parseScenario, type ScenarioName } from "./scenario";
import { ScenarioRuns, scenarioRuns } from "./runs";
import type { ScenarioEvent } from "./events";
import { until } from "@/test/until";

const rt = useTestRuntime();
const api = useApiServer(rt);

const fresh = () => issueSession(rt.config.sessionSecret);

/** Runs a scenario to its end, collecting every event. */
async function run(session: Session, name: ScenarioName, body: unknown, signal = new AbortController().signal) {
  const events: ScenarioEvent[] = [];
  const { options } = parseScenario(name, body);
  await runScenario(session, name, options, (e) => events.push(e), signal);
  const end = events.find((e) => e.type === "end") as Extract<ScenarioEvent, { type: "end" }> | undefined;
  expect(end, "the run ends with an end event").toBeDefined();
  const jobs = events.filter((e): e is Extract<ScenarioEvent, { type: "job" }> => e.type === "job");
  const cmds = events.filter((e): e is Extract<ScenarioEvent, { type: "cmd" }> => e.type === "cmd");
  return { events, end: end!, jobs, cmds };
}

describe("the job queue from the notes (pub/sub)", () => {
  it("dispatches every job to a random CHANNEL_DISPATCH_n and receives every result", async () => {
    const { end, jobs, cmds } = await run(fresh().session, "job-queue", { jobs: 20, workers: 5, channels: 5, workMs: 10, intervalMs: 0 });
    expect(end.reason).toBe("done");
    expect(end.summary).toMatchObject({ jobs: 20, dispatched: 20, done: 20, failed: 0, lost: 0 });
    const dispatched = jobs.filter((j) => j.state === "dispatched");
    expect(dispatched).toHaveLength(20);
    for (const j of dispatched) expect(j.lane).toMatch(/^CHANNEL_DISPATCH_[1-5]$/);
    expect(dispatched.every((j) => j.receivers === 1)).toBe(true);
    // Printed as redis-cli prints them, with the learner's names (no namespace).
    expect(cmds.find((c) => c.line.startsWith("PUBLISH CHANNEL_DISPATCH_"))?.text).toBe("(integer) 1");
    expect(cmds.some((c) => (c.actor === "w1" && c.line === "PUBLISH CHANNEL_RESULT 0") || c.line.startsWith("PUBLISH CHANNEL_RESULT"))).toBe(true);
    expect(cmds.every((c) => !c.line.includes("pg:{") && !c.text.includes("pg:{"))).toBe(true);
  });

  it("with no worker on a channel, PUBLISH returns 0 and the notes' 'Dispatch failed' path shows", async () => {
    const { end, jobs } = await run(fresh().session, "job-queue", { jobs: 12, workers: 1, channels: 3, workMs: 0, intervalMs: 0 });
    const failed = jobs.filter((j) => j.state === "failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const j of failed) expect(j).toMatchObject({ receivers: 0 });
    expect(failed.every((j) => j.lane !== "CHANNEL_DISPATCH_1")).toBe(true);
    expect(end.summary.done + end.summary.failed).toBe(12);
  });

  it("a learner subscribed from the console receives a lane's jobs and can answer as a worker", async () => {
    const { session } = fresh();
    const other = fresh().session;
    const hub = rt.hub();
    const got: string[] = [];
    const stranger: string[] = [];
    // The console's SUBSCRIBE CHANNEL_DISPATCH_1, as GET /api/v1/stream does it.
    const learner = {
      onMessage(m: { payload: Buffer }) {
        const job = m.payload.toString();
        got.push(job);
        void execCommand(session, { command: `PUBLISH CHANNEL_RESULT ${job}` });
      },
    };
    const spy = { onMessage: (m: { payload: Buffer }) => stranger.push(m.payload.toString()) };
    await hub.add(learner, "channel", [Buffer.from(session.ns.add(Buffer.from("CHANNEL_DISPATCH_1")))]);
    await hub.add(spy, "channel", [Buffer.from(other.ns.add(Buffer.from("CHANNEL_DISPATCH_1")))]);
    try {
      const { end, jobs } = await run(session, "job-queue", { jobs: 3, workers: 0, channels: 1, workMs: 0, intervalMs: 0 });
      expect(end.reason).toBe("done");
      expect(got).toEqual(["0", "1", "2"]);
      expect(jobs.filter((j) => j.state === "done").map((j) => j.worker)).toEqual(["console", "console", "console"]);
      expect(stranger).toEqual([]);
    } finally {
      await hub.remove(learner);
      await hub.remove(spy);
    }
  });
});

describe("crash a worker mid-job: pub/sub and BRPOP lose the job, the reliable list and the stream keep it", () => {
  it("runs all four variants side by side with worker 2 crashing", async () => {
    const { session } = fresh();
    const opts = { jobs: 12, workers: 3, channels: 3, workMs: 100, intervalMs: 0, crashWorker: 2 };
    const [pubsub, list, reliable, stream] = await Promise.all(
      (["pubsub", "list", "reliable-list", "stream"] as const).map((variant) => run(session, "job-queue", { ...opts, variant })),
    );
    for (const r of [pubsub, list, reliable, stream]) {
      expect(r.events.some((e) => e.type === "worker" && e.worker === "w2" && e.state === "crashed")).toBe(true);
    }
    // Pub/sub: the job in hand and whatever waited in the dead subscriber's buffer are gone.
    expect(pubsub.end.summary.lost).toBeGreaterThanOrEqual(1);
    expect(pubsub.end.summary.done).toBeLessThan(12);
    // BRPOP took the job off the list; nobody has it any more.
    expect(list.end.summary).toMatchObject({ lost: 1, done: 11 });
    // The reliable list: the janitor moves it back from processing:w2, another worker does it.
    expect(reliable.end.reason).toBe("done");
    expect(reliable.end.summary).toMatchObject({ done: 12, lost: 0 });
    expect(reliable.end.summary.recovered).toBeGreaterThanOrEqual(1);
    expect(reliable.cmds.some((c) => c.line === "LMOVE rlist:processing:w2 rlist:jobs LEFT RIGHT")).toBe(true);
    const again = reliable.jobs.find((j) => j.state === "recovered")!.job;
    expect(reliable.jobs.find((j) => j.job === again && j.state === "done")?.worker).not.toBe("w2");
    // The stream: the entry stays pending until another consumer XAUTOCLAIMs it.
    expect(stream.end.reason).toBe("done");
    expect(stream.end.summary).toMatchObject({ done: 12, lost: 0, pending: 0 });
    expect(stream.cmds.some((c) => c.line.startsWith("XAUTOCLAIM stream:jobs workers w") && c.text.includes('"job"'))).toBe(true);
    expect(scenarioRuns().stats()).toEqual({ runs: 0, connections: 0 });
  }, 30_000);
});

describe("bounds and cancelling", () => {
  it("cancels when the signal fires, and gives back every connection and subscription", async () => {
    const { session } = fresh();
    // Runs give their subscriptions back just after they end: start from none (CI once read 3 listeners here, then 1).
    const idle = () => Object.values(rt.hub().counts()).every((n) => n === 0);
    await until(idle, 5000, "the earlier runs' subscriptions to be given back");
    const before = rt.hub().counts();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const { end } = await run(session, "job-queue", { variant: "stream", jobs: 50, workers: 3, workMs: 1000, intervalMs: 0 }, ac.signal);
    expect(end.reason).toBe("cancelled");
    expect(scenarioRuns().stats()).toEqual({ runs: 0, connections: 0 });
    // The last listener goes as its run's stream closes, just after the run's end.
    await until(idle, 5000, "every subscription given back");
    expect(rt.hub().counts()).toEqual(before);
  });

  it("a run cancelled before it started ends at once and holds nothing", async () => {
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    const { end } = await run(fresh().session, "job-queue", { variant: "reliable-list", jobs: 50, workers: 5, workMs: 1000 }, ac.signal);
    expect(end.reason).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(scenarioRuns().stats()).toEqual({ runs: 0, connections: 0 });
  });

  it("ends with the reason when the master cannot dispatch (the learner made list:jobs a string)", async () => {
    const { session } = fresh();
    const events: ScenarioEvent[] = [];
    const { options } = parseScenario("job-queue", { variant: "list", jobs: 5, workers: 2, workMs: 10, intervalMs: 0 });
    await runScenario(
      session,
      "job-queue",
      options,
      (e) => {
        events.push(e);
        if (e.type === "cmd" && e.line === "DEL list:jobs") void execCommand(session, { command: "SET list:jobs oops" });
      },
      new AbortController().signal,
    );
    expect(events.at(-1)).toMatchObject({
      type: "end",
      reason: "error",
      error: { code: "scenario:master-failed", message: expect.stringMatching(/LPUSH failed: WRONGTYPE/) },
    });
    expect(scenarioRuns().stats()).toEqual({ runs: 0, connections: 0 });
  });

  it("refuses a second run of the same kind, and bad options with what is wrong", async () => {
    const { session } = fresh();
    const ac = new AbortController();
    const first = run(session, "job-queue", { jobs: 5, workers: 1, channels: 1, workMs: 2000, intervalMs: 0 }, ac.signal);
    await new Promise((r) => setTimeout(r, 100));
    await expect(run(session, "job-queue", { jobs: 5 })).rejects.toThrow(/already going/);
    ac.abort();
    await first;
    expect(() => parseScenario("job-queue", { jobs: 1000 })).toThrow(/200/);
    expect(() => parseScenario("job-queue", { workers: 6, channels: 5 })).toThrow(/at most as many workers as channels/);
    expect(() => parseScenario("job-queue", { color: "red" })).toThrow(/color/);
    expect(() => parseScenario("nope", {})).toThrow(/No scenario "nope"/);
    expect(() => parseScenario("constructor", {})).toThrow(/No scenario "constructor"/);
  });
});

describe("ScenarioRuns bounds", () => {
  it("caps runs per session, per client address and worker connections in all; another session cannot find a run", () => {
    const runs = new ScenarioRuns({ perSession: 2, perIp: 3, maxRuns: 100, connectionsPerIp: 100, maxConnections: 10 });
    const a = runs.begin("s1", "ip1", "job-queue:list", 5);
    runs.begin("s1", "ip1", "job-queue:stream", 5);
    expect(() => runs.begin("s1", "ip1", "pipeline", 0)).toThrow(/already have 2 scenarios/);
    expect(() => runs.begin("s2", "ip2", "job-queue:list", 1)).toThrow(/many scenarios right now/);
    runs.begin("s2", "ip1", "visitors", 0);
    expect(() => runs.begin("s3", "ip1", "visitors", 0)).toThrow(/Your network already has 3/);
    expect(runs.get(a.id, "s2")).toBeUndefined();
    expect(runs.get(a.id, "s1")).toBe(a);
    runs.end(a);
    expect(a.abort.signal.aborted).toBe(true);
    expect(runs.stats()).toEqual({ runs: 2, connections: 5 });
    const perIp = new ScenarioRuns({ perSession: 4, perIp: 10, maxRuns: 3, connectionsPerIp: 8, maxConnections: 100 });
    perIp.begin("a", "ip", "job-queue:list", 5);
    expect(() => perIp.begin("b", "ip", "job-queue:stream", 5)).toThrow(/already hold 5 connections \(at most 8\)/);
    perIp.begin("c", "ip2", "visitors", 0);
    perIp.begin("d", "ip3", "visitors", 0);
    expect(() => perIp.begin("e", "ip4", "visitors", 0)).toThrow(/many scenarios right now/);
  });
});

describe("finite streams for long lesson steps", () => {
  it("races 1,000 INCRs one by one against the same pipelined", async () => {
    const { end, events, cmds } = await run(fresh().session, "pipeline", { count: 1000 });
    expect(end.reason).toBe("done");
    expect(events.filter((e) => e.type === "measure").map((e) => (e as { name: string }).name)).toEqual(["one by one", "pipelined"]);
    expect(cmds.filter((c) => c.line === "GET race:counter").map((c) => c.text)).toEqual(['"1000"', '"1000"']);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(40);
    expect(end.summary.oneByOneMs).toBeGreaterThan(end.summary.pipelinedMs);
  });

  it("a new connection per command against one pooled connection, with real figures", async () => {
    const { end, events, cmds } = await run(fresh().session, "connections", { commands: 20 });
    expect(end).toMatchObject({ reason: "done", summary: { commands: 20, opened: 21 } });
    expect(events.filter((e) => e.type === "measure").map((e) => (e as { name: string }).name)).toEqual(["new connection each time", "one pooled connection"]);
    expect(cmds.at(-1)).toMatchObject({ line: "GET conn:demo", text: '"40"' });
    expect(end.summary.newConnectionMs).toBeGreaterThan(0);
    expect(scenarioRuns().stats()).toEqual({ runs: 0, connections: 0 });
  });

  it("100 concurrent visitors: GET+SET loses updates, INCR does not", async () => {
    const { session } = fresh();
    const getset = await run(session, "visitors", { visitors: 100, method: "get-set" });
    const incr = await run(session, "visitors", { visitors: 100, method: "incr" });
    expect(getset.end.summary.counted).toBeLessThan(100);
    expect(getset.end.summary.lost).toBe(100 - getset.end.summary.counted);
    expect(incr.end.summary).toMatchObject({ visitors: 100, counted: 100, lost: 0 });
    expect((await execCommand(session, { command: "GET page:visits:incr" })).text).toBe('"100"');
  });
});

describe("POST /api/v1/scenarios/<name> (SSE)", () => {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(api.base + path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  it("streams a run's events until its end", async () => {
    const { token } = fresh();
    const res = await post("/api/v1/scenarios/visitors", { visitors: 10, method: "incr" }, token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const names: string[] = [];
    let last: ScenarioEvent | undefined;
    await readSse(res.body!, (e) => {
      names.push(e.event);
      last = JSON.parse(e.data);
    });
    expect(names[0]).toBe("start");
    expect(last).toMatchObject({ type: "end", reason: "done", summary: { counted: 10 } });
  });

  it("answers 400 for bad options, 401 without a session, 404 for an unknown scenario or another visitor's run", async () => {
    const { token } = fresh();
    const bad = await post("/api/v1/scenarios/job-queue", { jobs: "many" }, token);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/jobs/);
    expect((await post("/api/v1/scenarios/job-queue", {})).status).toBe(401);
    expect((await post("/api/v1/scenarios/nope", {}, token)).status).toBe(404);
    expect((await post("/api/v1/scenarios/runs/abcdef/crash", { worker: 1 }, token)).status).toBe(404);
    expect((await post("/api/v1/scenarios/constructor", {}, token)).status).toBe(404);
  });

  it("answers 409 with a message when the same kind of run is already going", async () => {
    const { token } = fresh();
    const ac = new AbortController();
    const first = await fetch(`${api.base}/api/v1/scenarios/job-queue`, {
      method: "POST",
      body: JSON.stringify({ jobs: 5, workers: 1, channels: 1, workMs: 3000, intervalMs: 0 }),
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    expect(first.status).toBe(200);
    const second = await post("/api/v1/scenarios/job-queue", { jobs: 5 }, token);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(/already going/);
    ac.abort();
    for (let i = 0; i < 100 && scenarioRuns().stats().runs > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(scenarioRuns().stats().runs).toBe(0);
  });

  it("crashes a worker of a running queue on request, and closing the request cancels the run", async () => {
    const { token } = fresh();
    const ac = new AbortController();
    const res = await fetch(`${api.base}/api/v1/scenarios/job-queue`, {
      method: "POST",
      body: JSON.stringify({ variant: "reliable-list", jobs: 30, workers: 2, workMs: 500, intervalMs: 0 }),
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    const events: ScenarioEvent[] = [];
    const reading = readSse(res.body!, (e) => events.push(JSON.parse(e.data))).catch(() => {});
    await until(() => events.some((e) => e.type === "worker" && e.state === "working"), 5000);
    const runId = (events[0] as { run: string }).run;
    const other = fresh().token;
    expect((await post(`/api/v1/scenarios/runs/${runId}/crash`, { worker: 1 }, other)).status).toBe(404);
    const crash = await post(`/api/v1/scenarios/runs/${runId}/crash`, { worker: 1 }, token);
    expect(await crash.json()).toEqual({ crashed: true });
    await until(() => events.some((e) => e.type === "worker" && e.worker === "w1" && e.state === "crashed"), 5000);
    ac.abort();
    await reading;
    await until(() => scenarioRuns().stats().runs === 0, 5000);
  });
});
