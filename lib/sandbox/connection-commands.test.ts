import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import { processState } from "@/lib/process-state";
import { connectionCommand, MAX_NAME_BYTES, MAX_TABS } from "./connection-commands";
import { Namespace } from "./namespace";

/**
 * The connection commands a learner's redis-cli runs (issue 14), answered per
 * console tab and never on the shared connection: each tab its own client id
 * and name; HELLO 2, ROLE, LASTSAVE, ACL WHOAMI and WAIT as a lone master
 * answers them; ACL CAT/GENPASS and the containers' HELP run for real (or, for
 * SCRIPT and FUNCTION, as the live server words them). Every argument error
 * is compared with the live server's own reply to the same bytes.
 */

const rt = useTestRuntime({ PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
const newSession = () => issueSession(rt.config.sessionSecret).session;
const b = (s: string) => Buffer.from(s, "latin1");
const run = (s: Session, line: string, tab = "t1") => execCommand(s, { command: line }, { id: tab });
const text = async (s: Session, line: string, tab = "t1") => (await run(s, line, tab)).text;
const bytes = async (s: Session, argv: string[], tab = "t1") => (await execCommand(s, { bytes: argv.map(b) }, { id: tab })).reply;

/** The live server, as a plain client of its own (the admin user): what Redis answers to the same bytes. */
const oracle = new RespConnection(parseRedisUrl(inject("redisUrl")), "connection-commands-oracle");
const real = (argv: string[]) => oracle.send(argv.map(b));

beforeAll(async () => {
  await Promise.all([rt.conn.waitReady(), oracle.waitReady()]);
});
afterAll(() => oracle.close());

/**
 * An error's text, or the reply; what two replies must agree on (a refusal's problem is the playground's own).
 * On a Redis Cluster: ACL CAT lists a category in each node's own dict order (sorted here), and WAIT counts
 * the replicas a cluster has (the playground answers as a server without any: only the reply's type counts).
 */
const onCluster = inject("cluster");
const shape = (r: Reply, argv: string[] = []) => {
  if (r.t === "error") return { t: "error", v: r.v };
  const name = argv.map((a) => a.toLowerCase());
  if (onCluster && name[0] === "wait" && r.t === "integer") return { t: "integer" };
  if (onCluster && name[0] === "acl" && name[1] === "cat" && r.t === "array")
    return { ...r, v: [...r.v].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)) };
  return r;
};

/** Each argv through the console's path and to the live server: the lines whose replies differ. */
async function differences(s: Session, lines: string[][], tab = "t1"): Promise<string[]> {
  const diffs: string[] = [];
  for (const argv of lines) {
    const [ours, theirs] = [await bytes(s, argv, tab), await real(argv)];
    if (JSON.stringify(shape(ours, argv)) !== JSON.stringify(shape(theirs, argv))) {
      diffs.push(`${JSON.stringify(argv)}: app ${JSON.stringify(ours).slice(0, 300)}, redis ${JSON.stringify(theirs).slice(0, 300)}`);
    }
  }
  return diffs;
}

