import type { CommandInfo } from "./command-table";

/**
 * The one policy table: what the playground allows, denies (saying why and what
 * to try instead), or emulates inside the visitor's namespace.
 */
export type Decision =
  | { action: "allow"; mode?: RunMode }
  | { action: "emulate"; emulation: Emulation }
  | { action: "deny"; reason: string };

/** How an allowed command runs: on the shared connection, or on a leased one. */
export type RunMode = "transaction" | "blocking";

export type Emulation = "flushdb" | "dbsize" | "keys" | "scan" | "randomkey" | "info" | "help";

const EMULATED: Record<string, Emulation> = {
  flushdb: "flushdb",
  flushall: "flushdb",
  dbsize: "dbsize",
  keys: "keys",
  scan: "scan",
  randomkey: "randomkey",
  info: "info",
};

/** Allowed by name, outside the data categories (keys are still rewritten by their specs). */
const ALLOWED_BY_NAME = new Set([
  "ping", "echo", "time", "lolwut",
  "command|docs", "command|info", "command|count", "command|list", "command|getkeys", "command|getkeysandflags", "command|help",
  "object|help", "memory|usage", "memory|help", "xinfo|help", "xgroup|help",
  "publish", "spublish",
  "pubsub|channels", "pubsub|numsub", "pubsub|shardchannels", "pubsub|shardnumsub", "pubsub|help",
  // SORT reads other keys only through BY/GET patterns, which the sandbox checks (sort-args.ts).
  "sort", "sort_ro",
]);

const DATA_CATEGORIES = ["string", "bitmap", "hash", "list", "set", "sortedset", "hyperloglog", "geo", "stream", "keyspace"];

/** Named denials with the reason a learner sees. */
const DENIED: Record<string, string> = {
  auth: "AUTH would change who the shared connection is; the playground signs you in for you.",
  hello: "HELLO would switch the shared connection's protocol for everyone; the console speaks RESP2, as redis-cli does by default.",
  reset: "RESET would reset the shared connection for every visitor.",
  select: "SELECT would switch the shared connection to another database; your keys live in your own namespace instead.",
  move: "MOVE copies a key to another database, outside your sandbox. Try COPY or RENAME within your keys.",
  swapdb: "SWAPDB swaps whole databases, including other visitors' data.",
  migrate: "MIGRATE moves keys to another server.",
  wait: "WAIT blocks the shared connection until replicas acknowledge writes.",
  quit: "QUIT would close the shared connection. Just close the tab when you are done.",
  restore: "RESTORE loads raw serialized payloads; it is not available in the playground.",
  "restore-asking": "RESTORE-ASKING is a cluster-internal command.",
  "pubsub|numpat": "PUBSUB NUMPAT counts every visitor's pattern subscriptions, not yours.",
  "memory|doctor": "MEMORY DOCTOR reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|stats": "MEMORY STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|malloc-stats": "MEMORY MALLOC-STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|purge": "MEMORY PURGE acts on the whole server.",
};

export function decide(cmd: CommandInfo, argv: readonly Uint8Array[]): Decision {
  const name = cmd.name;
  const upper = name.replace("|", " ").toUpperCase();
  if (EMULATED[name]) return { action: "emulate", emulation: EMULATED[name] };
  if (DENIED[name]) return { action: "deny", reason: DENIED[name] };
  if (ALLOWED_BY_NAME.has(name)) return { action: "allow" };

  const cats = cmd.categories;
  if (cats.has("scripting")) {
    return { action: "deny", reason: `${upper} runs server-side scripts, which could reach outside your sandbox. Run the commands one by one instead.` };
  }
  if (cats.has("admin") || cats.has("dangerous")) {
    return { action: "deny", reason: `${upper} administers the whole server, which is shared with other visitors.` };
  }
  // MULTI/EXEC/DISCARD/WATCH/UNWATCH run for real, on a connection leased to the console tab.
  if (cats.has("transaction")) return { action: "allow", mode: "transaction" };
  if (cats.has("pubsub")) {
    return {
      action: "deny",
      reason: `${upper} needs a live stream: in the console it opens one by itself; over the API, use GET /api/v1/stream?channels=a,b&patterns=p*.`,
    };
  }
  // Blocking commands run on a leased connection with a capped timeout, so they never stall the shared one.
  if (name === "xread" || name === "xreadgroup") {
    const streams = argv.findIndex((a, i) => i > 0 && dec.decode(a).toLowerCase() === "streams");
    const options = streams > 0 ? argv.slice(0, streams) : argv;
    if (hasToken(options, "block")) return { action: "allow", mode: "blocking" };
  } else if (cmd.flags.has("blocking") && cats.has("blocking")) {
    return { action: "allow", mode: "blocking" };
  }
  if (cats.has("connection")) {
    return { action: "deny", reason: `${upper} changes or inspects the shared connection, which every visitor uses.` };
  }
  if (name === "copy" && hasToken(argv.slice(2), "db")) {
    return { action: "deny", reason: "COPY … DB copies into another database, outside your sandbox. Leave out DB to copy within your keys." };
  }
  if (DATA_CATEGORIES.some((c) => cats.has(c))) return { action: "allow" };
  return { action: "deny", reason: `${upper} is not available in the playground.` };
}

const dec = new TextDecoder();
function hasToken(argv: readonly Uint8Array[], token: string): boolean {
  return argv.some((a, i) => i > 0 && a.length === token.length && dec.decode(a).toLowerCase() === token);
}
