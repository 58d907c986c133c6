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
/** One event as it goes on the wire: serialize once, send to many streams. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function startSse(res: ServerResponse): { send(event: string, data: unknown): void; sendFrame(frame: string): void; close(): void } {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  const sendFrame = (frame: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(frame);
    // Checked after the write too: one big event must not leave a stalled reader's buffer unbounded until the next.
    if (res.writableLength > MAX_SSE_BEHIND_BYTES) {
      clearInterval(heartbeat);
      res.destroy(); // its "close" lets the caller unsubscribe
    }
  };
  return {
    send(event, data) {
      sendFrame(sseFrame(event, data));
    },
    sendFrame,
    close() {
      clearInterval(heartbeat);
    },
  };
}
