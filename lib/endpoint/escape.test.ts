/**
 * The escape suite (lib/sandbox/escape.test.ts), every attempt sent as raw
 * RESP through the endpoint for learners' own clients, signed in with the
 * attacker's password (test/attack-transport.ts): the same audit of the
 * whole server after each one.
 */
export {};

process.env.ATTACK_VIA = "endpoint";
await import("@/lib/sandbox/escape.test");
