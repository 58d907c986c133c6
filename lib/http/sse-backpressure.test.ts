import net from "node:net";
import { describe, expect, it } from "vitest";
import { useApiServer, useTestRuntime } from "@/test/env";
import { issueSession } from "@/lib/session";
import { execCommand } from "@/lib/exec";

/**
 * A live stream whose reader stops reading must not grow the app's memory
 * without bound (lib/http/sse.ts MAX_SSE_BEHIND_BYTES): a hostile review held
 * 12 streams open without reading and published 500 KB messages until Node
 * reached 4 GB. Past 1 MiB behind, the stream is dropped.
 */
// Messages shown whole (not cut to 4 KiB), so that a few of them fill the reader's buffers.
const rt = useTestRuntime({ PLAYGROUND_MAX_MESSAGE_BYTES: String(1024 * 1024) });
const api = useApiServer(rt);

describe("a stream nobody reads", () => {
  it("is dropped once it falls 1 MiB behind, and publishing goes on for everyone else", async () => {
    const { token, session } = issueSession(rt.config.sessionSecret);
    const { port } = new URL(api.base);
    const socket = net.connect(Number(port), "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(`GET /api/v1/stream?channels=flood HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    // Read until the stream is subscribed, then stop reading altogether.
    await new Promise<void>((resolve) => {
      let seen = "";
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (seen.includes("event: subscribe")) {
          socket.off("data", onData);
          socket.pause();
          resolve();
        }
      };
      socket.on("data", onData);
    });
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    const big = "x".repeat(400_000);
    let published = 0;
    let receivers = 1;
    const heapBefore = process.memoryUsage().heapUsed;
    // The kernel's socket buffers fill first, then 1 MiB of Node's; then the server drops the stream,
    // and PUBLISH finds nobody subscribed (the stream's subscription went with it).
    while (receivers > 0 && published < 60) {
      const r = await execCommand(session, { command: `PUBLISH flood ${big}` });
      expect(r.reply.t).toBe("integer");
      receivers = Number((r.reply as { v: number }).v);
      published++;
    }
    expect(receivers, `the stream was still subscribed after ${published} messages of 400 KB`).toBe(0);
    expect(process.memoryUsage().heapUsed - heapBefore, "memory held for the stalled reader").toBeLessThan(64 * 1024 * 1024);
    socket.resume(); // read what the kernel held: then the close shows
    await closed;
  });
});
