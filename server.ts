/**
 * The app's one process: the JSON API on a plain node:http handler (the hot
 * path, see README "Architecture"), and every other URL through Next.
 * Started by scripts/start.ts, which resolves Redis and the session secret first.
 */
import http from "node:http";
import next from "next";
import { handleApi } from "@/lib/http/api";
import { runtime } from "@/lib/runtime";
import { clientIp, CLIENT_IP_HEADER } from "@/lib/rate-limit";
import { checkWall, wallWarning } from "@/lib/wall-check";
import { pageSessionCookie, SESSION_COOKIE } from "@/lib/session";
import { startReaper } from "@/lib/reaper";
import { localeRedirect } from "@/lib/i18n/locales";

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function startServer(opts: { port: number; host?: string; dev?: boolean; dir: string }): Promise<RunningServer> {
  const app = next({ dev: !!opts.dev, dir: opts.dir, hostname: opts.host ?? "localhost", port: opts.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const rt = runtime();
  rt.conn.on("down", () => console.warn("[redis] connection lost; retrying"));
  rt.conn.on("ready", () => {
    console.log("[redis] connected");
    checkWall(rt.conn)
      .then((report) => {
        if (!report.ok) console.warn(wallWarning(report));
      })
      .catch(() => {});
  });
  rt.conn.on("handshake-error", (e: Error) => console.error(`[redis] ${e.message}`));

  const stopReaper = startReaper(rt);
  const server = http.createServer((req, res) => {
    // Server actions cannot see the socket: hand them the client address in a
    // header of our own, always overwritten so a client cannot choose it.
    req.headers[CLIENT_IP_HEADER] = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], rt.config.trustProxy) ?? "";
    // Pages live under /en/… and /zh/…: an unprefixed URL goes to the visitor's language.
    const localized = localeRedirect(req.method, req.url, req.headers.cookie, req.headers["accept-language"]);
    if (localized) {
      res.writeHead(307, { location: localized, vary: "Cookie, Accept-Language", "cache-control": "no-store" }).end();
      return;
    }
    const fresh = pageSessionCookie(rt.config.sessionSecret, req.method, req.url, req.headers.cookie);
    if (fresh) {
      res.appendHeader("set-cookie", fresh.setCookie);
      req.headers.cookie = [req.headers.cookie, `${SESSION_COOKIE}=${fresh.token}`].filter(Boolean).join("; ");
    }
    handleApi(req, res)
      .then((handled) => {
        if (!handled) return handle(req, res);
      })
      .catch((e) => {
        console.error("[server]", e);
        if (!res.headersSent) res.writeHead(500).end("Internal error");
      });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopReaper();
        server.close(() => resolve());
        server.closeAllConnections();
        rt.close();
        void app.close?.();
      }),
  };
}
