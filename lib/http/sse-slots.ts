import type { IncomingMessage } from "node:http";
import { SandboxError } from "@/lib/errors";

/**
 * Open SSE streams per owner (a session, or a client address) and per client
 * address, in this process: a stream holds a socket, a timer and hub
 * listeners until the client goes away, so nobody may open them without end.
 */
const PER_OWNER = 12;
const PER_ADDRESS = 2000;
const open = new Map<string, number>();

export function openStream(owner: string, req: IncomingMessage): { release(): void } {
  const address = `addr:${req.socket.remoteAddress ?? "?"}`;
  const n = open.get(owner) ?? 0;
  const a = open.get(address) ?? 0;
  if (n >= PER_OWNER) throw new SandboxError("busy", `Too many live streams open at once (at most ${PER_OWNER}); close some tabs.`, 5);
  if (a >= PER_ADDRESS) throw new SandboxError("busy", "Too many live streams from your network at once; try again later.", 5);
  open.set(owner, n + 1);
  open.set(address, a + 1);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      for (const k of [owner, address]) {
        const left = (open.get(k) ?? 1) - 1;
        if (left > 0) open.set(k, left);
        else open.delete(k);
      }
    },
  };
}
