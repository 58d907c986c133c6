import type { ServerResponse } from "node:http";

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
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      clearInterval(heartbeat);
    },
  };
}
