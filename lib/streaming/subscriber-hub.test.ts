import { describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { readSse } from "@/lib/streaming/sse-parse";
import { until } from "@/test/until";

const rt = useTestRuntime();
const api = useApiServer(rt);

/** Opens an SSE stream and collects its events until aborted. */
function openStream(token: string, query: string) {
  const ac = new AbortController();
  const events: Array<{ event: string; data: { text?: string } }> = [];
  const ready = fetch(`${api.base}/api/v1/stream?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal }).then(async (res) => {
    expect(res.status).toBe(200);
    void readSse(res.body!, ({ event, data }) => events.push({ event, data: JSON.parse(data) })).catch(() => {
      /* aborted */
    });
  });
  return { events, ready, close: () => ac.abort() };
}

describe("GET /api/v1/stream and the subscriber hub", () => {
  it("delivers the session's messages in redis-cli's format, and not another session's", async () => {
    const a = issueSession(rt.config.sessionSecret);
    const b = issueSession(rt.config.sessionSecret);
    const s = openStream(a.token, "channels=news,jobs&patterns=job*");
    await s.ready;
    await until(() => s.events.filter((e) => e.event === "subscribe").length === 3);
    expect(s.events.find((e) => e.event === "subscribe")?.data.text).toBe('1) "subscribe"\n2) "news"\n3) (integer) 1');
    expect((await execCommand(a.session, { command: "PUBLISH news hello" })).text).toBe("(integer) 1");
    expect((await execCommand(b.session, { command: "PUBLISH news from-b" })).text).toBe("(integer) 0");
    expect((await execCommand(a.session, { command: "PUBLISH jobs 7" })).text).toBe("(integer) 2");
    await until(() => s.events.filter((e) => e.event === "message").length >= 3);
    const texts = s.events.filter((e) => e.event === "message").map((e) => e.data.text);
    expect(texts).toContain('1) "message"\n2) "news"\n3) "hello"');
    expect(texts).toContain('1) "message"\n2) "jobs"\n3) "7"');
    expect(texts).toContain('1) "pmessage"\n2) "job*"\n3) "jobs"\n4) "7"');
    expect(texts.join()).not.toMatch(/from-b|pg:\{/);
    s.close();
  });

  it("SSUBSCRIBE: shard channels (?shards=) hear SPUBLISH only, with Redis's counts, and not another session's", async () => {
    const a = issueSession(rt.config.sessionSecret);
    const b = issueSession(rt.config.sessionSecret);
    const s = openStream(a.token, "channels=news&shards=jobs,news,jobs");
    await s.ready;
    await until(() => s.events.filter((e) => e.event === "subscribe").length === 4);
    // As Redis counts: shard channels apart, a name given twice once.
    expect(s.events.filter((e) => e.event === "subscribe").map((e) => e.data.text)).toEqual([
      '1) "subscribe"\n2) "news"\n3) (integer) 1',
      '1) "ssubscribe"\n2) "jobs"\n3) (integer) 1',
      '1) "ssubscribe"\n2) "news"\n3) (integer) 2',
      '1) "ssubscribe"\n2) "jobs"\n3) (integer) 2',
    ]);
    expect((await execCommand(a.session, { command: "SPUBLISH jobs 7" })).text).toBe("(integer) 1");
    expect((await execCommand(b.session, { command: "SPUBLISH jobs from-b" })).text).toBe("(integer) 0");
    expect((await execCommand(a.session, { command: "PUBLISH jobs classic" })).text).toBe("(integer) 0");
    expect((await execCommand(a.session, { command: "PUBLISH news classic" })).text).toBe("(integer) 1");
    expect((await execCommand(a.session, { command: "SPUBLISH news sharded" })).text).toBe("(integer) 1");
    expect((await execCommand(a.session, { command: "PUBSUB SHARDNUMSUB jobs news" })).text).toBe('1) "jobs"\n2) (integer) 1\n3) "news"\n4) (integer) 1');
    await until(() => s.events.filter((e) => e.event === "message").length >= 3);
    const texts = s.events.filter((e) => e.event === "message").map((e) => e.data.text);
    expect(texts.sort()).toEqual(['1) "message"\n2) "news"\n3) "classic"', '1) "smessage"\n2) "jobs"\n3) "7"', '1) "smessage"\n2) "news"\n3) "sharded"']);
    s.close();
    await until(async () => (await execCommand(a.session, { command: "PUBSUB SHARDNUMSUB jobs" })).text === '1) "jobs"\n2) (integer) 0');
  });

  it("reference-counts channels across streams and releases them when clients go away", async () => {
    const a = issueSession(rt.config.sessionSecret);
    await until(() => rt.hub().counts().channels === 0 && rt.hub().counts().patterns === 0); // the last test's stream is gone
    const before = rt.hub().counts();
    const s1 = openStream(a.token, "channels=shared");
    const s2 = openStream(a.token, "channels=shared,other");
    await Promise.all([s1.ready, s2.ready]);
    await until(() => s2.events.filter((e) => e.event === "subscribe").length === 2);
    expect(rt.hub().counts().channels).toBe(before.channels + 2);
    s1.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(rt.hub().counts().channels).toBe(before.channels + 2); // s2 still holds "shared"
    expect((await execCommand(a.session, { command: "PUBLISH shared x" })).text).toBe("(integer) 1");
    s2.close();
    await until(() => rt.hub().counts().channels === 0);
    expect((await execCommand(a.session, { command: "PUBLISH shared x" })).text).toBe("(integer) 0");
  });

  it("answers 400 without channels and 401 without a session", async () => {
    const a = issueSession(rt.config.sessionSecret);
    const r = await fetch(`${api.base}/api/v1/stream`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/at least one channel/);
    expect((await fetch(`${api.base}/api/v1/stream?channels=x`)).status).toBe(401);
  });
});