describe("CLIENT ID, GETNAME, SETNAME and INFO: one client per console tab", () => {
  it("gives each tab of a namespace its own small id, stable across its commands", async () => {
    const s = newSession();
    expect(await text(s, "CLIENT ID", "a")).toBe("(integer) 1");
    expect(await text(s, "CLIENT ID", "b")).toBe("(integer) 2");
    expect(await text(s, "client id", "a")).toBe("(integer) 1");
    expect(await text(s, "CLIENT Id", "b")).toBe("(integer) 2");
    // Another visitor's tabs count from 1 too: nobody learns how many tabs anyone else has.
    expect(await text(newSession(), "CLIENT ID", "a")).toBe("(integer) 1");
  });

  it("keeps a name per tab: SETNAME in one tab, nil in another tab and in another visitor's tab of the same id", async () => {
    const s = newSession();
    const other = newSession();
    expect(await text(s, "CLIENT GETNAME", "a")).toBe("(nil)");
    expect(await text(s, "CLIENT SETNAME alpha", "a")).toBe("OK");
    expect(await text(s, "CLIENT SETNAME beta", "b")).toBe("OK");
    expect(await text(s, "CLIENT GETNAME", "a")).toBe('"alpha"');
    expect(await text(s, "CLIENT GETNAME", "b")).toBe('"beta"');
    expect(await text(s, "CLIENT GETNAME", "c")).toBe("(nil)");
    expect(await text(other, "CLIENT GETNAME", "a")).toBe("(nil)");
    // The empty name removes it, as in Redis.
    expect(await text(s, 'CLIENT SETNAME ""', "a")).toBe("OK");
    expect(await text(s, "CLIENT GETNAME", "a")).toBe("(nil)");
    expect(await text(s, "CLIENT GETNAME", "b")).toBe('"beta"');
    // No connection of the server's got either name: the shared connection keeps its own.
    const list = await oracle.send(["CLIENT", "LIST"]);
    expect(list.t === "bulk" ? list.v : "").not.toMatch(/name=(alpha|beta) /);
  });

  it("a tab's own commands and its workshop-room commands are two clients, as the rest of the command path has them", async () => {
    const s = newSession();
    expect(await text(s, "CLIENT SETNAME mine", "r")).toBe("OK");
    // Another namespace under the same tab id: its own key (`<session>/<tab>/<prefix>`).
    const { session: other } = issueSession(rt.config.sessionSecret);
    const elsewhere = { id: s.id, ns: other.ns };
    expect(await text(elsewhere, "CLIENT GETNAME", "r")).toBe("(nil)");
    expect(await text(s, "CLIENT GETNAME", "r")).toBe('"mine"');
  });

  it("CLIENT INFO: one line in Redis 7.0's format, with the tab's id and name, printed raw as redis-cli prints it", async () => {
    const s = newSession();
    await text(s, "CLIENT SETNAME worker-1", "w");
    const line = await text(s, "CLIENT INFO", "w");
    expect(line).toMatch(
      /^id=1 addr=\? laddr=\? fd=-1 name=worker-1 age=\d+ idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client\|info user=default redir=-1 resp=2$/,
    );
    // The same fields, in the same order, as the live server's CLIENT INFO.
    const theirs = await real(["CLIENT", "INFO"]);
    const fields = (l: string) =>
      l
        .trim()
        .split(" ")
        .map((f) => f.slice(0, f.indexOf("=")));
    expect(fields(line)).toEqual(fields(theirs.t === "bulk" || theirs.t === "verbatim" ? theirs.v : ""));
    expect(await text(s, "CLIENT INFO", "fresh")).toMatch(/^id=2 .* name= age=0 idle=0 /);
  });

  it("reads names and arguments exactly as Redis does: the same reply, byte for byte, NUL and case variants included", async () => {
    const s = newSession();
    const lines: string[][] = [
      ["CLIENT", "SETNAME", "a b"],
      ["CLIENT", "SETNAME", "a\0b"],
      ["CLIENT", "SETNAME", "\0"],
      ["CLIENT", "SETNAME", "name\0"],
      ["CLIENT", "SETNAME", "x\n"],
      ["CLIENT", "SETNAME", "caf\xc3\xa9"],
      ["CLIENT", "SETNAME", "\x7f"],
      ["CLIENT", "SETNAME", "~!{}[]-_"],
      ["cLiEnT", "sEtNaMe", "ok"],
      ["CLIENT", "SETNAME", ""],
      ["CLIENT", "SETNAME"],
      ["CLIENT", "SETNAME", "a", "b"],
      ["CLIENT", "ID", "x"],
      ["CLIENT", "GETNAME", "x"],
      ["CLIENT", "INFO", "x"],
      ["CLIENT", "GETNAME"],
    ];
    expect(await differences(s, lines, "n")).toEqual([]);
  });

  it("a name with a NUL or a space is refused and changes nothing; a NUL in the subcommand is never looked up", async () => {
    const s = newSession();
    await text(s, "CLIENT SETNAME kept");
    expect((await bytes(s, ["CLIENT", "SETNAME", "evil\0name"])).t).toBe("error");
    expect(await text(s, "CLIENT GETNAME")).toBe('"kept"');
    const nul = await bytes(s, ["CLIENT", "SETNAME\0", "x"]);
    expect(nul).toMatchObject({ t: "error", problem: { code: "command:nul-subcommand" } });
    expect(await text(s, "CLIENT GETNAME")).toBe('"kept"');
  });

  it(`keeps names of up to ${MAX_NAME_BYTES} bytes (Redis has no limit; the app keeps every tab's name in memory)`, async () => {
    const s = newSession();
    expect(await text(s, `CLIENT SETNAME ${"n".repeat(MAX_NAME_BYTES)}`)).toBe("OK");
    const long = await run(s, `CLIENT SETNAME ${"n".repeat(MAX_NAME_BYTES + 1)}`);
    expect(long.reply).toMatchObject({ t: "error", problem: { code: "command:client-name-long" } });
    expect(long.text).toMatch(/up to 1,024 bytes/);
    expect(await text(s, "CLIENT GETNAME")).toBe(`"${"n".repeat(MAX_NAME_BYTES)}"`);
  });

  it("other CLIENT subcommands stay refused, with their reason", async () => {
    const s = newSession();
    for (const line of ["CLIENT LIST", "CLIENT KILL TYPE normal", "CLIENT NO-EVICT on", "CLIENT REPLY OFF", "CLIENT PAUSE 10", "CLIENT TRACKING ON"]) {
      const r = await run(s, line);
      expect(r.reply, line).toMatchObject({ t: "error", problem: { code: expect.stringMatching(/^command:(admin|connection)$/) } });
    }
  });

  it("is answered by the playground, so inside MULTI it is refused and EXEC aborts, as for every emulated command", async () => {
    const s = newSession();
    expect(await text(s, "MULTI", "m")).toBe("OK");
    expect((await run(s, "CLIENT ID", "m")).reply).toMatchObject({ t: "error", problem: { code: "command:emulated-in-multi" } });
    expect(await text(s, "EXEC", "m")).toMatch(/^\(error\) EXECABORT/);
    expect(await text(s, "CLIENT ID", "m")).toBe("(integer) 1");
  });

  it(`remembers at most ${MAX_TABS.toLocaleString("en")} tabs, forgetting the least recently used first`, async () => {
    const ns = new Namespace("pg:{boundedTabs0000}:");
    const ctx = (tab: string) => ({ conn: rt.scoped(ns), ns, clientKey: `bounded/${tab}/${ns.prefix}` });
    const id = async (tab: string) => (await connectionCommand(ctx(tab), "client", [b("CLIENT"), b("ID")])) as { v: number };
    const first = (await id("first")).v;
    const kept = (await id("kept")).v;
    for (let i = 0; i < MAX_TABS - 2; i++) await id(`filler-${i}`);
    expect((await id("kept")).v).toBe(kept); // used again: now the most recent
    await id("one-more"); // past the cap: "first" goes
    const tabs = processState("sandbox.connectionCommands", () => ({ tabs: new Map() })).tabs;
    expect(tabs.size).toBe(MAX_TABS);
    expect((await id("kept")).v).toBe(kept);
    expect((await id("first")).v).not.toBe(first); // a new client, as after a reconnect
  });
});

