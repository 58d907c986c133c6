import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { parseRedisUrl, RespConnection } from "@/lib/redis/resp-connection";
import type { CommandInfo } from "./command-table";
import { decide, EMULATED, RUN } from "./policy";

/**
 * The policy table against the live server's command table: what it names
 * exists, what runs for real is what the visitors' ACL users may run, and the
 * connection commands a learner's redis-cli sends (issue 14) are emulated per
 * console tab while the rest of their containers stay refused.
 */
const rt = useTestRuntime();
const admin = new RespConnection(parseRedisUrl(inject("redisUrl")), "policy-admin");
const enc = new TextEncoder();

beforeAll(async () => {
  await Promise.all([rt.conn.waitReady(), admin.waitReady()]);
});
afterAll(() => admin.close());

async function lookup(name: string): Promise<CommandInfo> {
  const table = await rt.commandTable();
  const [top, sub] = name.split("|");
  const cmd = sub ? table.get(top)?.subcommands.get(sub) : table.get(top);
  if (!cmd) throw new Error(`${name} is not a command of the live server`);
  return cmd;
}
const argvOf = (name: string) => name.split("|").map((w) => enc.encode(w));
const decision = async (name: string) => decide(await lookup(name), argvOf(name));

describe("the policy table", () => {
  it("emulates only commands the live server has, none of which it also runs", async () => {
    for (const name of Object.keys(EMULATED)) {
      await lookup(name);
      expect(RUN.has(name), name).toBe(false);
    }
  });

  it("emulates the connection commands per console tab", async () => {
    const kinds: Record<string, string> = {
      "client|id": "client",
      "client|info": "client",
      "client|getname": "client",
      "client|setname": "client",
      hello: "hello",
      role: "role",
      lastsave: "lastsave",
      wait: "wait",
      "acl|whoami": "acl-whoami",
      "script|help": "help-text",
      "function|help": "help-text",
    };
    for (const [name, kind] of Object.entries(kinds)) expect(await decision(name), name).toEqual({ action: "emulate", emulation: kind });
  });

  it("runs ACL CAT, ACL GENPASS and the containers' HELP for real; the rest of those containers stays refused", async () => {
    for (const name of ["acl|cat", "acl|genpass", "acl|help", "client|help", "cluster|help", "config|help", "latency|help", "module|help", "slowlog|help"]) {
      expect(await decision(name), name).toEqual({ action: "allow" });
    }
    for (const name of [
      "client|list",
      "client|kill",
      "client|no-evict",
      "client|reply",
      "client|tracking",
      "client|pause",
      "acl|setuser",
      "acl|list",
      "acl|log",
      "config|get",
      "config|set",
      "script|flush",
      "function|list",
      "slowlog|get",
      "latency|latest",
      "module|list",
      "cluster|info",
      "auth",
      "reset",
      "select",
      "quit",
    ]) {
      expect((await decision(name)).action, name).toBe("deny");
    }
  });

  it("the new commands it runs for real are ones the visitors' ACL users may run; the ones it emulates instead mostly are not", async () => {
    const s = issueSession(rt.config.sessionSecret).session;
    await execCommand(s, { command: "PING" }); // creates the namespace's ACL user
    const user = `ns:${s.ns.prefix}`;
    const dryrun = (name: string) => admin.send(["ACL", "DRYRUN", user, ...name.split("|")]);
    for (const name of ["acl|cat", "acl|genpass", "acl|help", "client|help", "cluster|help", "config|help", "latency|help", "module|help", "slowlog|help"]) {
      expect(await dryrun(name), name).toEqual({ t: "status", v: "OK" });
    }
    for (const name of ["role", "lastsave", "wait", "script|help", "function|help"]) {
      expect((await dryrun(name)).t, name).not.toBe("status");
    }
  });
});
