import type { ServerResponse } from "node:http";

/**
 * How far a stream may fall behind its reader, in bytes Node holds for it: a
 * client that stops reading while messages keep coming would otherwise grow the
 * process's memory without bound (a review grew it to 4 GB with 12 stalled
 * streams). Past it the stream is dropped; pub/sub delivers at most once anyway.
 */
export const MAX_SSE_BEHIND_BYTES = 1024 * 1024;

/**
 * Starts a Server-Sent Events response and returns its writer. A comment line
 * every 15 s keeps proxies from closing an idle stream; `close` stops it.
 */
export function startSse(res: ServerResponse): { send(event: string, data: unknown): void; close(): void } {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  return {
    send(event, data) {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > MAX_SSE_BEHIND_BYTES) {
        clearInterval(heartbeat);
        res.destroy(); // its "close" lets the caller unsubscribe
        return;
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      clearInterval(heartbeat);
    },
  };
}
