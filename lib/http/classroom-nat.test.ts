import { afterAll, describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { LIMITS } from "@/lib/config";
import { issueSession } from "@/lib/session";
import { openStreams } from "./sse-slots";

/**
 * A class behind one school NAT still fits under the per-address caps, with
 * their DEFAULTS (README "Classroom workshops"): 30 students join over one
 * address, each with a console in MULTI, a live pub/sub stream and the room's
 * student stream, the instructor's dashboard open too — and a second school
 * doing the same at the same time. One address still cannot take the pool:
 * its 41st dedicated connection is refused. Over real HTTP, every request
 * through one proxy socket (TRUST_PROXY on), told apart by X-Forwarded-For.
 */
const rt = useTestRuntime({ TRUST_PROXY: "1", PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
const api = useApiServer(rt);
afterAll(() => {
  delete process.env.TRUST_PROXY;
  delete process.env.PLAYGROUND_MAX_BLOCK_SECONDS;
});

const def = (env: string) => LIMITS.find((l) => l.env === env)!.def;

async function call(method: string, path: string, ip: string, opts: { token?: string; body?: unknown; tab?: string } = {}) {
  const res = await fetch(api.base + path, {
    method,
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": ip,
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.tab ? { "x-playground-client": opts.tab } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const exec = (ip: string, t: string, command: string) => call("POST", "/api/v1/exec", ip, { token: t, body: { command }, tab: "console" });

async function stream(path: string, ip: string, t?: string): Promise<{ status: number; close(): void }> {
  const ac = new AbortController();
  const res = await fetch(api.base + path, { headers: { "x-forwarded-for": ip, ...(t ? { authorization: `Bearer ${t}` } : {}) }, signal: ac.signal });
  if (res.status !== 200) await res.text();
  return { status: res.status, close: () => ac.abort() };
}

/** A workshop of `n` students behind `ip`: joined, each in MULTI with a live stream and the room's stream. */
async function school(ip: string, n: number) {
  const room = await call("POST", "/api/v1/rooms", ip, { body: { title: `School ${ip}`, lessons: ["basics"] } });
  expect(room.status).toBe(201);
  const { code, instructorToken } = room.body as { code: string; instructorToken: string };
  const streams: Array<{ status: number; close(): void }> = [await stream(`/api/v1/rooms/${code}/events?token=${instructorToken}`, ip)];
  const joins = await Promise.all(Array.from({ length: n }, (_, i) => call("POST", `/api/v1/rooms/${code}/join`, ip, { body: { name: `Student ${i + 1}` } })));
  expect(joins.map((j) => j.status)).toEqual(joins.map(() => 201));
  const students = joins.map((j) => j.body.session as string);
  const multis = await Promise.all(students.map((s) => exec(ip, s, "MULTI")));
  const queued = await Promise.all(students.map((s, i) => exec(ip, s, `SET seat ${i + 1}`)));
  streams.push(
    ...(await Promise.all(students.flatMap((s) => [stream("/api/v1/stream?channels=chat", ip, s), stream(`/api/v1/rooms/${code}/student-events`, ip, s)]))),
  );
  return { students, multis, queued, streams };
}

describe("a class behind one school NAT, with the default caps", () => {
  it("gets every console's MULTI and every live stream, while a second school does the same; one address still cannot take the pool", async () => {
    expect(rt.config.leases).toMatchObject({ max: def("PLAYGROUND_MAX_LEASES"), perIp: def("PLAYGROUND_LEASES_PER_IP") });
    expect(rt.config.streams.perIp).toBe(def("PLAYGROUND_STREAMS_PER_IP"));
    const a = "198.51.100.50";
    const b = "198.51.100.60";
    const [one, two] = await Promise.all([school(a, 30), school(b, 30)]);
    const extra: string[] = [];
    try {
      for (const s of [one, two]) {
        expect(s.multis.filter((r) => r.status !== 200).map((r) => r.body.error?.message)).toEqual([]);
        expect(s.queued.every((r) => r.body.text === "QUEUED")).toBe(true);
        expect(s.streams.map((x) => x.status)).toEqual(s.streams.map(() => 200));
      }
      expect(rt.leases.heldBy(a)).toBe(30);
      expect(rt.leases.heldBy(b)).toBe(30);
      expect(openStreams(`addr:${a}`)).toBe(61);

      // Up to 40 per address: ten more consoles behind school a still get a MULTI, the 41st does not.
      const perIp = rt.config.leases.perIp;
      for (let i = 30; i < perIp; i++) {
        const t = issueSession(rt.config.sessionSecret).token;
        extra.push(t);
        expect((await exec(a, t, "MULTI")).body.text).toBe("OK");
      }
      const over = await exec(a, issueSession(rt.config.sessionSecret).token, "MULTI");
      expect(over.status).toBe(429);
      expect(over.body.error.message).toMatch(new RegExp(`at most ${perIp} per address, of ${rt.config.leases.max} in all`));
      // …and a third address is still served.
      const elsewhere = issueSession(rt.config.sessionSecret).token;
      expect((await exec("198.51.100.70", elsewhere, "MULTI")).body.text).toBe("OK");
      expect((await exec("198.51.100.70", elsewhere, "DISCARD")).body.text).toBe("OK");

      const execs = await Promise.all(one.students.map((s) => exec(a, s, "EXEC")));
      expect(execs.every((r) => r.body.text === "1) OK")).toBe(true);
    } finally {
      for (const s of [one, two]) for (const x of s.streams) x.close();
      await Promise.all([...two.students, ...extra].map((s) => exec(extra.includes(s) ? a : b, s, "DISCARD")));
    }
    expect(rt.leases.stats().leases).toBe(0);
  });
});
