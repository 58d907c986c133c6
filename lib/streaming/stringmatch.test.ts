import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RespConnection } from "@/lib/redis/resp-connection";
import { useOracleServer } from "@/test/oracle-server";
import { stringMatch } from "./stringmatch";

/**
 * stringMatch against Redis's own matcher: every string is a key on a
 * redis-server of the file's own, and KEYS <pattern> (util.c stringmatchlen,
 * as PSUBSCRIBE uses) says which match.
 */
const oracle = useOracleServer();
let redis: RespConnection;
beforeAll(async () => {
  redis = new RespConnection({ host: "127.0.0.1", port: oracle.port, username: "admin", password: oracle.password }, "stringmatch-oracle");
  await redis.waitReady();
});
afterAll(() => redis?.close());

const b = (s: string) => Buffer.from(s, "latin1");
const ALPHABET = ["a", "b", "c", "-", "]", "[", "^", "*", "?", "\\", "z", "\u00e9", "\u00ff", "\u0080", "0", "9", ":", "{", "}"];

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

async function redisMatches(pattern: string, strings: string[]): Promise<Set<string>> {
  await redis.send(["FLUSHALL"]);
  for (const s of strings) await redis.send(["SET", b(s), "1"]);
  const r = await redis.send(["KEYS", b(pattern)]);
  if (r.t !== "array") throw new Error(JSON.stringify(r));
  return new Set(r.v.map((x) => (x.t === "bulk" ? (x.b64 ? Buffer.from(x.v, "base64") : Buffer.from(x.v)).toString("latin1") : "")));
}

describe("stringMatch is Redis's stringmatchlen", () => {
  const HAND: Array<[string, string[]]> = [
    ["pg:{A}:*", ["pg:{A}:news", "pg:{B}:news", "pg:{A}:", "pg:{A}"]],
    ["n*s", ["news", "ns", "nxs", "n", "newsx"]],
    ["h?llo", ["hello", "hallo", "hllo", "heello"]],
    ["h[ae]llo", ["hello", "hallo", "hillo"]],
    ["h[^e]llo", ["hello", "hallo", "hbllo"]],
    ["h[a-b]llo", ["hallo", "hbllo", "hcllo"]],
    ["h[b-a]llo", ["hallo", "hbllo", "hcllo"]],
    ["a\\*b", ["a*b", "axb", "a\\*b"]],
    ["a[", ["a", "a[", "ab"]],
    ["a[b", ["ab", "a[b", "a"]],
    ["a[\\]]b", ["a]b", "a\\b"]],
    ["[", ["[", "a", ""]],
    ["*a*b*c*", ["abc", "aXbXc", "acb", "xxabcxx"]],
    ["\\", ["\\", "a"]],
    ["a\\", ["a\\", "a"]],
    ["[\u0080-\u00ff]x", ["\u0080x", "\u00e9x", "ax"]],
    ["[a-\u00e9]x", ["bx", "\u00e9x", "\u00ffx", "0x"]],
  ];
  for (const [pattern, strings] of HAND) {
    it(JSON.stringify(pattern), async () => {
      const want = await redisMatches(pattern, strings);
      for (const s of strings) expect(stringMatch(b(pattern), b(s)), `${JSON.stringify(pattern)} ~ ${JSON.stringify(s)}`).toBe(want.has(s));
    });
  }

  it("agrees on 300 random patterns over 40 random strings each", async () => {
    const r = rng(20261206);
    const word = (max: number) => Array.from({ length: r(max + 1) }, () => ALPHABET[r(ALPHABET.length)]).join("");
    let matched = 0;
    for (let i = 0; i < 300; i++) {
      const pattern = word(8);
      const strings = [...new Set(Array.from({ length: 40 }, () => word(6)).filter((s) => s.length > 0))];
      const want = await redisMatches(pattern, strings);
      matched += want.size;
      for (const s of strings) expect(stringMatch(b(pattern), b(s)), `${JSON.stringify(pattern)} ~ ${JSON.stringify(s)}`).toBe(want.has(s));
    }
    expect(matched).toBeGreaterThan(50); // the patterns are not all misses
  }, 60_000);
});
