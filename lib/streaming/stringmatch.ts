/**
 * Redis 7.0's glob matcher (util.c stringmatchlen), byte for byte: which
 * channels a PSUBSCRIBE pattern receives. The subscriber hub uses it to count
 * the listeners a PUBLISH reaches in this process, as Redis would count them
 * had each listener subscribed itself. Like Redis: `*`, `?`, `[…]` with `^`
 * and ranges (ends swapped when reversed, compared as signed chars), `\`
 * escapes; an unterminated `[` matches to the pattern's end; after a `*`
 * fails on the rest of the string, longer tries are skipped.
 * lib/streaming/stringmatch.test.ts checks it against a real redis-server.
 */
export function stringMatch(pattern: Uint8Array, string: Uint8Array): boolean {
  const skip = { longer: false };
  return match(pattern, 0, string, 0, skip);
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
/** A C `char` on x86: bytes above 127 compare as negative numbers. */
const signed = (b: number | undefined) => (b === undefined ? 0 : (b << 24) >> 24);

function match(pattern: Uint8Array, p: number, string: Uint8Array, s: number, skip: { longer: boolean }): boolean {
  let patternLen = pattern.length - p;
  let stringLen = string.length - s;
  while (patternLen > 0 && stringLen > 0) {
    switch (pattern[p]) {
      case STAR: {
        while (patternLen > 1 && pattern[p + 1] === STAR) {
          p++;
          patternLen--;
        }
        if (patternLen === 1) return true;
        while (stringLen > 0) {
          if (match(pattern.subarray(0, p + patternLen), p + 1, string.subarray(0, s + stringLen), s, skip)) return true;
          if (skip.longer) return false;
          s++;
          stringLen--;
        }
        skip.longer = true;
        return false;
      }
      case QUESTION:
        s++;
        stringLen--;
        break;
      case OPEN: {
        p++;
        patternLen--;
        const not = pattern[p] === CARET && patternLen > 0;
        if (not) {
          p++;
          patternLen--;
        }
        let matched = false;
        for (;;) {
          if (patternLen >= 2 && pattern[p] === BACKSLASH) {
            p++;
            patternLen--;
            if (pattern[p] === string[s]) matched = true;
          } else if (patternLen > 0 && pattern[p] === CLOSE) {
            break;
          } else if (patternLen === 0) {
            p--;
            patternLen++;
            break;
          } else if (patternLen >= 3 && pattern[p + 1] === DASH) {
            let start = signed(pattern[p]);
            let end = signed(pattern[p + 2]);
            const c = signed(string[s]);
            if (start > end) [start, end] = [end, start];
            p += 2;
            patternLen -= 2;
            if (c >= start && c <= end) matched = true;
          } else if (pattern[p] === string[s]) {
            matched = true;
          }
          p++;
          patternLen--;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        s++;
        stringLen--;
        break;
      }
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: as in util.c, an escaped byte is then matched literally
      case BACKSLASH:
        if (patternLen >= 2) {
          p++;
          patternLen--;
        }
      default:
        if (pattern[p] !== string[s]) return false;
        s++;
        stringLen--;
        break;
    }
    p++;
    patternLen--;
    if (stringLen === 0) {
      while (patternLen > 0 && pattern[p] === STAR) {
        p++;
        patternLen--;
      }
      break;
    }
  }
  return patternLen === 0 && stringLen === 0;
}
