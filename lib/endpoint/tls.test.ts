import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newVisitor, useEndpoint } from "@/test/endpoint";
import { endpointConfig } from "@/lib/config";
import { type RunningEndpoint, startEndpoint } from "./server";

/**
 * The endpoint with PLAYGROUND_RESP_TLS_CERT and _KEY: TLS only, for
 * redis-cli --tls and a Node TLS client, with a certificate made here
 * (openssl, self-signed for 127.0.0.1).
 */
let dir: string;
let ep: RunningEndpoint;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-endpoint-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  const plain = await useEndpoint();
  await plain.close();
  const started = await startEndpoint({ ...endpointConfig(), port: 0, tls: { certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "key.pem") } });
  if (!started) throw new Error("endpoint off");
  ep = started;
});
afterAll(async () => {
  await ep?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("TLS", () => {
  it("redis-cli --tls signs in and runs commands, checking the certificate", async () => {
    const { password } = await newVisitor();
    const args = [
      "--tls",
      "--cacert",
      path.join(dir, "cert.pem"),
      "-h",
      "127.0.0.1",
      "-p",
      String(ep.port),
      "--user",
      "default",
      "--pass",
      password,
      "--no-auth-warning",
    ];
    // Asynchronously: the endpoint runs in this process, and a synchronous child would stop it from answering.
    const cli = promisify(execFile);
    const set = await cli("redis-cli", [...args, "SET", "secure", "yes"], { encoding: "utf8", timeout: 10_000 });
    expect(set.stdout.trim(), set.stderr).toBe("OK");
    const get = await cli("redis-cli", [...args, "GET", "secure"], { encoding: "utf8", timeout: 10_000 });
    expect(get.stdout.trim()).toBe("yes");
  });

  it("speaks only TLS: a plain-text request gets no Redis reply", async () => {
    const net = await import("node:net");
    const s = net.connect(ep.port, "127.0.0.1");
    const got = await new Promise<string>((resolve) => {
      let data = "";
      s.on("data", (d) => (data += d.toString("latin1")));
      s.on("close", () => resolve(data));
      s.on("error", () => resolve(data));
      s.write("PING\r\n");
      setTimeout(() => {
        s.destroy();
        resolve(data);
      }, 2000);
    });
    expect(got).not.toContain("PONG");
  });

  it("a Node TLS client pipelines through it", async () => {
    const { password } = await newVisitor();
    const s = tls.connect({ host: "127.0.0.1", port: ep.port, ca: fs.readFileSync(path.join(dir, "cert.pem")) });
    await new Promise<void>((resolve, reject) => {
      s.once("secureConnect", resolve);
      s.once("error", reject);
    });
    let data = "";
    s.on("data", (d) => (data += d.toString("latin1")));
    s.write(`AUTH ${password}\r\nPING\r\nECHO tls\r\n`);
    await expect.poll(() => data, { timeout: 5000 }).toBe("+OK\r\n+PONG\r\n$3\r\ntls\r\n");
    s.destroy();
  });
});
