import { bulkBytes, utf8, type Reply } from "@/lib/resp/reply";
import type { RespConnection } from "@/lib/redis/resp-connection";
import type { CommandInfo } from "./command-table";
import type { Namespace } from "./namespace";
import { scanNamespace } from "./sandbox";

const dec = new TextDecoder();
const word = (a: Uint8Array | undefined) => (a ? dec.decode(a).toLowerCase() : "");

/**
 * Arguments that would make Redis allocate a huge amount in one command:
 * string offsets (SETRANGE k 536870000 x allocates 512 MB) and negative
 * random counts (SRANDMEMBER k -10^18 returns that many elements). Returns the
 * refusal, or null.
 */
export function sizeLimit(cmd: CommandInfo, argv: readonly Uint8Array[], maxStringBytes: number, maxReplyItems: number): string | null {
  const tooFar = (what: string, bytes: number) =>
    `${what} would grow the string to ${bytes.toLocaleString("en")} bytes; the playground's limit is ${maxStringBytes.toLocaleString("en")} bytes per string.`;
  const int = (a: Uint8Array | undefined) => (a && /^\d+$/.test(dec.decode(a)) ? Number(dec.decode(a)) : NaN);
  switch (cmd.name) {
    case "setrange": {
      const offset = int(argv[2]);
      const end = offset + (argv[3]?.length ?? 0);
      return end > maxStringBytes ? tooFar("SETRANGE", end) : null;
    }
    case "setbit": {
      const bit = int(argv[2]);
      const bytes = Math.floor(bit / 8) + 1;
      return bytes > maxStringBytes ? tooFar("SETBIT", bytes) : null;
    }
    case "bitfield":
    case "bitfield_ro": {
      for (let i = 2; i < argv.length; i++) {
        const op = word(argv[i]);
        if (op !== "get" && op !== "set" && op !== "incrby") continue;
        const type = word(argv[i + 1]);
        const raw = argv[i + 2] ? dec.decode(argv[i + 2]) : "";
        const bits = Number(type.slice(1));
        const offset = raw.startsWith("#") ? Number(raw.slice(1)) * bits : Number(raw);
        if (Number.isFinite(offset) && Number.isFinite(bits)) {
          const bytes = Math.floor((offset + bits) / 8) + 1;
          if (bytes > maxStringBytes) return tooFar("BITFIELD", bytes);
        }
      }
      return null;
    }
    case "srandmember":
    case "hrandfield":
    case "zrandmember": {
      const text = argv[2] ? dec.decode(argv[2]) : "";
      if (/^-\d+$/.test(text) && -Number(text) > maxReplyItems) {
        return `${cmd.name.toUpperCase()} with count ${text} would return ${text.slice(1)} elements; the playground allows a count down to -${maxReplyItems}.`;
      }
      return null;
    }
    default:
      return null;
  }
}

export interface Usage {
  keys: number;
  bytes: number;
}

/** Counts a namespace's keys and their memory (MEMORY USAGE), pipelined. */
export async function measureNamespace(conn: RespConnection, ns: Namespace): Promise<Usage> {
  const keys: Reply[] = [];
  await scanNamespace(conn, ns.pattern(), (batch) => void keys.push(...batch));
  const sizes = await Promise.all(
    keys.map((k) => conn.send([utf8("MEMORY"), utf8("USAGE"), k.t === "bulk" ? bulkBytes(k) : new Uint8Array(), utf8("SAMPLES"), utf8("5")])),
  );
  const bytes = sizes.reduce((sum, r) => sum + (r.t === "integer" ? Number(r.v) : 0), 0);
  return { keys: keys.length, bytes };
}

/**
 * Keys and memory per namespace. Measured at most every `staleMs` per session
 * (a scan of the namespace), and checked before any command that may grow
 * memory (the `denyoom` flag): the one that crosses the line still runs, the
 * next is refused until the learner deletes something.
 */
export class QuotaKeeper {
  private cache = new Map<string, { usage: Usage; at: number }>();

  constructor(
    private readonly opts: { maxKeys: number; maxBytes: number; staleMs: number },
  ) {}

  async check(conn: RespConnection, cmd: CommandInfo | undefined, argv: readonly Uint8Array[], ns: Namespace): Promise<string | null> {
    if (!cmd?.flags.has("denyoom")) return null;
    let entry = this.cache.get(ns.prefix);
    if (!entry || Date.now() - entry.at > this.opts.staleMs) {
      entry = { usage: await measureNamespace(conn, ns), at: Date.now() };
      this.cache.set(ns.prefix, entry);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    // Between measurements, assume the worst of each write (every argument a new
    // key, every byte kept): crossing the line then triggers an exact measurement.
    const { keys, bytes } = entry.usage;
    entry.usage = { keys: keys + argv.length - 1, bytes: bytes + argv.reduce((n, a) => n + a.length, 0) };
    if (keys < this.opts.maxKeys && bytes < this.opts.maxBytes) return null;
    // Re-measure before refusing: the learner may just have deleted keys.
    const fresh = await measureNamespace(conn, ns);
    this.cache.set(ns.prefix, { usage: fresh, at: Date.now() });
    if (fresh.keys < this.opts.maxKeys && fresh.bytes < this.opts.maxBytes) return null;
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    return `Your sandbox is full: ${fresh.keys} keys using ${mb(fresh.bytes)}; the playground allows ${this.opts.maxKeys} keys and ${mb(this.opts.maxBytes)} per visitor. Delete some keys (DEL, or FLUSHDB for all of yours) and try again.`;
  }

  forget(ns: Namespace): void {
    this.cache.delete(ns.prefix);
  }
}
