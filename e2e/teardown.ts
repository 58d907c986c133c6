import fs from "node:fs";
import { readState, statePath } from "./state";

/** Stops a redis-server that a spec restarted (it is not the web server's child). */
export default async function teardown() {
  if (!fs.existsSync(statePath)) return;
  try {
    process.kill(readState().redisPid, "SIGTERM");
  } catch {}
  fs.rmSync(statePath, { force: true });
}
