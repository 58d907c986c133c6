import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { RespConnection, parseRedisUrl } from "@/lib/redis/resp-connection";
import type { Reply } from "@/lib/resp/reply";

/**
 * The escape suite: at least 150 attempts to reach another visitor's data, the
 * app's own keys or the server. Every attempt must leave the whole database as
 * it was (outside the attacker's own namespace) and the shared connection
 * healthy. One group assumes the attacker knows the victim's full namespace.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_BLOCK_SECONDS: "1" });
const victim = issueSession(rt.config.sessionSecret).session;
const attacker = issueSession(rt.config.sessionSecret).session;
/** A second attacker with only its own plain keys, for listing commands. */
const snooper = issueSession(rt.config.sessionSecret).session;
const V = victim.ns.prefix;
let raw: RespConnection;

const VICTIM_DATA = [
  "SET secret s3cr3t",
  "HSET user name ann",
  "RPUSH list a b",
  "SADD set m1 m2",
  "ZADD zset 1 one",
  "XADD stream 1-1 f v",
  "PFADD hll x",
  "GEOADD geo 13.36 38.11 palermo",
  "SETBIT bits 3 1",
];

/** Everything in Redis outside the attacker's namespace, with values, as one string. */
async function world(): Promise<string> {
  const out: string[] = [];
  for (let db = 0; db < 16; db++) {
    await raw.send(["SELECT", String(db)]);
    let cursor = "0";
    do {
      const r = await raw.send(["SCAN", cursor, "COUNT", "1000"]);
      if (r.t !== "array" || r.v[1].t !== "array") throw new Error("SCAN failed");
      cursor = (r.v[0] as { v: string }).v;
      for (const k of r.v[1].v) {
        const key = (k as { v: string }).v;
        if (key.startsWith(attacker.ns.prefix) || key.startsWith(snooper.ns.prefix)) continue;
        // The app's own bookkeeping moves with every command (rate counters, activity).
        if (key.startsWith("app:rl:") || key === "app:active" || key === "app:reaper:lock") continue;
        // Only this file's victim and the planted keys: other test files run in parallel.
        if (key.startsWith("pg:{") && !key.startsWith(V)) continue;
        const dump = await raw.send(["DUMP", key]);
        out.push(`${db}:${key}=${JSON.stringify(dump)}`);
      }
    } while (cursor !== "0");
  }
  await raw.send(["SELECT", "0"]);
  return out.sort().join("\n");
}

beforeAll(async () => {
  raw = new RespConnection(parseRedisUrl(inject("redisUrl")), "escape-raw");
  await raw.waitReady();
  for (const line of VICTIM_DATA) await execCommand(victim, { command: line });
  await raw.send(["SET", "escape-outside", "plain"]);
  await raw.send(["SET", "app:escape-check", "app-data"]);
});
afterAll(() => raw.close());

const adminish = async () => {
  const table = await rt.commandTable();
  const names: string[] = [];
  for (const c of table.values()) {
    for (const cmd of c.subcommands.size ? [...c.subcommands.values()] : [c]) {
      const cats = cmd.categories;
      if (cats.has("admin") || cats.has("dangerous") || cats.has("scripting")) names.push(cmd.name.replace("|", " ").toUpperCase());
    }
  }
  return names.sort();
};

