import { redisWord } from "./args";
import { type Problem, problem } from "@/lib/problems";

/**
 * SORT's key specs mark BY, GET and STORE "unknown", so the sandbox reads its
 * arguments itself, with the same loop as Redis 7.0's sortCommandGeneric
 * (sort.c): SORT key [BY pattern] [LIMIT offset count] [GET pattern …]
 * [ASC|DESC] [ALPHA] [STORE destination], keywords compared as Redis compares
 * them (args.ts), LIMIT taken only with two values after it, STORE and BY
 * with one.
 *
 * BY without "*" (e.g. BY nosort) touches no other key and is allowed; a BY
 * pattern and any GET are refused (Redis itself refuses GET, even GET #, for
 * a user without ~*). Redis honours the last STORE, so a second one is
 * refused. Returns the key positions, or a refusal.
 */
export function sortKeyPositions(argv: readonly Uint8Array[], upper: string): { ok: true; positions: number[] } | { ok: false; reason: Problem } {
  const positions = argv.length > 1 ? [1] : [];
  let stores = 0;
  for (let i = 2; i < argv.length; i++) {
    const left = argv.length - i - 1;
    const word = redisWord(argv[i]);
    if (word === "asc" || word === "desc" || word === "alpha") continue;
    if (word === "limit" && left >= 2) {
      i += 2;
    } else if (word === "store" && left >= 1) {
      // SORT_RO refuses STORE itself; its key is prefixed all the same.
      if (++stores > 1) return { ok: false, reason: problem("args:repeated-option", { keyword: "STORE", command: upper }) };
      positions.push(++i);
    } else if (word === "by" && left >= 1) {
      // Any "*" at all, even after a NUL byte (Redis's strchr stops there; this check does not).
      if (argv[i + 1].includes(0x2a)) {
        return {
          ok: false,
          reason: problem("sort:by-pattern", { command: upper }),
        };
      }
      i++;
    } else if (word === "get" && left >= 1) {
      return {
        ok: false,
        reason: problem("sort:get-pattern", { command: upper }),
      };
    }
    // Anything else is a syntax error to Redis, which then touches no key. The
    // loop goes on all the same, so a STORE further on is prefixed regardless.
  }
  return { ok: true, positions };
}
