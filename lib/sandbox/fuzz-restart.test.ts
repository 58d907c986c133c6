import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";
import { useRuntimeOn } from "@/test/env";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import { resetRuntime } from "@/lib/runtime";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { decisiveVariants, loadGrammar, Rng, seedFromEnv, toCliLine, variants, type KeyPool } from "@/test/argv-grammar";

/**
 * The embedded default always restarts, whatever visitors did: a byte-level
 * fuzz (NUL in names and keywords, case, look-alikes, repeated keywords, every
 * command and subcommand of the live server) runs against a persistent
 * embedded Redis — the one `npm start` uses, RDB snapshots under its data
 * folder — which is then stopped and started again on the same folder. It
 * must come back, with the victim's keys byte-identical. (With the old
 * append-only file, a command that resolved by accident made the next start
 * fail: "Unknown command … reading the append only file".)
 */
const LINES = Number(process.env.FUZZ_RESTART_LINES ?? 3000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-fuzz-restart-"));
let redis: EmbeddedRedis | null = null;
const saved = { ...process.env };

afterAll(async () => {
  resetRuntime();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

async function dumpAll(admin: RespConnection, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const r = await admin.send(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"]);
    if (r.t !== "array" || r.v[1].t !== "array") throw new Error("SCAN failed");
    cursor = (r.v[0] as { v: string }).v;
    for (const k of r.v[1].v) out.push(`${(k as { v: string }).v}=${JSON.stringify(await admin.send(["DUMP", (k as { v: string }).v]))}`);
  } while (cursor !== "0");
  return out.sort().join("\n");
}

describe("the embedded Redis after a byte-level fuzz", () => {
  it(`starts again with every visitor's data (${LINES} lines)`, async () => {
    redis = await startRedisServer({ dir, persist: true });
    const rt = await useRuntimeOn(redis, { PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
    const victim = issueSession(rt.config.sessionSecret).session;
    const attacker = issueSession(rt.config.sessionSecret).session;
    for (const line of [
      "SET v:str s3cr3t",
      "RPUSH v:list a b c",
      "HSET v:hash f v",
      "SADD v:set m",
      "ZADD v:zset 1 one",
      "XADD v:stream 1-1 f v",
      "SETBIT v:bits 3 1",
    ]) {
      expect((await execCommand(victim, { command: line })).reply.t).not.toBe("error");
    }
    const admin = new RespConnection(parseRedisUrl(redis.urls.admin), "fuzz-restart-admin");
    await admin.waitReady();
    const before = await dumpAll(admin, victim.ns.prefix);
    expect(before).not.toBe("");

    const grammar = await loadGrammar(admin);
    const rng = new Rng(seedFromEnv() ^ 0x7e57);
    const keys: KeyPool = {
      own: ["k1", "k2", "v:str", "v:list"],
      victimPrefix: victim.ns.prefix,
      victimKeys: ["v:str", "v:list", "v:hash", "v:set", "v:zset", "v:stream", "v:bits"],
      outside: ["app:active", "outside"],
    };
    const lines = [...decisiveVariants(rng.fork(1), grammar, { keys, n: 4 }), ...variants(rng.fork(2), grammar, { keys, perCommand: 2, mutated: 6 })];
    rng.shuffle(lines);
    let ran = 0;
    for (const v of lines.slice(0, LINES)) {
      try {
        await execCommand(attacker, { command: toCliLine(v.argv) }, { id: `t${ran % 3}` });
      } catch {
        // A refusal that is not a reply (busy, a dropped connection) is fine here: the restart is what is tested.
      }
      ran++;
    }
    expect(ran).toBeGreaterThan(Math.min(LINES, 1000));
    resetRuntime(); // end every lease the fuzz left open
    admin.close();

    // Stop (Redis saves its snapshot on SIGTERM) and start again on the same folder.
    const passwords = redis.passwords;
    await redis.stop();
    redis = await startRedisServer({ dir, persist: true, passwords });
    const again = new RespConnection(parseRedisUrl(redis.urls.admin), "fuzz-restart-again");
    await again.waitReady();
    try {
      expect(await dumpAll(again, victim.ns.prefix)).toBe(before);
      expect(await again.send(["CONFIG", "GET", "appendonly"])).toMatchObject({ v: [{ v: "appendonly" }, { v: "no" }] });
    } finally {
      again.close();
    }
  }, 300_000);
});