describe("HELLO in the console: RESP2 only, no AUTH", () => {
  it("HELLO and HELLO 2 answer the server's facts as RESP2's flat array, with the tab's id", async () => {
    const s = newSession();
    await text(s, "CLIENT ID", "h0");
    const theirs = await real(["HELLO", "2"]);
    expect(theirs.t).toBe("array");
    const want = (theirs as { v: Reply[] }).v.map((r, i) => (i === 7 ? { t: "integer", v: 2 } : r));
    expect((await run(s, "HELLO 2", "h")).reply).toEqual({ t: "array", v: want });
    expect((await run(s, "hello", "h")).reply).toEqual({ t: "array", v: want });
    expect(await text(s, "HELLO 2", "h")).toMatch(
      /^ 1\) "server"\n 2\) "redis"\n 3\) "version"\n 4\) "7\.\d+\.\d+"\n 5\) "proto"\n 6\) \(integer\) 2\n 7\) "id"\n 8\) \(integer\) 2\n/,
    );
  });

  it("HELLO 2 SETNAME names the tab", async () => {
    const s = newSession();
    expect((await run(s, "HELLO 2 SETNAME from-hello", "h")).reply.t).toBe("array");
    expect(await text(s, "CLIENT GETNAME", "h")).toBe('"from-hello"');
    expect(await text(s, "CLIENT GETNAME", "other")).toBe("(nil)");
  });

  it("HELLO 3 and HELLO … AUTH are refused with why, and change nothing", async () => {
    const s = newSession();
    const three = await run(s, "HELLO 3 SETNAME x");
    expect(three.reply).toMatchObject({ t: "error", problem: { code: "command:hello-resp3" } });
    expect(three.text).toMatch(/RESP2/);
    const auth = await run(s, "HELLO 2 AUTH default secret SETNAME x");
    expect(auth.reply).toMatchObject({ t: "error", problem: { code: "command:hello-auth" } });
    expect(await text(s, "CLIENT GETNAME")).toBe("(nil)");
    // The shared connection still speaks RESP2.
    const hello = await rt.conn.send(["HELLO"]);
    expect(JSON.stringify(hello)).toContain('{"t":"bulk","v":"proto"},{"t":"integer","v":2}');
  });

  it("reads its arguments as Redis 7.0 does: the same errors for the same bytes", async () => {
    const s = newSession();
    const lines: string[][] = [
      ["HELLO", "x"],
      ["HELLO", "02"],
      ["HELLO", "+2"],
      ["HELLO", "2 "],
      ["HELLO", "1"],
      ["HELLO", "4"],
      ["HELLO", "-2"],
      ["HELLO", "99999999999999999999"],
      ["HELLO", "2", "foo"],
      ["HELLO", "2", "SETNAME"],
      ["HELLO", "2", "AUTH", "a"],
      ["HELLO", "2", "fo\0o", "x"],
      ["HELLO", "2", "SETNAME", "a", "foo"],
      ["HELLO", "2", "SETNAME", "a b"],
      ["HELLO", "2", "SETNAME", "a\0"],
      ["HELLO", "2", "line\r\nbreak"],
      ["HELLO", "3", "bogus"],
      ["HELLO", "2", "x".repeat(300)],
    ];
    expect(await differences(s, lines)).toEqual([]);
    // "SETNAME\0x" is SETNAME to Redis, and to the console.
    expect((await bytes(s, ["HELLO", "2", "setname\0x", "nul-keyword"])).t).toBe("array");
    expect(await text(s, "CLIENT GETNAME")).toBe('"nul-keyword"');
  });
});

