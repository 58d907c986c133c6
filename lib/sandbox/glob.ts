import { costLimits, nameLimits } from "@/lib/config";
import { isKeyword } from "./args";
import type { CommandInfo } from "./command-table";
import { type Problem, problem } from "@/lib/problems";

/**
 * Glob patterns and the names they are matched against (README's Limits table).
 *
 * Redis 7.0 matches a glob (KEYS, SCAN/SSCAN/HSCAN/ZSCAN MATCH, PSUBSCRIBE,
 * PUBSUB CHANNELS) with a backtracking matcher, util.c stringmatchlen: at a
 * `*` followed by more pattern it retries the rest of the pattern from every
 * byte of the name. The work is the name's length times the pattern after
 * that `*`, so a pattern of `*` and many `?` against long names held Redis's
 * one thread for minutes in the hostile review (one SSCAN: 321 s). Two caps
 * make every match small, and costs.ts counts what remains:
 *
 * - names are short: key names, channel names, set and sorted-set members,
 *   hash fields, stream groups and consumers are at most
 *   PLAYGROUND_MAX_NAME_BYTES (1,024); values stay up to the argument limit;
 * - patterns are at most PLAYGROUND_MAX_PATTERN_BYTES (128).
 *
 * Measured on Redis 7.0.15 on the 2-core test machine (SSCAN MATCH on one
 * member of S bytes that never matches): `*b` 6.9 ns a byte; each `?` or
 * literal after the `*` 2.6–3.4 ns a byte more; each `[class]` 9.8 ns.
 * Hence the weight below, in costs.ts units (≈ 0.1 µs) per byte of name.
 */

/** The weight of matching one byte of a name against `pattern`, in cost units (lib/sandbox/costs.ts). */
export function globWeight(pattern: Uint8Array): number {
  let seenStar = false;
  let interior = false;
  let after = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let token = 0.035;
    if (c === 0x2a /* * */) {
      seenStar = true;
      continue;
    }
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x5b /* [ */) {
      token = 0.1;
      // A class ends at the next unescaped `]` (or at the pattern's end, as in Redis).
      for (i++; i < pattern.length && pattern[i] !== 0x5d; i++) if (pattern[i] === 0x5c) i++;
    }
    if (seenStar) {
      interior = true;
      after += token;
    }
  }
  // Without a `*` followed by more pattern, each name is read at most once, up to the pattern's length.
  return interior ? 0.07 + after : 0.01;
}

/** The configured caps (lib/config.ts), read again only when the environment changes (tests set their own). */
let cached: { key: string; caps: { maxName: number; maxPattern: number } } | null = null;
export function caps(): { maxName: number; maxPattern: number } {
  const key = `${process.env.PLAYGROUND_MAX_NAME_BYTES}|${process.env.PLAYGROUND_MAX_PATTERN_BYTES}`;
  if (cached?.key !== key) cached = { key, caps: nameLimits() };
  return cached.caps;
}

/** The refusal for a pattern over the cap, or null. */
export function patternRefusal(pattern: Uint8Array | undefined, what: string): Problem | null {
  const { maxPattern } = caps();
  if (!pattern || pattern.length <= maxPattern) return null;
  return problem("glob:pattern-too-long", { command: what, bytes: pattern.length, limit: maxPattern });
}

/** The refusal for a name over the cap (argument `i`, or the `i`th channel of a stream), or null. */
export function nameRefusal(name: Uint8Array | undefined, i: number, channel?: true): Problem | null {
  const { maxName } = caps();
  const n = name?.length ?? 0;
  if (n <= maxName) return null;
  return problem("glob:name-too-long", { index: i, bytes: n, limit: maxName, ...(channel ? { channel } : {}) });
}

const from =
  (start: number, step = 1) =>
  (argv: readonly Uint8Array[]) => {
    const out: number[] = [];
    for (let i = start; i < argv.length; i += step) out.push(i);
    return out;
  };
const at =
  (...is: number[]) =>
  () =>
    is;

/**
 * Arguments that name a member, field, channel, group or consumer (keys come
 * from the key specs). A score or an option among them is short anyway.
 */
const NAME_ARGS: Record<string, (argv: readonly Uint8Array[]) => number[]> = {
  sadd: from(2),
  smove: at(3),
  zadd: from(2),
  zincrby: at(3),
  geoadd: from(2),
  hset: from(2, 2),
  hmset: from(2, 2),
  hsetnx: at(2),
  hincrby: at(2),
  hincrbyfloat: at(2),
  publish: at(1),
  spublish: at(1),
  "xgroup|create": at(3),
  "xgroup|createconsumer": at(3, 4),
  xclaim: at(2, 3),
  xautoclaim: at(2, 3),
  xreadgroup: (argv) => {
    for (let i = 1; i + 2 < argv.length; i++) if (isKeyword(argv[i], "group")) return [i + 1, i + 2];
    return [];
  },
};

/** Where a command's glob pattern is: SCAN-family MATCH (the last one wins, as in Redis), KEYS and PUBSUB CHANNELS. */
export function patternArg(cmd: CommandInfo, argv: readonly Uint8Array[]): Uint8Array | undefined {
  switch (cmd.name) {
    case "keys":
      return argv[1];
    case "pubsub|channels":
    case "pubsub|shardchannels":
      return argv[2];
    case "scan":
    case "sscan":
    case "hscan":
    case "zscan": {
      let found: Uint8Array | undefined;
      for (let i = cmd.name === "scan" ? 2 : 3; i + 1 < argv.length; i++) if (isKeyword(argv[i], "match")) found = argv[++i];
      return found;
    }
    default:
      return undefined;
  }
}

/** The first refusal for this command's names (keys at `keys`, and NAME_ARGS) and pattern, or null. */
export function namesRefusal(cmd: CommandInfo, argv: readonly Uint8Array[], keys: readonly number[]): Problem | null {
  for (const i of [...keys, ...(NAME_ARGS[cmd.name]?.(argv) ?? [])]) {
    const r = nameRefusal(argv[i], i);
    if (r) return r;
  }
  return patternRefusal(patternArg(cmd, argv), cmd.name.replace("|", " ").toUpperCase());
}

/**
 * How many names one SSCAN page of a key index may match against `pattern`
 * (emulated KEYS and SCAN, key-index.ts), so that one page costs at most the
 * per-command budget even if every name were as long as allowed: `requested`
 * without a pattern, at least 10.
 */
export function pageForPattern(pattern: Uint8Array | undefined, requested: number): number {
  if (!pattern) return requested;
  const perName = caps().maxName * globWeight(pattern) + 4;
  return Math.min(requested, Math.max(10, Math.floor(costLimits().maxCost / perName)));
}
