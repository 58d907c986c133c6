import net from "node:net";
import { once } from "node:events";
import { describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession, type Session } from "@/lib/session";
import { parseRedisUrl } from "@/lib/redis/resp-connection";
import { encodeCommand } from "@/lib/resp/decoder";

const rt = useTestRuntime();
const newSession = () => issueSession(rt.config.sessionSecret).session;
const text = async (s: Session, command: string) => (await execCommand(s, { command })).text;

describe("INFO shows a harmless subset", () => {
  it("the server's version and the visitor's own keyspace, printed raw like redis-cli", async () => {
    const s = newSession();
    await text(s, "SET a 1");
    await text(s, "SET b 2 EX 100");
    const out = await text(s, "INFO");
    expect(out).toMatch(/^# Server\r\nredis_version:7\.\d+\.\d+\r\nredis_mode:standalone\r\nplayground:true\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r?$/);
    expect(out).not.toMatch(/connected_clients|used_memory|pg:\{/);
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
