import { inject } from "vitest";
import { resetRuntime, runtime } from "@/lib/runtime";

/** Points the process runtime at the test redis-server. */
export function useTestRuntime() {
  process.env.PLAYGROUND_REDIS_URL = inject("sandboxUrl");
  process.env.PLAYGROUND_APP_REDIS_URL = inject("appUrl");
  process.env.PLAYGROUND_HUB_REDIS_URL = inject("hubUrl");
  process.env.SESSION_SECRET ??= "test-secret-test-secret-test-secret";
  resetRuntime();
  const rt = runtime();
  return rt;
}
