import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { problemText } from "@/lib/i18n/problems";
import { AddressMemory } from "./limits";

/**
 * One address may open 60 sandboxes a minute, each with its own 8 MiB: 32 of
 * them filled the embedded Redis's 256 MiB (noeviction), after which every
 * visitor's writes failed. Their memory together is capped per address.
 */
const rt = useTestRuntime({ PLAYGROUND_MAX_BYTES_PER_IP: String(1024 * 1024) });
const value = "v".repeat(240_000); // admitted as ≈ 300 KB (an upper bound), measured as ≈ 262 KB: three fit in 1 MiB, four do not

describe("memory per client address, across its sandboxes", () => {
  it("refuses the write that would take one address's sandboxes past the cap, with the numbers; other addresses write on", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 200)}`;
    const sessions = Array.from({ length: 4 }, () => issueSession(rt.config.sessionSecret).session);
    const replies = [];
    for (const s of sessions) replies.push((await execCommand(s, { argv: ["SET", "k", value] }, { ip })).reply);
    const results = replies.map((r) => (r.t === "error" ? `(error) ${r.v}` : r.t === "status" ? r.v : ""));
    expect(results.slice(0, 3)).toEqual(["OK", "OK", "OK"]);
    expect(results[3]).toMatch(
      /^\(error\) ERR Your network's sandboxes already use [\d.]+ KB beside this one, and this SET would bring this one to [\d.]+ KB; the playground allows 1\.0 MB per client address/,
    );
    expect(replies[3].t === "error" && replies[3].problem && problemText(replies[3].problem, "zh")).toMatch(/^你所在网络的沙箱除这个之外已经占用/);
    // Another address is not affected.
    expect((await execCommand(sessions[3], { argv: ["SET", "k", value] }, { ip: "198.51.100.77" })).text).toBe("OK");
    // Emptying a sandbox gives its share back to the address.
    expect((await execCommand(sessions[0], { command: "FLUSHDB" }, { ip })).text).toBe("OK");
    const fresh = issueSession(rt.config.sessionSecret).session;
    expect((await execCommand(fresh, { argv: ["SET", "k", value] }, { ip })).text).toBe("OK");
  });

  it("holds across app instances: another process reading the same Redis sees the address's usage", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 200)}`;
    for (let i = 0; i < 3; i++) {
      const s = issueSession(rt.config.sessionSecret).session;
      expect((await execCommand(s, { argv: ["SET", "k", value] }, { ip })).text).toBe("OK");
    }
    const other = new AddressMemory(rt.appConn, { maxBytes: 1024 * 1024, idleMs: 86_400_000, staleMs: 2000 });
    const ns = issueSession(rt.config.sessionSecret).session.ns;
    const over = await other.admit(ip, ns, 300_000, { command: "SET" }, false);
    expect(over && problemText(over)).toMatch(/Your network's sandboxes already use/);
    expect(await other.admit("192.0.2.250", ns, 300_000, { command: "SET" }, false)).toBeNull();
  });
});
