import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import { encodeCommand } from "@/lib/resp/decoder";
import { startRedisServer, type EmbeddedRedis } from "@/lib/redis/embedded";

const rt = useTestRuntime();
const newSession = () => issueSession(rt.config.sessionSecret).session;
const text = async (s: Session, command: string) => (await execCommand(s, { command })).text;

describe("INFO shows a harmless subset", () => {
  // Field by field against a real INFO: lib/sandbox/fidelity.test.ts.
  it("the server's version and the visitor's own keyspace, printed raw like redis-cli", async () => {
    const s = newSession();
    await text(s, "SET a 1");
    await text(s, "SET b 2 EX 100");
    const out = await text(s, "INFO");
    expect(out).toMatch(/^# Server\r\nredis_version:7\.\d+\.\d+\r\nredis_mode:(standalone|cluster)\r\n/);
    expect(out).toMatch(/\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=\d+\r?$/);
    expect(out).not.toMatch(/connected_clients|process_id|run_id|tcp_port|executable|config_file|pg:\{/);
    expect(await text(s, "INFO keyspace")).toMatch(/^# Keyspace\r\ndb0:keys=2,expires=1/);
    expect(await text(newSession(), "INFO keyspace")).toMatch(/^# Keyspace\r?$/);
    expect(await text(s, "INFO commandstats")).toBe("");
  });
});

describe("SORT works on your own keys, without patterns that read other keys", () => {
  it("sorts, stores into the namespace, and refuses BY/GET patterns", async () => {
    const s = newSession();
    await text(s, "RPUSH nums 3 1 2");
    expect(await text(s, "SORT nums")).toBe('1) "1"\n2) "2"\n3) "3"');
    expect(await text(s, "SORT nums DESC LIMIT 0 2")).toBe('1) "3"\n2) "2"');
    expect(await text(s, "SORT nums BY nosort")).toBe('1) "3"\n2) "1"\n3) "2"');
    expect(await text(s, "SORT nums STORE sorted")).toBe("(integer) 3");
    expect(await text(s, "LRANGE sorted 0 -1")).toBe('1) "1"\n2) "2"\n3) "3"');
    expect(await text(s, "SORT_RO nums ALPHA")).toBe('1) "1"\n2) "2"\n3) "3"');
    expect(await text(s, "SORT nums BY weight_*")).toMatch(/^\(error\) ERR SORT … BY with a "\*" pattern reads other keys/);
    expect(await text(s, "SORT nums GET obj_*->name")).toMatch(/^\(error\) ERR SORT … GET reads other keys by pattern/);
    expect(await text(s, "SORT nums GET #")).toMatch(/^\(error\) ERR SORT … GET reads other keys by pattern/);
    const other = newSession();
    expect(await text(other, `SORT ${s.ns.prefix}nums`)).toBe("(empty array)");
  });
});

describe("PUBSUB CHANNELS and NUMSUB see only your channels", () => {
  it("scopes patterns and strips the namespace", async () => {
    const s = newSession();
    const other = newSession();
    const { host, port, username, password } = parseRedisUrl(inject("redisUrl"));
    const sock = net.createConnection({ host, port });
    await once(sock, "connect");
    sock.write(encodeCommand(["AUTH", username!, password!].map((a) => Buffer.from(a))));
    sock.write(encodeCommand(["SUBSCRIBE", `${s.ns.prefix}news`, `${s.ns.prefix}jobs`].map((a) => Buffer.from(a))));
    await new Promise((r) => setTimeout(r, 200));
    try {
      expect(await text(s, "PUBSUB CHANNELS")).toMatch(/^1\) "(jobs|news)"\n2\) "(jobs|news)"$/);
      expect(await text(s, "PUBSUB CHANNELS n*")).toBe('1) "news"');
      expect(await text(s, "PUBSUB NUMSUB news nope")).toBe('1) "news"\n2) (integer) 1\n3) "nope"\n4) (integer) 0');
      expect(await text(other, "PUBSUB CHANNELS")).toBe("(empty array)");
      expect(await text(other, "PUBSUB NUMSUB news")).toBe('1) "news"\n2) (integer) 0');
      expect(await text(s, "PUBLISH news hi")).toBe("(integer) 1");
      expect(await text(s, "SPUBLISH news hi")).toMatch(/^\(integer\) [01]$/);
      expect(await text(s, "PUBSUB NUMPAT")).toMatch(/^\(error\) ERR PUBSUB NUMPAT counts every visitor's pattern subscriptions/);
    } finally {
      sock.destroy();
    }
  });
});

describe("SCAN, KEYS, DBSIZE, RANDOMKEY and FLUSHDB answer as redis-cli does on an empty server", () => {
  // An empty namespace is an empty server: the same lines, the same text. The shared test server
  // gets keys of another visitor first, so a SCAN that walked the whole keyspace would show a cursor.
  const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "emulated-admin");
  const foreign = `pg:{${"emulatedForeign0".slice(0, 16)}}:`;
  let empty: EmbeddedRedis;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-emulated-"));
    empty = await startRedisServer({ dir });
    await admin.waitReady();
    for (let i = 0; i < 2000; i += 500) {
      await admin.send(["MSET", ...Array.from({ length: 500 }, (_, j) => [`${foreign}k${i + j}`, "x"]).flat()]);
    }
  }, 30_000);
  afterAll(async () => {
    for (let i = 0; i < 2000; i += 500) await admin.send(["UNLINK", ...Array.from({ length: 500 }, (_, j) => `${foreign}k${i + j}`)]);
    admin.close();
    await empty?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const redisCli = (line: string) => {
    const r = spawnSync("redis-cli", ["-p", String(empty.port), "--user", "admin", "--pass", empty.passwords.admin, "--no-auth-warning", "--no-raw"], {
      input: `${line}\n`,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`redis-cli failed: ${r.stderr}`);
    return r.stdout.replace(/\n$/, "");
  };

  it('SCAN on an empty namespace: cursor "0" and (empty array)', async () => {
    const s = newSession();
    expect(await text(s, "SCAN 0")).toBe('1) "0"\n2) (empty array)');
    expect(redisCli("SCAN 0")).toBe('1) "0"\n2) (empty array)');
    // A namespace that had keys and lost them: still "0".
    await text(s, "SET k v");
    await text(s, "DEL k");
    expect(await text(s, "SCAN 0 COUNT 1000")).toBe('1) "0"\n2) (empty array)');
  });

  it("the same text as redis-cli for every argument error and empty reply", async () => {
    const s = newSession();
    const lines = [
      "SCAN 0",
      "SCAN 0 COUNT 5",
      "SCAN 0 count 5 match * type string",
      "SCAN 0 MATCH a* COUNT 100000000",
      "SCAN 0 TYPE nosuchtype",
      "SCAN -1",
      "SCAN +5",
      'SCAN ""',
      "SCAN 18446744073709551615",
      "SCAN -18446744073709551615",
      'SCAN "5\\x00abc"',
      "SCAN abc",
      'SCAN " 1"',
      'SCAN "1 "',
      "SCAN 18446744073709551616",
      "SCAN 0x10",
      "SCAN -",
      "SCAN abc COUNT 0",
      "SCAN 0 COUNT 0",
      "SCAN 0 COUNT -1",
      "SCAN 0 COUNT abc",
      "SCAN 0 COUNT 01",
      "SCAN 0 COUNT +1",
      "SCAN 0 COUNT -0",
      "SCAN 0 COUNT 9223372036854775808",
      'SCAN 0 COUNT "5\\x00"',
      "SCAN 0 MATCH",
      "SCAN 0 COUNT",
      "SCAN 0 FOO bar",
      "SCAN 0 COUNT 0 FOO",
      "SCAN 0 FOO COUNT 0",
      "SCAN 0 COUNT 5 COUNT 0",
      "SCAN",
      "KEYS *",
      "KEYS",
      "KEYS a b",
      "DBSIZE",
      "DBSIZE x",
      "RANDOMKEY",
      "RANDOMKEY x",
      "FLUSHDB x",
      "FLUSHDB sync x",
      "FLUSHDB ASYNC",
      "FLUSHALL",
    ];
    const diffs: string[] = [];
    for (const line of lines) {
      const [ours, theirs] = [await text(s, line), redisCli(line)];
      if (ours !== theirs) diffs.push(`${line}\n  app:       ${JSON.stringify(ours)}\n  redis-cli: ${JSON.stringify(theirs)}`);
    }
    expect(diffs.join("\n")).toBe("");
  });
});
