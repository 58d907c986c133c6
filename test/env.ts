import { inject } from "vitest";
import { resetRuntime, runtime } from "@/lib/runtime";

/**
 * Points the process runtime at the test redis-server, with any limits the
 * test file needs (`{ PLAYGROUND_MAX_KEYS: "20" }`). Rate limits are lifted
 * unless given: tests send commands far faster than a learner.
 */
export function useTestRuntime(env: Record<string, string> = {}) {
  Object.assign(process.env, { PLAYGROUND_RATE_PER_SESSION: "1000000", PLAYGROUND_RATE_PER_IP: "1000000" }, env);
  process.env.PLAYGROUND_REDIS_URL = inject("sandboxUrl");
  process.env.PLAYGROUND_APP_REDIS_URL = inject("appUrl");
  process.env.PLAYGROUND_HUB_REDIS_URL = inject("hubUrl");
  process.env.SESSION_SECRET ??= "test-secret-test-secret-test-secret";
  resetRuntime();
  const rt = runtime();
  return rt;
}
