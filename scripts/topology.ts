/**
 * Several app instances behind nginx on a local Redis Cluster, on free ports
 * (`npm run demo:cluster`, e2e/proxy.spec.ts): a 3 + 3 cluster
 * (lib/redis/embedded-cluster.ts), `instances` processes of scripts/instance.ts
 * sharing one SESSION_SECRET with TRUST_PROXY=1, and nginx running
 * deploy/nginx.conf (sticky on the session, SSE unbuffered). Needs the
 * production build (`next build`) and nginx.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { appEnv, freePort } from "@/lib/redis/embedded";
import { type EmbeddedCluster, startRedisCluster } from "@/lib/redis/embedded-cluster";

const root = path.resolve(import.meta.dirname, "..");

export const NGINX_MISSING = "nginx was not found: install it (Debian/Ubuntu: sudo apt-get install nginx).";

/** The nginx binary: on PATH, or Debian's /usr/sbin/nginx (not on a normal user's PATH). */
export function nginxPath(): string | null {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    const r = spawnSync(candidate, ["-v"], { stdio: "ignore" });
    if (!r.error && r.status === 0) return candidate;
  }
  return null;
}

export interface Topology {
  /** The proxy's base URL: what a browser opens. */
  url: string;
  instances: Array<{ name: string; port: number; url: string; child: ChildProcess }>;
  cluster: EmbeddedCluster;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url} exited with code ${child.exitCode} before it answered`);
    const ok = await fetch(`${url}/api/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer /api/health within ${ms / 1000} s`);
}

export async function startTopology(opts: { dir: string; instances?: number; env?: Record<string, string>; log?: (line: string) => void }): Promise<Topology> {
  const nginx = nginxPath();
  if (!nginx) throw new Error(NGINX_MISSING);
  const log = opts.log ?? (() => {});
  fs.mkdirSync(opts.dir, { recursive: true });
  const cluster = await startRedisCluster({ dir: path.join(opts.dir, "cluster") });
  log(`Redis Cluster: 3 masters + 3 replicas on ports ${cluster.nodes.map((n) => n.port).join(", ")}`);
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
    await cluster.stop();
  };
  try {
    const secret = randomBytes(32).toString("base64url");
    const names = Array.from({ length: opts.instances ?? 2 }, (_, i) => String.fromCharCode(97 + i));
    const instances = await Promise.all(
      names.map(async (name) => {
        const port = await freePort();
        const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/instance.ts")], {
          cwd: root,
          env: {
            ...process.env,
            ...appEnv(cluster),
            REDIS_CLUSTER: "1",
            SESSION_SECRET: secret,
            TRUST_PROXY: "1",
            PORT: String(port),
            PLAYGROUND_INSTANCE: name,
            NEXT_TELEMETRY_DISABLED: "1",
            ...opts.env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        children.push(child);
        child.stdout?.on("data", (d: Buffer) => log(`[${name}] ${d.toString().trimEnd()}`));
        child.stderr?.on("data", (d: Buffer) => log(`[${name}] ${d.toString().trimEnd()}`));
        const url = `http://127.0.0.1:${port}`;
        await waitForHealth(url, child, 90_000);
        return { name, port, url, child };
      }),
    );
    const listen = await freePort();
    const prefix = path.join(opts.dir, "nginx");
    fs.mkdirSync(prefix, { recursive: true });
    // Started as root, nginx's workers run as nobody: they must reach the prefix and write its temporary files.
    fs.chmodSync(opts.dir, 0o755);
    fs.chmodSync(prefix, 0o777);
    const conf = fs
      .readFileSync(path.join(root, "deploy/nginx.conf"), "utf8")
      .replaceAll("__PREFIX__", prefix)
      .replaceAll("__LISTEN__", `127.0.0.1:${listen}`)
      .replace(/^__UPSTREAMS__$/m, instances.map((i) => `    server 127.0.0.1:${i.port} max_fails=3 fail_timeout=10s;`).join("\n"));
    const confPath = path.join(prefix, "nginx.conf");
    fs.writeFileSync(confPath, conf);
    const proxy = spawn(nginx, ["-p", prefix, "-c", confPath, "-e", path.join(prefix, "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(proxy);
    proxy.stderr?.on("data", (d: Buffer) => log(`[nginx] ${d.toString().trimEnd()}`));
    const url = `http://127.0.0.1:${listen}`;
    await waitForHealth(url, proxy, 15_000);
    log(`nginx on ${url}, sticky on the session, in front of ${instances.map((i) => `${i.name} (${i.port})`).join(" and ")}`);
    return { url, instances, cluster, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
