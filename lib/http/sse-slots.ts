import { SandboxError } from "@/lib/errors";
import { runtime } from "@/lib/runtime";
import { processState } from "@/lib/process-state";
import { problem } from "@/lib/problems";

/**
 * Open SSE streams in this process: per owner (a session, or an instructor's
 * address), per client address and in all. A stream holds a socket, a timer
 * and hub listeners until the client goes away, so nobody may open them
 * without end. The address is the one TRUST_PROXY decides (lib/rate-limit.ts
 * clientIp), never the socket's: behind a proxy every socket is the proxy's.
 * Caps: PLAYGROUND_STREAMS_PER_SESSION, PLAYGROUND_STREAMS_PER_IP,
 * PLAYGROUND_MAX_STREAMS (lib/config.ts), each said with its number when it bites.
 */
/** Streams open per owner and address, and in all. */
const slots = () => processState("sse-slots", () => ({ open: new Map<string, number>(), total: 0 }));

function bump(k: string, by: number): void {
  const n = (slots().open.get(k) ?? 0) + by;
  if (n > 0) slots().open.set(k, n);
  else slots().open.delete(k);
}

/** Streams open now for an owner key (`session:<id>`) or an address (`addr:<ip>`), and in all. */
export function openStreams(key?: string): number {
  return key === undefined ? slots().total : (slots().open.get(key) ?? 0);
}

export function openStream(owner: string, ip: string | undefined): { release(): void } {
  const caps = runtime().config.streams;
  const address = `addr:${ip || "?"}`; // an unknown address is one address, never none
  const n = slots().open.get(owner) ?? 0;
  const a = slots().open.get(address) ?? 0;
  if (n >= caps.perSession) throw new SandboxError("over_cap", problem("stream:per-session", { max: caps.perSession }), 5);
  if (a >= caps.perIp) {
    throw new SandboxError("over_cap", problem("stream:per-address", { n: a, max: caps.perIp }), 5);
  }
  if (slots().total >= caps.max) throw new SandboxError("busy", problem("stream:total", { n: slots().total }), 30);
  bump(owner, 1);
  bump(address, 1);
  slots().total++;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      bump(owner, -1);
      bump(address, -1);
      slots().total--;
    },
  };
}