describe("ROLE, LASTSAVE, ACL WHOAMI: a lone master, as redis-cli signs in", () => {
  it("ROLE: a master with no replicas", async () => {
    const s = newSession();
    expect(await text(s, "ROLE")).toBe('1) "master"\n2) (integer) 0\n3) (empty array)');
    expect(await text(s, "role x")).toBe("(error) ERR wrong number of arguments for 'role' command");
  });

  it("LASTSAVE: a time in the past that stays put, the same for every tab of the namespace", async () => {
    const s = newSession();
    const a = await run(s, "LASTSAVE", "a");
    expect(a.reply.t).toBe("integer");
    const t = Number((a.reply as { v: number }).v);
    expect(t).toBeLessThanOrEqual(Date.now() / 1000);
    expect(t).toBeGreaterThan(Date.now() / 1000 - 60);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await run(s, "LASTSAVE", "b")).reply).toEqual(a.reply);
    expect(await text(s, "LASTSAVE x")).toBe("(error) ERR wrong number of arguments for 'lastsave' command");
  });

  it('ACL WHOAMI: "default", never the namespace\'s ACL user', async () => {
    const s = newSession();
    expect(await text(s, "ACL WHOAMI")).toBe('"default"');
    expect(await text(s, "acl whoami x")).toBe("(error) ERR wrong number of arguments for 'acl|whoami' command");
  });
});

describe("ACL CAT and ACL GENPASS run for real", () => {
  it("the same replies and errors as the live server", async () => {
    const s = newSession();
    const lines: string[][] = [
      ["ACL", "CAT"],
      ["ACL", "CAT", "string"],
      ["acl", "cat", "HyperLogLog"],
      ["ACL", "CAT", "nosuch"],
      ["ACL", "CAT", "a", "b"],
      ["ACL", "GENPASS", "0"],
      ["ACL", "GENPASS", "-1"],
      ["ACL", "GENPASS", "4097"],
      ["ACL", "GENPASS", "x"],
      ["ACL", "GENPASS", "5\0"],
      ["ACL", "GENPASS", "4096", "x"],
    ];
    expect(await differences(s, lines)).toEqual([]);
  });

  it("GENPASS: 256 bits (64 hex digits) by default, the bits rounded up to whole hex digits", async () => {
    const s = newSession();
    expect(await text(s, "ACL GENPASS")).toMatch(/^"[0-9a-f]{64}"$/);
    expect(await text(s, "ACL GENPASS 1")).toMatch(/^"[0-9a-f]"$/);
    expect(await text(s, "ACL GENPASS 5")).toMatch(/^"[0-9a-f]{2}"$/);
    expect(await text(s, "ACL GENPASS 4096")).toMatch(/^"[0-9a-f]{1024}"$/);
    expect(await text(s, "ACL GENPASS")).not.toBe(await text(s, "ACL GENPASS"));
  });

  it("the rest of ACL stays refused", async () => {
    const s = newSession();
    for (const line of ["ACL LIST", "ACL USERS", "ACL GETUSER default", "ACL SETUSER eve on", "ACL LOG", "ACL DRYRUN default GET x"]) {
      expect((await run(s, line)).reply, line).toMatchObject({ t: "error", problem: { code: "command:admin" } });
    }
  });
});

