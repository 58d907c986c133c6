/**
 * Bench child: the floor for Node on this machine. A bare node:http server
 * with one ioredis connection that reads a JSON body {"command": "..."},
 * does GET bench:key and answers {"reply": …, "text": …} — the least an
 * exec endpoint can do, with none of the playground's parsing or sandboxing.
 */
import http from "node:http";
import { Redis } from "ioredis";

const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, enableAutoPipelining: false });
await redis.connect();
if (process.env.BENCH_VALUE) await redis.set("bench:key", process.env.BENCH_VALUE);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let status = 200;
    let out: unknown;
    const reply = (s: number, body: unknown) => {
      const data = JSON.stringify(body);
      res.writeHead(s, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(data), "cache-control": "no-store" });
      res.end(data);
    };
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { command?: unknown };
      if (typeof body.command !== "string") throw new Error('"command" must be a string');
    } catch (e) {
      status = 400;
      out = { error: { code: "bad_request", message: (e as Error).message } };
      return reply(status, out);
    }
    redis.get("bench:key").then(
      (v) => reply(200, { reply: v === null ? { t: "nil" } : { t: "bulk", v }, text: v === null ? "(nil)" : JSON.stringify(v) }),
      (e: Error) => reply(503, { error: { code: "redis_unavailable", message: e.message } }),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ ready: true, port: (server.address() as import("node:net").AddressInfo).port });
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  redis.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, stop);
process.on("disconnect", stop);
for (const s of [process.stdout, process.stderr]) s.on("error", () => {});
