import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { issueSession, type Session } from "@/lib/session";
import { lessonList } from "./load";
import { checkLessonExercise, runLessonCommand } from "./practice";
import { exerciseWindow, LISTS_PER_ADDRESS, readHistory } from "./history";
import type { CheckProblem } from "./checks";

/**
 * Exercises that check how (lib/lessons/practice.ts, history.ts), against a
 * real Redis: every exercise's solution passes through the lesson page's own
 * path; every listed wrong way leaves the right keys but is told "not yet" by
 * a method check; and the window, transaction and nil rules hold.
 */
const rt = useTestRuntime();
const lessons = lessonList("en");

const visitor = (): Session => issueSession(rt.config.sessionSecret).session;
const run = (s: Session, lesson: string, line: string, tab = "t1") => runLessonCommand(s, s, line, { id: tab }, lesson);
const check = async (s: Session, lesson: string, exercise: string, tab?: string) => (await checkLessonExercise(s, s, lesson, exercise, tab)) as CheckProblem[];
const kinds = (ps: CheckProblem[]) => ps.map((p) => p.kind);

describe("every exercise, through the lesson page's path", () => {
  for (const lesson of lessons) {
    for (const ex of lesson.exercises) {
      it(`${lesson.slug}/${ex.id}: not done on an empty sandbox, done after its solution${ex.mistakes.length ? `, not yet after each of its ${ex.mistakes.length} wrong ways` : ""}`, async () => {
        await rt.conn.waitReady();
        const s = visitor();
        expect(await check(s, lesson.slug, ex.id)).not.toEqual([]);
        for (const line of ex.solution) expect((await run(s, lesson.slug, line)).reply.t, line).not.toBe("error");
        expect(await check(s, lesson.slug, ex.id), `${ex.id} after its solution`).toEqual([]);
        for (const wrong of ex.mistakes) {
          const w = visitor();
          for (const line of wrong) expect((await run(w, lesson.slug, line)).reply.t, line).not.toBe("error");
          const said = await check(w, lesson.slug, ex.id);
          // The keys are right; only the method check catches it, and says which rule.
          expect(kinds(said), `${ex.id} after ${wrong.join(" / ")}`).toContain("method");
          expect(
            said.filter((p) => p.kind !== "method"),
            `${ex.id} after ${wrong.join(" / ")}: the wrong way should leave the right keys`,
          ).toEqual([]);
        }
      });
    }
  }

  it("every exercise whose prompt says how has a method check and a wrong way to test it", () => {
    const sayHow = /transaction|MULTI|one command|in one|INCR or INCRBY|not by|only if|blocking pop|as a worker|one SADD|one command that adds/i;
    for (const lesson of lessons)
      for (const ex of lesson.exercises)
        if (sayHow.test(ex.prompt)) {
          expect(ex.method.length, `${lesson.slug}/${ex.id}: "${ex.prompt}"`).toBeGreaterThan(0);
          expect(ex.mistakes.length, `${lesson.slug}/${ex.id}`).toBeGreaterThan(0);
        }
  });

  it("every exercise has a hint in every language", () => {
    for (const locale of ["en", "zh"] as const)
      for (const lesson of lessonList(locale)) for (const ex of lesson.exercises) expect(ex.hint, `${locale}/${lesson.slug}/${ex.id}`).toBeTruthy();
  });
});

