import { inject } from "vitest";
import { resetRuntime, runtime } from "@/lib/runtime";

/** Points the process runtime at the test redis-server. */
export function useTestRuntime() {
  process.env.PLAYGROUND_REDIS_URL = inject("redisUrl");
  process.env.SESSION_SECRET ??= "test-secret-test-secret-test-secret";
  resetRuntime();
  const rt = runtime();
  return rt;
}
