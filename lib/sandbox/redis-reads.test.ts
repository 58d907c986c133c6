import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";
import { decide, RUN } from "./policy";
import { plan } from "./sandbox";
import { redisWord } from "./args";

/**
 * The sandbox reads names and keywords the way Redis does (args.ts), and Redis
 * is the judge: its own error texts come from a scratch server, through a user
 * with no permissions (a name is looked up before any ACL check, so an unknown
 * one gets the unknown-command error and a known one NOPERM, never running).
 * The attacks named in the "Sandbox v2" issue are replayed here one by one.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
const victim = issueSession(rt.config.sessionSecret).session;
const attacker = issueSession(rt.config.sessionSecret).session;
const V = victim.ns.prefix;
let admin: RespConnection;
let oracle: RespConnection;

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const run = async (line: string) => (await execCommand(attacker, { command: line })).reply;
const victimState = async () => JSON.stringify(await Promise.all(["secret", "list", "bits", "dst"].map((k) => admin.send(["DUMP", `${V}${k}`]))));

beforeAll(async () => {
  admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "reads-admin");
  const scratchAdmin = new RespConnection(
    { host: "127.0.0.1", port: inject("scratchPort"), username: "admin", password: inject("scratchPassword") },
    "reads-scratch",
  );
  await Promise.all([admin.waitReady(), scratchAdmin.waitReady()]);
  await scratchAdmin.send(["ACL", "SETUSER", "oracle-nobody", "on", ">nobody", "resetkeys", "resetchannels", "-@all"]);
  scratchAdmin.close();
  oracle = new RespConnection({ host: "127.0.0.1", port: inject("scratchPort"), username: "oracle-nobody", password: "nobody" }, "reads-oracle");
  await oracle.waitReady();
  for (const line of ["SET secret s3cr3t", "RPUSH list b a c", "SETBIT bits 7 1", "SET dst untouched"]) await execCommand(victim, { command: line });
  await execCommand(attacker, { command: "RPUSH l z y x" });
  await execCommand(attacker, { command: "GEOADD geo 13.36 38.11 palermo" });
});
afterAll(() => {
  admin.close();
  oracle.close();
});

describe("names the server does not know", () => {
  const lines: Uint8Array[][] = [
    [b("FOOBAR"), b("a"), b("b"), b("c")],
    [b("foobar")],
    [b("x".repeat(200)), b("y".repeat(200))],
    [b("nope"), b("a\r\nb"), b("c".repeat(130)), b("d")],
    [b("nope"), ...Array.from({ length: 40 }, (_, i) => b(`arg${i}`))],
    [b("nope"), b("a\0b"), b("")],
    [Uint8Array.from([0xc3, 0xa9, 0x74, 0xe2, 0x84, 0xaa]), b("x")], // "étK" with a Kelvin sign: JS lower-cases it to k, Redis does not
    [b("\u212Aeys"), b("*")], // KEYS spelled with a Kelvin sign
    [b("ſcan"), b("0")], // SCAN with a long s
    [b("OBJECT"), b("nope"), b("k")],
    [b("object"), b("ENCODINGX"), b("k")],
    [b("XINFO"), b("\u212Aeys")],
    [b("OBJECT")],
    [b("client")],
    [b("COMMAND"), b("nope")],
  ];
  it.each(lines.map((argv) => [JSON.stringify(new TextDecoder().decode(Buffer.concat(argv.map((a) => Buffer.concat([a, b(" ")]))))), argv] as const))(
    "answers %s with Redis's own error, without sending it",
    async (_, argv) => {
      const p = await plan({ conn: rt.scoped(attacker.ns), table: await rt.commandTable(), ns: attacker.ns }, argv);
      const theirs = await oracle.send(argv);
      expect(theirs.t, "Redis must not know this name").toBe("error");
      expect((theirs as { v: string }).v, "Redis knows this name: the sandbox must not call it unknown").not.toMatch(/^NOPERM/);
      expect(p).toEqual({ kind: "reply", reply: theirs });
    },
  );
});

describe("NUL bytes where Redis reads a name, a subcommand or a keyword", () => {
  it.each([
    ['"GET\\x00x" secret', "name"],
    ['"get\\x00" secret', "name"],
    ['"DEL\\x00\\x01" secret', "name"],
    ['"RESET\\x00"', "name"],
    ['"AUTH\\x00" default x', "name"],
    ['"SCAN\\x00" 0', "name"],
    ['"\\x00"', "name"],
    ['OBJECT "encoding\\x00" secret', "subcommand"],
    ['XINFO "STREAM\\x00abc" s', "subcommand"],
    ['COMMAND "getkeys\\x00" GET k', "subcommand"],
  ])("refuses %s (a %s)", async (line, what) => {
    const before = await victimState();
    const reply = await run(line);
    expect(reply).toMatchObject({ t: "error", v: expect.stringContaining(`NUL byte`) });
    expect((reply as { v: string }).v).toContain(what);
    expect(await victimState()).toBe(before);
  });

  it.each([
    // The attacks of the review, each with the victim's real key names.
    [`SORT l ALPHA "STORE\\x00" ${V}dst`, "STORE"],
    [`SORT l ALPHA "store\\x00junk" ${V}dst`, "STORE"],
    [`COPY l lcopy "DB\\x00" 0`, "DB"],
    [`BITFIELD big "SET\\x00" u8 4294967295 1`, "SET"],
    [`BITFIELD big GET u8 0 "INCRBY\\x00" u8 4000000000 1`, "INCRBY"],
    [`GEORADIUS geo 15 37 200 km "STORE\\x00" ${V}dst`, "STORE"],
    [`XREAD "BLOCK\\x00" 0 STREAMS s $`, "BLOCK"],
    [`XREAD COUNT 1 "STREAMS\\x00" ${V}s 0`, "STREAMS"],
    [`SET k v "GET\\x00"`, "GET"],
  ])("refuses %s (%s with a NUL byte)", async (line, keyword) => {
    const before = await victimState();
    const memory = await usedMemory();
    const t0 = performance.now();
    const reply = await run(line);
    expect(performance.now() - t0, "answered at once, never blocking").toBeLessThan(1000);
    // COPY … DB is refused as such, before its keyword is looked at.
    expect(reply).toMatchObject({ t: "error", v: expect.stringMatching(keyword === "DB" ? /COPY … DB/ : `keyword ${keyword}`) });
    expect(await victimState()).toBe(before);
    expect(await usedMemory(), "nothing was allocated").toBeLessThan(memory + 1_000_000);
  });

  it("keeps NUL bytes in keys and values", async () => {
    expect((await execCommand(attacker, { command: 'SET "k\\x00ey" "va\\x00lue"' })).text).toBe("OK");
    expect((await execCommand(attacker, { command: 'GET "k\\x00ey"' })).text).toBe('"va\\x00lue"');
    expect((await execCommand(attacker, { command: 'RPUSH "STORE\\x00" "STORE\\x00"' })).text).toBe("(integer) 1");
    expect(await admin.send(["EXISTS", `${attacker.ns.prefix}k\0ey`])).toEqual({ t: "integer", v: 1 });
  });
});

describe("keywords given twice, where Redis honours the last", () => {
  it.each([
    `GEORADIUS geo 15 37 200 km STORE mine STORE ${V}dst`,
    `GEORADIUS geo 15 37 200 km STOREDIST mine STORE ${V}dst`,
    `GEORADIUSBYMEMBER geo palermo 200 km STORE mine store ${V}dst`,
    `SORT l ALPHA STORE mine STORE ${V}dst`,
    `SORT l STORE mine LIMIT 0 1 sToRe ${V}dst`,
    `XREAD BLOCK 10 BLOCK 0 STREAMS s $`,
    `XREAD COUNT 1 COUNT 2 STREAMS s 0`,
    `XREADGROUP GROUP g c GROUP g2 c2 STREAMS s >`,
    `COPY l ldst DB 0 DB 0`,
  ])("refuses %s", async (line) => {
    const before = await victimState();
    const t0 = performance.now();
    const reply = await run(line);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(reply).toMatchObject({ t: "error", v: expect.stringMatching(/more than once|COPY … DB/) });
    expect(await victimState()).toBe(before);
  });

  it("still runs the one-keyword forms, with the destination in the visitor's namespace", async () => {
    expect((await execCommand(attacker, { command: "SORT l ALPHA STORE sorted" })).text).toBe("(integer) 3");
    expect((await execCommand(attacker, { command: "GEORADIUS geo 15 37 200 km STORE near" })).text).toBe("(integer) 1");
    expect(await admin.send(["EXISTS", `${attacker.ns.prefix}sorted`, `${attacker.ns.prefix}near`])).toEqual({ t: "integer", v: 2 });
  });

  it("reads a blocking XREAD's BLOCK in any case and caps it on a connection of its own", async () => {
    const t0 = performance.now();
    const r = await execCommand(attacker, { command: "XREAD bLoCk 0 STREAMS nothing $" });
    expect(r.reply).toEqual({ t: "nil" });
    expect(r.notice).toMatch(/capped at 1 s/);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe("the policy table", () => {
  it("runs only what it names: every other command or subcommand of the live server is refused or emulated", async () => {
    const table = await rt.commandTable();
    const allowed: string[] = [];
    for (const top of table.values()) {
      for (const cmd of top.subcommands.size ? [...top.subcommands.values()] : [top]) {
        const argv = [b(cmd.name.split("|")[0]), ...(cmd.name.includes("|") ? [b(cmd.name.split("|")[1])] : [])];
        const d = decide(cmd, argv);
        if (d.action === "allow") allowed.push(cmd.name);
      }
    }
    for (const name of allowed) expect(RUN.has(name), name).toBe(true);
    // Every name in the table exists on this server (a typo would silently refuse a command).
    const known = new Set([...table.values()].flatMap((t) => [t.name, ...[...t.subcommands.values()].map((s) => s.name)]));
    for (const name of RUN) expect(known.has(name), name).toBe(true);
  });

  it("reads words as Redis does: ASCII case only, up to the first NUL", () => {
    expect(redisWord(b("StOrE"))).toBe("store");
    expect(redisWord(b("STORE\0junk"))).toBe("store");
    expect(redisWord(b("\u212Aeys"))).not.toBe("keys");
    expect(redisWord(b("ſtore"))).not.toBe("store");
    expect(redisWord(b("ＳＴＯＲＥ"))).not.toBe("store");
  });
});

async function usedMemory(): Promise<number> {
  const r = (await admin.send(["INFO", "memory"])) as Reply;
  const text = r.t === "bulk" || r.t === "verbatim" ? r.v : "";
  return Number(/used_memory:(\d+)/.exec(text)?.[1] ?? NaN);
}
