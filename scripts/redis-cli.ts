/**
 * `npm run redis-cli [-- args]`: admin access to the app's own Redis — the
 * embedded one (while `npm start` runs, as its admin ACL user), or the one at
 * REDIS_ADMIN_URL, else REDIS_URL.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseRedisUrl } from "@/lib/redis/resp-connection";

const root = path.resolve(import.meta.dirname, "..");
const data = path.resolve(root, process.env.PLAYGROUND_DATA_DIR || ".data");
let host: string, port: number, user: string | undefined, pass: string | undefined;

const adminUrl = process.env.REDIS_ADMIN_URL || process.env.REDIS_URL;
if (adminUrl) {
  ({ host, port, username: user, password: pass } = parseRedisUrl(adminUrl));
} else {
  let rt: { host: string; port: number };
  try {
    rt = JSON.parse(fs.readFileSync(path.join(data, "runtime.json"), "utf8"));
  } catch {
    console.error("✖ The embedded Redis is not running: start the app with `npm start` first, or set REDIS_URL.");
    process.exit(1);
  }
  ({ host, port } = rt);
  user = "admin";
  pass = JSON.parse(fs.readFileSync(path.join(data, "redis-passwords.json"), "utf8")).admin;
}

const args = ["-h", host, "-p", String(port)];
if (user) args.push("--user", user);
const env = { ...process.env, ...(pass ? { REDISCLI_AUTH: pass } : {}) };
const r = spawnSync("redis-cli", [...args, ...process.argv.slice(2)], { stdio: "inherit", env });
if (r.error) {
  console.error("✖ redis-cli was not found on PATH: install it (Debian/Ubuntu: apt-get install redis-tools; macOS: brew install redis).");
  process.exit(1);
}
process.exit(r.status ?? 1);
