/**
 * The fuzz (lib/sandbox/fuzz.test.ts) — generated lines, byte-level NUL, case
 * and keyword mutations — every line sent as raw RESP through the endpoint for
 * learners' own clients (test/attack-transport.ts), audited the same way: no
 * key outside the fuzzer's namespace, the victim's and the app's keys
 * byte-identical. FUZZ_LINES (default here 5,000) and FUZZ_SEED as there.
 */
export {};

process.env.ATTACK_VIA = "endpoint";
process.env.FUZZ_LINES ??= "5000";
await import("@/lib/sandbox/fuzz.test");
