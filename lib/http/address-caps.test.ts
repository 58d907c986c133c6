import { afterAll, describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { issueSession } from "@/lib/session";
import { openStreams } from "./sse-slots";
import { until } from "@/test/until";

/**
 * Caps per client address (issue 10, item 5), over real HTTP: sessions are
 * free, so only the address stops one visitor from taking a shared pool with
 * many of them. The address is the one TRUST_PROXY decides (X-Forwarded-For's
 * last hop, lib/rate-limit.ts clientIp): every request here comes through the
 * same socket address (127.0.0.1, "the proxy"), and only the forwarded address
 * tells two visitors apart. Caps are small to keep the tests fast.
 */
const ENV = {
  TRUST_PROXY: "1",
  PLAYGROUND_MAX_LEASES: "10",
  PLAYGROUND_LEASES_PER_SESSION: "2",
  PLAYGROUND_LEASES_PER_IP: "4",
  PLAYGROUND_MAX_BLOCK_SECONDS: "1",
  PLAYGROUND_STREAMS_PER_IP: "3",
  PLAYGROUND_SCENARIO_RUNS_PER_IP: "2",
};
const rt = useTestRuntime(ENV);
const api = useApiServer(rt);
afterAll(() => {
  for (const k of Object.keys(ENV)) delete process.env[k];
});

const token = () => issueSession(rt.config.sessionSecret).token;

async function call(method: string, path: string, ip: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(api.base + path, {
    method,
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": ip,
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get("retry-after") };
}

const exec = (ip: string, t: string, command: string, tab = "default") =>
  call("POST", "/api/v1/exec", ip, { token: t, body: { command }, headers: { "x-playground-client": tab } });

/** Opens a live stream and keeps it open until `close`; resolves with its status once the headers are in. */
async function stream(path: string, ip: string, t?: string): Promise<{ status: number; message?: string; close(): void }> {
  const ac = new AbortController();
  const res = await fetch(api.base + path, { headers: { "x-forwarded-for": ip, ...(t ? { authorization: `Bearer ${t}` } : {}) }, signal: ac.signal });
  if (res.status !== 200) {
    const body = (await res.json()) as { error: { message: string } };
    return { status: res.status, message: body.error.message, close: () => {} };
  }
  return { status: 200, close: () => ac.abort() };
}

describe("dedicated connections per client address", () => {
  it("many sessions from one address cannot take the pool: another address still gets MULTI, WATCH and BLPOP", async () => {
    const hog = "198.51.100.10";
    const victim = "198.51.100.20";
    // 5 free sessions × 2 console tabs = 10, the whole pool — but one address holds at most 4.
    const tabs = Array.from({ length: 5 }, token).flatMap((t) => ["a", "b"].map((tab) => ({ t, tab })));
    const multis = await Promise.all(tabs.map(({ t, tab }) => exec(hog, t, "MULTI", tab)));
    const held = tabs.filter((_, i) => multis[i].status === 200);
    expect(held.length).toBe(4);
    const refused = multis.filter((r) => r.status === 429);
    expect(refused.length).toBe(6);
    expect(refused[0].body.error.message).toMatch(
      /^Your network already holds 4 dedicated connections \(for transactions and blocking commands; at most 4 per address, of 10 in all\)\./,
    );
    expect(refused[0].retryAfter).toBe("2");
    expect(rt.leases.heldBy(hog)).toBe(4);

    // Another visitor behind another address is served: a MULTI, a WATCH, a BLPOP that blocks its full second.
    const [v1, v2] = [token(), token()];
    expect((await exec(victim, v1, "MULTI", "tx")).body.text).toBe("OK");
    expect((await exec(victim, v1, "WATCH k", "watch")).body.text).toBe("OK");
    const blpop = await exec(victim, v2, "BLPOP q 0");
    expect(blpop.status).toBe(200);
    expect(blpop.body.text).toBe("(nil)");
    expect((await exec(victim, v1, "SET k 1", "tx")).body.text).toBe("QUEUED");
    expect((await exec(victim, v1, "EXEC", "tx")).body.text).toBe("1) OK");
    expect((await exec(victim, v1, "UNWATCH", "watch")).body.text).toBe("OK");

    // Finishing a transaction gives the address its connection back.
    for (const { t, tab } of held) expect((await exec(hog, t, "DISCARD", tab)).body.text).toBe("OK");
    expect(rt.leases.heldBy(hog)).toBe(0);
  });

  it("counts blocking commands with leases: one address blocks on at most its share, another still gets MULTI", async () => {
    const hog = "198.51.100.11";
    const victim = "198.51.100.21";
    const hogs = Array.from({ length: 4 }, token);
    const [t0] = hogs;
    expect((await exec(hog, t0, "MULTI", "tx")).status).toBe(200);
    // 4 sessions × 2 tabs of BLPOP: with the MULTI, only 3 of them get a connection.
    const blocks = Promise.all(hogs.flatMap((t) => ["a", "b"].map((tab) => exec(hog, t, "BLPOP q 0", tab))));
    await until(() => rt.leases.heldBy(hog) === 4, 3000, "the hog's blocking commands to hold the address's share");
    const other = token();
    expect((await exec(victim, other, "MULTI", "tx")).body.text).toBe("OK");
    expect((await exec(victim, other, "DISCARD", "tx")).body.text).toBe("OK");
    const results = await blocks;
    expect(results.filter((r) => r.status === 200).map((r) => r.body.text)).toEqual(["(nil)", "(nil)", "(nil)"]);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBe(5);
    expect(refused[0].body.error.message).toMatch(/at most 4 per address, of 10 in all/);
    expect((await exec(hog, t0, "DISCARD", "tx")).body.text).toBe("OK");
    await until(() => rt.leases.heldBy(hog) === 0 && rt.leases.stats().inUse === 0, 3000, "every connection back");
  });
});

describe("live streams per client address, as TRUST_PROXY decides it", () => {
  it("two forwarded addresses through the same proxy socket get separate caps; one hits its cap whatever hops it forges", async () => {
    const a = "203.0.113.5";
    const b = "203.0.113.6";
    const open: Array<{ close(): void }> = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = await stream("/api/v1/stream?channels=news", a, token());
        expect(s.status).toBe(200);
        open.push(s);
      }
      expect(openStreams(`addr:${a}`)).toBe(3);
      // A fourth from a fresh session, with a forged earlier hop: still address a (the proxy appended the last hop).
      const fourth = await stream("/api/v1/stream?channels=news", `${b}, ${a}`, token());
      expect(fourth.status).toBe(429);
      expect(fourth.message).toMatch(/^Too many live streams from your network: 3 are open \(at most 3 per address\)\./);
      // Address b, through the very same proxy (127.0.0.1), has its own cap, forged hops and all.
      for (let i = 0; i < 3; i++) {
        const s = await stream("/api/v1/stream?channels=news", `${a}, ${b}`, token());
        expect(s.status).toBe(200);
        open.push(s);
      }
      expect((await stream("/api/v1/stream?channels=news", b, token())).status).toBe(429);
    } finally {
      for (const s of open) s.close();
    }
    await until(() => openStreams(`addr:${a}`) === 0 && openStreams(`addr:${b}`) === 0, 3000, "the streams released");
    const again = await stream("/api/v1/stream?channels=news", a, token());
    expect(again.status).toBe(200);
    again.close();
  });

  it("counts a workshop's live streams (the dashboard, the students') against the same address", async () => {
    const school = "203.0.113.20";
    const room = await call("POST", "/api/v1/rooms", school, { body: { title: "Caps", lessons: ["basics"] } });
    expect(room.status).toBe(201);
    const { code, instructorToken } = room.body as { code: string; instructorToken: string };
    const students: string[] = [];
    for (const name of ["Ann", "Bo", "Cy", "Di"]) {
      const j = await call("POST", `/api/v1/rooms/${code}/join`, school, { body: { name } });
      expect(j.status).toBe(201);
      students.push(j.body.session);
    }
    const open: Array<{ close(): void }> = [];
    try {
      const dash = await stream(`/api/v1/rooms/${code}/events?token=${instructorToken}`, school);
      expect(dash.status).toBe(200);
      open.push(dash);
      for (const s of students.slice(0, 2)) {
        const e = await stream(`/api/v1/rooms/${code}/student-events`, school, s);
        expect(e.status).toBe(200);
        open.push(e);
      }
      const third = await stream(`/api/v1/rooms/${code}/student-events`, school, students[2]);
      expect(third.status).toBe(429);
      expect(third.message).toMatch(/3 are open \(at most 3 per address\)/);
      const consoleStream = await stream("/api/v1/stream?channels=chat", school, students[3]);
      expect(consoleStream.status).toBe(429);
      // The same student at home, behind another address: served.
      const home = await stream(`/api/v1/rooms/${code}/student-events`, "203.0.113.21", students[2]);
      expect(home.status).toBe(200);
      open.push(home);
    } finally {
      for (const s of open) s.close();
    }
  });
});

describe("scenario runs per client address, as TRUST_PROXY decides it", () => {
  it("one address runs at most its share, counted by the forwarded address", async () => {
    const a = "192.0.2.30";
    const b = "192.0.2.31";
    const runs: AbortController[] = [];
    // A job queue with no workers waits for the learner (minutes): a run that stays until it is cancelled.
    const start = async (ip: string) => {
      const ac = new AbortController();
      const res = await fetch(`${api.base}/api/v1/scenarios/job-queue`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip, authorization: `Bearer ${token()}` },
        body: JSON.stringify({ variant: "pubsub", workers: 0 }),
        signal: ac.signal,
      });
      if (res.status === 200) runs.push(ac);
      return { status: res.status, body: res.status === 200 ? null : ((await res.json()) as { error: { message: string } }) };
    };
    try {
      expect((await start(a)).status).toBe(200);
      expect((await start(`${b}, ${a}`)).status).toBe(200);
      const third = await start(a);
      expect(third.status).toBe(429);
      expect(third.body?.error.message).toMatch(/^Your network already has 2 scenarios running \(at most 2 per address\)\./);
      expect((await start(`${a}, ${b}`)).status).toBe(200);
    } finally {
      for (const r of runs) r.abort();
    }
  });
});