/** Attempts by category. Each is a command line the attacker sends. */
const KNOWS_NAMESPACE = [
  `GET ${V}secret`, `SET ${V}secret pwned`, `DEL ${V}secret`, `EXPIRE ${V}secret 1`, `RENAME ${V}secret mine`,
  `COPY ${V}secret mine`, `DUMP ${V}secret`, `OBJECT ENCODING ${V}secret`, `HGETALL ${V}user`, `HSET ${V}user name eve`,
  `LPOP ${V}list`, `LMOVE ${V}list mine LEFT RIGHT`, `RPOPLPUSH ${V}list mine`, `SMEMBERS ${V}set`, `SMOVE ${V}set mine m1`,
  `SINTERSTORE ${V}set mine`, `ZPOPMIN ${V}zset`, `ZUNIONSTORE ${V}zset 1 mine`, `XRANGE ${V}stream - +`, `XTRIM ${V}stream MAXLEN 0`,
  `XREAD STREAMS ${V}stream 0`, `PFMERGE ${V}hll mine`, `GEOSEARCHSTORE ${V}geo mine FROMLONLAT 0 0 BYRADIUS 1 km`, `SETBIT ${V}bits 3 0`,
  `BITOP NOT ${V}bits mine`, `MSET ${V}secret a ${V}user b`, `MGET ${V}secret ${V}user`, `UNLINK ${V}secret ${V}list`,
  `TOUCH ${V}secret`, `SORT ${V}list STORE ${V}list`, `LMPOP 1 ${V}list LEFT`, `ZMPOP 1 ${V}zset MIN`, `BLPOP ${V}list 0.1`,
  `KEYS ${V}*`, `SCAN 0 MATCH ${V}*`, `PUBSUB CHANNELS ${V}*`, `PUBLISH ${V}news x`, `WATCH ${V}secret`, `UNWATCH`,
  `RENAME mine ${V}secret`, `RESTORE ${V}secret 0 x`, `MIGRATE 127.0.0.1 1 ${V}secret 0 10`, `MOVE ${V}secret 1`,
];
const PATTERNS = [
  "KEYS *", "KEYS [p]g:*", "KEYS ?g:*", "KEYS \\pg:*", "KEYS *secret*", "KEYS pg:*", "KEYS app:*", "KEYS *escape*",
  "SCAN 0 MATCH * COUNT 1000", "SCAN 0 MATCH pg:* COUNT 1000", "SCAN 0 MATCH app:* COUNT 1000", "SCAN 0 TYPE string COUNT 1000",
  "PUBSUB CHANNELS *", "PUBSUB CHANNELS pg:*", "PUBSUB NUMSUB pg:x", "RANDOMKEY", "DBSIZE",
];
const APP_AND_SERVER = [
  "GET app:escape-check", "SET app:escape-check x", "DEL app:escape-check", "GET escape-outside", "SET escape-outside x",
  "SELECT 1", "SWAPDB 0 1", "AUTH default x", "AUTH admin x", "AUTH playground x", "HELLO 3", "HELLO 2 AUTH admin x",
  "RESET", "QUIT", "CLIENT REPLY OFF", "CLIENT TRACKING ON", "CLIENT SETNAME x", "CLIENT NO-EVICT on", "WAIT 1 0",
  "CONFIG SET requirepass x", "ACL SETUSER eve on >x ~* +@all", "ACL WHOAMI", "MODULE LOAD /tmp/x.so", "DEBUG SLEEP 1",
  "SHUTDOWN NOSAVE", "BGSAVE", "REPLICAOF 127.0.0.1 6379", "MONITOR", "SYNC", "PSYNC ? -1", "SLOWLOG GET", "LATENCY RESET",
  'EVAL "redis.call(\'FLUSHALL\')" 0', 'FUNCTION LOAD "#!lua name=x\\nredis.register_function(\'f\', function() return 1 end)"',
  "SCRIPT LOAD x", "FLUSHALL", "FLUSHDB ASYNC", "COPY mine other DB 1", "OBJECT FREQ mine", "MEMORY PURGE",
];

describe("the escape suite", () => {
  it("has at least 150 attempts across every category", async () => {
    const total = KNOWS_NAMESPACE.length + PATTERNS.length + APP_AND_SERVER.length + (await adminish()).length;
    console.log(`escape attempts: ${total} (knows the namespace ${KNOWS_NAMESPACE.length}, patterns ${PATTERNS.length}, app and server ${APP_AND_SERVER.length}, every admin/dangerous/scripting command ${(await adminish()).length})`);
    expect(total).toBeGreaterThanOrEqual(150);
  });

  it("an attacker who knows the victim's namespace string changes nothing outside their own", async () => {
    const before = await world();
    for (const line of KNOWS_NAMESPACE) await execCommand(attacker, { command: line });
    expect(await world()).toBe(before);
    expect((await execCommand(victim, { command: "GET secret" })).text).toBe('"s3cr3t"');
  });

  it("patterns and scans list only the attacker's own keys", async () => {
    await execCommand(snooper, { command: "SET mine 1" });
    for (const line of PATTERNS) {
      const r = await execCommand(snooper, { command: line });
      expect(JSON.stringify(r.reply), line).not.toMatch(/s3cr3t|escape-|app:|pg:\{/);
    }
  });

  it("the app's keys, keys outside any namespace and the server are out of reach", async () => {
    const before = await world();
    for (const line of APP_AND_SERVER) {
      const r = await execCommand(attacker, { command: line });
      expect(JSON.stringify(r.reply), line).not.toMatch(/app-data|"plain"/);
    }
    expect(await world()).toBe(before);
  });

  it("every admin, dangerous and scripting command is refused or emulated, with an error or namespace-only effect", async () => {
    const before = await world();
    for (const name of await adminish()) {
      const r = await execCommand(attacker, { command: `${name} x y` });
      expect(["error", "status", "integer", "array", "verbatim", "nil"], name).toContain(r.reply.t);
    }
    expect(await world()).toBe(before);
  });

  it("the shared connection is still healthy: database 0, RESP2, authenticated, replying", async () => {
    expect((await execCommand(attacker, { command: "SET after ok" })).text).toBe("OK");
    expect((await execCommand(attacker, { command: "GET after" })).text).toBe('"ok"');
    expect((await execCommand(victim, { command: "GET secret" })).text).toBe('"s3cr3t"');
    const hello = (await rt.conn.send(["HELLO"])) as Reply;
    expect(JSON.stringify(hello)).toContain('{"t":"bulk","v":"proto"},{"t":"integer","v":2}');
    expect(await rt.conn.send(["GET", "app:escape-check"])).toMatchObject({ t: "error", v: expect.stringMatching(/^NOPERM/) });
  });
});