describe("the containers' HELP", () => {
  const containers = [
    "ACL",
    "CLIENT",
    "CLUSTER",
    "CONFIG",
    "LATENCY",
    "MODULE",
    "SLOWLOG",
    "SCRIPT",
    "FUNCTION",
    "OBJECT",
    "MEMORY",
    "XINFO",
    "XGROUP",
    "PUBSUB",
    "COMMAND",
  ];

  it("answers what the live server answers, for every container this server has", async () => {
    const s = newSession();
    const listed = await real(["COMMAND", "LIST", "FILTERBY", "PATTERN", "*|help"]);
    const onServer = (listed as { v: Array<{ v: string }> }).v.map((r) => r.v.split("|")[0].toUpperCase()).sort();
    expect(onServer).toEqual([...containers].sort());
    const lines = containers.flatMap((c) => [
      [c, "HELP"],
      [c.toLowerCase(), "help"],
      [c, "HELP", "x"],
    ]);
    expect(await differences(s, lines)).toEqual([]);
  });

  it("HELP answers only HELP: the containers' other subcommands stay refused", async () => {
    const s = newSession();
    for (const line of ["CONFIG GET maxmemory", "SCRIPT FLUSH", "FUNCTION LIST", "SLOWLOG GET", "LATENCY LATEST", "MODULE LIST", "CLUSTER INFO"]) {
      expect((await run(s, line)).reply.t, line).toBe("error");
    }
  });
});

describe("WAIT: no replica ever acknowledges, and the wait is capped", () => {
  it("answers 0 at once when no replica is asked for, and after the timeout otherwise", async () => {
    const s = newSession();
    let t0 = performance.now();
    expect(await text(s, "WAIT 0 0")).toBe("(integer) 0");
    expect(await text(s, "WAIT -3 5000")).toBe("(integer) 0");
    expect(performance.now() - t0).toBeLessThan(200);
    t0 = performance.now();
    expect(await text(s, "WAIT 1 300")).toBe("(integer) 0");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(performance.now() - t0).toBeLessThan(900);
  });

  it("forever (0) and long timeouts end at the blocking cap (1 s here), without holding another visitor up", async () => {
    const s = newSession();
    const other = newSession();
    const t0 = performance.now();
    const waiting = text(s, "WAIT 1 0");
    await new Promise((r) => setTimeout(r, 100));
    const p0 = performance.now();
    expect(await text(other, "PING")).toBe("PONG");
    expect(performance.now() - p0).toBeLessThan(300);
    expect(await waiting).toBe("(integer) 0");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
    expect(performance.now() - t0).toBeLessThan(2000);
    const t1 = performance.now();
    expect(await text(s, "WAIT 2 9223372036854775807")).toBe("(integer) 0");
    expect(performance.now() - t1).toBeLessThan(2000);
    // The console says so, as it does for a capped BLPOP; a wait as long as asked, or none, says nothing.
    expect((await execCommand(s, { command: "WAIT 1 0" })).notices?.map((n) => n.code)).toEqual(["notice:timeout-capped"]);
    expect((await execCommand(s, { command: "WAIT 1 5000" })).notice).toMatch(/WAIT.*5000/);
    expect((await execCommand(s, { command: "WAIT 1 10" })).notice).toBeUndefined();
    expect((await execCommand(s, { command: "WAIT 0 0" })).notice).toBeUndefined();
  });

  it("reads its arguments as Redis 7.0 does: the same errors for the same bytes", async () => {
    const s = newSession();
    const lines: string[][] = [
      ["WAIT", "1", "abc"],
      ["WAIT", "abc", "1"],
      ["WAIT", "abc", "-1"],
      ["WAIT", "1", "-1"],
      ["WAIT", "0", "-1"],
      ["WAIT", "0", "-0"],
      ["WAIT", "+1", "0"],
      ["WAIT", "0", "01"],
      ["WAIT", "0", "1.5"],
      ["WAIT", "0", "5\0"],
      ["WAIT", "0\0", "5"],
      ["WAIT", "-1", "0"],
      ["WAIT", "0", "0"],
      ["WAIT", "1", "50"],
      ["WAIT", "1"],
      ["WAIT", "1", "2", "3"],
      ["wait", "0", "9223372036854775807"],
      ["WAIT", "0", "9223372036854775808"],
      ["WAIT", "9223372036854775808", "0"],
    ];
    expect(await differences(s, lines)).toEqual([]);
  });
});
