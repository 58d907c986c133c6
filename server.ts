/**
 * The app's one process: the JSON API on a plain node:http handler (the hot
 * path, see README "Architecture"), and every other URL through Next.
 * Started by scripts/start.ts, which resolves Redis and the session secret first.
 */
import http from "node:http";
import { handleApi } from "@/lib/http/api";
import { runtime } from "@/lib/runtime";
import { clientIp, CLIENT_IP_HEADER } from "@/lib/rate-limit";
import { checkWall, PER_VISITOR_WALL_OFF, wallWarning } from "@/lib/wall-check";
import { Namespace } from "@/lib/sandbox/namespace";
import { migrateKeyIndex } from "@/lib/sandbox/key-index";
import { admitNewSession, cappedPageSessionCookie, pageSessionCookie, SESSION_COOKIE } from "@/lib/session";
import { startReaper } from "@/lib/reaper";
import { localeRedirect } from "@/lib/i18n/locales";
import { isRouted } from "@/lib/redis/routed";
import { type RunningEndpoint, startEndpoint } from "@/lib/endpoint/server";

export interface RunningServer {
  port: number;
  /** The endpoint for learners' own Redis clients (lib/endpoint/server.ts), or null when PLAYGROUND_RESP_PORT=off. */
  endpoint: RunningEndpoint | null;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown> | unknown;

/**
 * What the server does with each request, before Next: the client address for
 * server actions, the locale redirect, a session cookie for pages, then the
 * JSON API or Next. Exported so it can be tested without Next. Nothing in it
 * may throw out of the request: a throw here is an uncaught exception in
 * node:http and the request hangs. Everything it reads from headers is
 * parsed by functions that do not throw (a malformed pg_session cookie is
 * treated as none), and a throw all the same answers 500.
 */
export function requestHandler(deps: {
  secret: string;
  trustProxy: boolean;
  api: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
  next: Handler;
  /** Counts a new session against its address's cap (PLAYGROUND_SESSIONS_PER_IP_MINUTE); throws over it. */
  admitSession?: (ip: string | undefined) => Promise<void>;
}): http.RequestListener {
  const fail = (res: http.ServerResponse, e: unknown) => {
    console.error("[server]", e);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("Internal error");
    else res.end();
  };
  return (req, res) => {
    try {
      // Server actions cannot see the socket: hand them the client address in a
      // header of our own, always overwritten so a client cannot choose it.
      const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], deps.trustProxy);
      req.headers[CLIENT_IP_HEADER] = ip ?? "";
      // Pages live under /en/… and /zh/…: an unprefixed URL goes to the visitor's language.
      const localized = localeRedirect(req.method, req.url, req.headers.cookie, req.headers["accept-language"]);
      if (localized) {
        res.writeHead(307, { location: localized, vary: "Cookie, Accept-Language", "cache-control": "no-store" }).end();
        return;
      }
      // A page visit without a session gets one, counted against its address's cap: over it, the page
      // still renders without a cookie (lib/session.ts cappedPageSessionCookie).
      const admit = deps.admitSession;
      const cookie = admit
        ? cappedPageSessionCookie(deps.secret, req.method, req.url, req.headers.cookie, () => admit(ip))
        : Promise.resolve(pageSessionCookie(deps.secret, req.method, req.url, req.headers.cookie));
      cookie
        .then((fresh) => {
          if (fresh) {
            res.appendHeader("set-cookie", fresh.setCookie);
            req.headers.cookie = [req.headers.cookie, `${SESSION_COOKIE}=${fresh.token}`].filter(Boolean).join("; ");
          }
          return deps.api(req, res);
        })
        .then((handled) => {
          if (!handled) return deps.next(req, res);
        })
        .catch((e) => fail(res, e));
    } catch (e) {
      fail(res, e);
    }
  };
}

export async function startServer(opts: { port: number; host?: string; dev?: boolean; dir: string }): Promise<RunningServer> {
  const { default: next } = await import("next"); // loaded here: requestHandler is tested without Next
  const app = next({ dev: !!opts.dev, dir: opts.dir, hostname: opts.host ?? "localhost", port: opts.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const rt = runtime();
  rt.conn.on("down", () => console.warn("[redis] connection lost; retrying"));
  rt.conn.on("ready", () => {
    console.log("[redis] connected");
    // Probed as a visitor would run: through a namespace's own user when there are per-namespace users.
    checkWall(rt.scoped(Namespace.forSession("wall-check-probe")), { perVisitor: !!rt.users })
      .then((report) => {
        if (!report.ok) console.warn(wallWarning(report));
        if (!rt.users) console.warn(PER_VISITOR_WALL_OFF);
      })
      .catch(() => {});
  });
  rt.conn.on("handshake-error", (e: Error) => console.error(`[redis] ${e.message}`));

  const stopReaper = startReaper(rt);
  // Index every namespace's keys once per Redis (a no-op once done), so no visitor's listing walks the keyspace.
  const migrate = () =>
    void migrateKeyIndex(rt.appConn, isRouted(rt.appConn) ? rt.appConn.masters() : [rt.appConn])
      .then((n) => n > 0 && console.log(`[index] indexed ${n} existing key${n === 1 ? "" : "s"}`))
      .catch((e) => console.error(`[index] ${(e as Error).message}`));
  rt.appConn.on("ready", migrate);
  if (rt.appConn.isReady) migrate();
  const handler = requestHandler({
    secret: rt.config.sessionSecret,
    trustProxy: rt.config.trustProxy,
    api: handleApi,
    next: handle,
    admitSession: (ip) => admitNewSession(rt.appConn, ip),
  });
  // Behind a proxy with several instances (deploy/nginx.conf), each answer says which one served it.
  const instance = process.env.PLAYGROUND_INSTANCE;
  const server = http.createServer(
    instance
      ? (req, res) => {
          res.setHeader("x-playground-instance", instance);
          return handler(req, res);
        }
      : handler,
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as import("node:net").AddressInfo).port;
  let endpoint: RunningEndpoint | null;
  try {
    endpoint = await startEndpoint();
  } catch (e) {
    server.close();
    // Not the web port's problem: say which setting to change.
    throw new Error(`the Redis endpoint could not listen (${(e as Error).message}): set PLAYGROUND_RESP_PORT to a free port, or to off.`);
  }
  return {
    port,
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        stopReaper();
        void endpoint?.close();
        server.close(() => resolve());
        server.closeAllConnections();
        rt.close();
        void app.close?.();
      }),
  };
}
