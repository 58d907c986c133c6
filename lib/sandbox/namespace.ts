import { bulkBytes, type Reply } from "@/lib/resp/reply";

/**
 * A namespace is a key prefix such as `pg:{<id>}:`. The braces are a Redis
 * Cluster hash tag, so all of one visitor's keys share a slot.
 */
export class Namespace {
  readonly bytes: Uint8Array;

  constructor(readonly prefix: string) {
    this.bytes = new TextEncoder().encode(prefix);
  }

  /** The namespace of a session id, which must have the exact format lib/session.ts issues: it becomes a glob and an ACL rule. */
  static forSession(id: string): Namespace {
    if (!/^[A-Za-z0-9_-]{16}$/.test(id)) throw new Error(`Not a session id: ${JSON.stringify(id.slice(0, 40))}`);
    return new Namespace(`pg:{${id}}:`);
  }

  add(arg: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.bytes.length + arg.length);
    out.set(this.bytes, 0);
    out.set(arg, this.bytes.length);
    return out;
  }

  /** A glob that matches only this namespace (no glob metacharacters in the prefix). */
  pattern(userPattern: Uint8Array = new Uint8Array([0x2a])): Uint8Array {
    return this.add(userPattern);
  }

  owns(bytes: Uint8Array): boolean {
    if (bytes.length < this.bytes.length) return false;
    for (let i = 0; i < this.bytes.length; i++) if (bytes[i] !== this.bytes[i]) return false;
    return true;
  }

  /** Strips the prefix from a bulk reply naming a key in this namespace. */
  strip(r: Reply): Reply {
    if (r.t !== "bulk") return r;
    const b = bulkBytes(r);
    if (!this.owns(b)) return r;
    const rest = b.subarray(this.bytes.length);
    return bulkFrom(rest);
  }

  /** Removes the prefix wherever an error message quotes a key. */
  scrubText(text: string): string {
    return text.split(this.prefix).join("");
  }
}

import { bulk as bulkFrom } from "@/lib/resp/reply";
