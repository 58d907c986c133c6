const dec = new TextDecoder();

/**
 * SORT's key specs mark BY, GET and STORE "unknown", so the sandbox reads its
 * arguments itself: SORT key [BY pattern] [LIMIT offset count]
 * [GET pattern …] [ASC|DESC] [ALPHA] [STORE destination].
 * BY without "*" (e.g. BY nosort) touches no other key and is allowed; a BY
 * pattern and any GET are refused (Redis itself refuses GET, even GET #, for
 * a user without ~*). Returns the key positions, or a refusal.
 */
export function sortKeyPositions(argv: readonly Uint8Array[], upper: string): { ok: true; positions: number[] } | { ok: false; reason: string } {
  const positions = argv.length > 1 ? [1] : [];
  for (let i = 2; i < argv.length; i++) {
    const word = dec.decode(argv[i]).toLowerCase();
    const next = argv[i + 1] ? dec.decode(argv[i + 1]) : undefined;
    if (word === "limit") i += 2;
    else if (word === "by" && next !== undefined) {
      if (next.includes("*")) return { ok: false, reason: `${upper} … BY with a "*" pattern reads other keys, which the playground does not allow. Sort by the elements themselves, or use BY nosort.` };
      i++;
    } else if (word === "get" && next !== undefined) {
      return { ok: false, reason: `${upper} … GET reads other keys by pattern, which the playground does not allow. Sort the elements themselves and look them up one by one.` };
    } else if (word === "store" && next !== undefined && upper === "SORT") {
      positions.push(i + 1);
      i++;
    }
  }
  return { ok: true, positions };
}