describe("the method window", () => {
  it("after a not-yet, only what comes next counts; a passed check does not reset it", async () => {
    const s = visitor();
    await run(s, "page-counter", "SET page:home 10");
    expect(kinds(await check(s, "page-counter", "home"))).toEqual(["method", "method"]); // no INCR, and a SET
    await run(s, "page-counter", "INCRBY page:home 5");
    expect(await check(s, "page-counter", "home")).toEqual([]); // the SET came before the not-yet
    expect(await check(s, "page-counter", "home")).toEqual([]); // checking again does not forget the INCRBY
  });

  it("counts a queued command only once its EXEC ran the queue", async () => {
    const s = visitor();
    for (const line of ["MULTI", "SET balance:alice 70", "SET balance:bob 30"]) await run(s, "pipelines", line);
    const open = await check(s, "pipelines", "transfer", "t1");
    expect(open[0]).toEqual({ kind: "openTx", queued: 2 });
    await run(s, "pipelines", "EXEC");
    expect(await check(s, "pipelines", "transfer", "t1")).toEqual([]);
    // A WATCH that aborts EXEC: nothing ran in a transaction.
    const w = visitor();
    for (const line of ["WATCH balance:alice", "MULTI", "SET balance:alice 70", "SET balance:bob 30"]) await run(w, "pipelines", line);
    await run(w, "pipelines", "SET balance:alice 1", "t2"); // another tab touches the watched key
    expect((await run(w, "pipelines", "EXEC")).text).toBe("(nil)");
    await run(w, "pipelines", "SET balance:alice 70", "t2");
    await run(w, "pipelines", "SET balance:bob 30", "t2");
    expect(kinds(await check(w, "pipelines", "transfer"))).toEqual(["method", "method"]);
  });

  it("does not count a command that answered nil: a SET … NX that found the lock held took nothing", async () => {
    const s = visitor();
    await run(s, "basics", "SET lock:job worker-1 EX 60");
    expect(kinds(await check(s, "basics", "lock"))).toEqual(["method"]);
    expect((await run(s, "basics", "SET lock:job worker-1 NX EX 60")).text).toBe("(nil)");
    expect(kinds(await check(s, "basics", "lock"))).toEqual(["method"]);
    await run(s, "basics", "DEL lock:job");
    await run(s, "basics", "SET lock:job worker-1 NX EX 60");
    expect(await check(s, "basics", "lock")).toEqual([]);
  });

  it("keeps at most 40 entries per session and lesson, expiring, and skips entries it cannot read", async () => {
    const s = visitor();
    for (let i = 0; i < 120; i++) await run(s, "basics", `SET k${i} v`);
    const key = `app:hist:{${s.id}}:basics`;
    expect(await rt.appConn.send(["LLEN", key])).toEqual({ t: "integer", v: 40 });
    const ttl = await rt.appConn.send(["TTL", key]);
    expect(ttl.t === "integer" && Number(ttl.v) > 3600).toBe(true);
    await rt.appConn.send(["LPUSH", key, "not json", JSON.stringify({ t: "x", a: [], n: 0, r: "ok" }), JSON.stringify({ c: "../x", ok: false })]);
    const h = await readHistory(rt.appConn, s.id, "basics");
    expect(h).toHaveLength(37); // the newest 40 entries, less the three that do not parse
    expect(exerciseWindow(h, "me").at(-1)).toEqual({ name: "set", args: [], argc: 3, inTransaction: false }); // no values kept
    // Another visitor's history is theirs alone.
    expect(await readHistory(rt.appConn, visitor().id, "basics")).toEqual([]);
  });

  it("keeps only what a method rule could look at: no PING, no command on another key", async () => {
    const s = visitor();
    for (const line of ["PING", "GET other", "HSET h f v", "SET lock:job me NX EX 9"]) await run(s, "basics", line);
    const h = await readHistory(rt.appConn, s.id, "basics");
    expect(h.map((e) => ("a" in e ? e.a : e.c))).toEqual([["set", "lock:job", "NX"]]); // the rule's key and flag; not the value, not EX 9
  });

  it("keeps an entry small whatever the command carries: no values, a name that is not letters kept as ?", async () => {
    const s = visitor();
    const junk = "\\x01".repeat(48);
    await run(s, "basics", `DEL lock:job "${junk}" "${junk}" "${junk}" "${junk}" "${junk}"`, "t".repeat(40));
    await run(s, "basics", `"${junk}" lock:job`, "t".repeat(40));
    const raw = await rt.appConn.send(["LRANGE", `app:hist:{${s.id}}:basics`, "0", "-1"]);
    const sizes = raw.t === "array" ? raw.v.map((e) => (e.t === "bulk" ? Buffer.byteLength(e.v) : 0)) : [];
    expect(sizes.length).toBe(1); // the unknown command was refused by Redis: not kept
    expect(Math.max(...sizes)).toBeLessThan(250);
  });

  it("forgets a queue that EXEC did not run (EXECABORT), so a later EXEC cannot count it", async () => {
    const s = visitor();
    for (const line of ["MULTI", "SET balance:alice 70", "SET balance:bob 30", "SET", "EXEC"]) await run(s, "pipelines", line);
    for (const line of ["SET balance:alice 70", "SET balance:bob 30", "MULTI", "EXEC"]) await run(s, "pipelines", line);
    expect(kinds(await check(s, "pipelines", "transfer"))).toEqual(["method", "method"]);
  });

  it(`keeps at most ${LISTS_PER_ADDRESS} lists per client address: the least recently used go, one per new list, even when many arrive at once`, async () => {
    const ip = "203.0.113.99";
    const owners = `app:hist-addr:{${ip}}`;
    const record = (s: Session, addr = ip) => runLessonCommand(s, s, "SET lock:job x", { id: "t", ip: addr }, "basics");
    const exists = async (s: Session) => Number(((await rt.appConn.send(["EXISTS", `app:hist:{${s.id}}:basics`])) as { v: number }).v);
    const oldest = [visitor(), visitor()];
    for (const s of oldest) {
      await record(s);
      await new Promise((r) => setTimeout(r, 5));
    }
    const filler = Array.from({ length: LISTS_PER_ADDRESS - 2 }, visitor);
    for (let i = 0; i < filler.length; i += 200) await Promise.all(filler.slice(i, i + 200).map((s) => record(s)));
    await new Promise((r) => setTimeout(r, 5));
    expect(await rt.appConn.send(["ZCARD", owners])).toEqual({ t: "integer", v: LISTS_PER_ADDRESS });
    // 50 new lists at the same moment: exactly the cap stays, and 50 go (not 50² as a count read by each would remove).
    const burst = Array.from({ length: 50 }, visitor);
    await Promise.all(burst.map((s) => record(s)));
    expect(await rt.appConn.send(["ZCARD", owners])).toEqual({ t: "integer", v: LISTS_PER_ADDRESS });
    expect(await exists(oldest[0])).toBe(0);
    expect(await exists(oldest[1])).toBe(0);
    const alive = await Promise.all([...oldest, ...filler].map(exists));
    expect(alive.filter((n) => n === 1).length).toBe(LISTS_PER_ADDRESS - 50);
    for (const s of burst) expect(await exists(s)).toBe(1);
    // Another address is not touched by this one's cap.
    const other = visitor();
    await record(other, "203.0.113.98");
    expect(await exists(other)).toBe(1);
  }, 60_000);

  it("records nothing outside a lesson, or for a lesson that does not exist", async () => {
    const s = visitor();
    await runLessonCommand(s, s, "SET a 1", { id: "t1" }, undefined);
    await runLessonCommand(s, s, "SET a 1", { id: "t1" }, "no-such-lesson");
    const n = await rt.appConn.send(["EXISTS", `app:hist:{${s.id}}:basics`, `app:hist:{${s.id}}:no-such-lesson`]);
    expect(n).toEqual({ t: "integer", v: 0 });
  });
});
