import fs from "node:fs";
import path from "node:path";

export const statePath = path.join(import.meta.dirname, ".state.json");

export interface E2EState {
  redisPort: number;
  redisPasswords: import("@/lib/redis/embedded").RedisPasswords;
  redisDir: string;
  redisPid: number;
}

export function readState(): E2EState {
  return JSON.parse(fs.readFileSync(statePath, "utf8"));
}

export function writeState(s: E2EState): void {
  fs.writeFileSync(statePath, JSON.stringify(s));
}
