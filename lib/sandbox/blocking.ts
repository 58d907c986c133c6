import type { CommandInfo } from "./command-table";
import { readXread } from "./xread-args";
import { type Problem, problem } from "@/lib/problems";

const dec = new TextDecoder();
const enc = new TextEncoder();

/** Where each blocking command keeps its timeout, and in which unit. */
function timeoutArg(cmd: CommandInfo, argv: readonly Uint8Array[]): { index: number; unit: "s" | "ms" } | null {
  switch (cmd.name) {
    case "blpop":
    case "brpop":
    case "bzpopmin":
    case "bzpopmax":
    case "blmove":
    case "brpoplpush":
      return { index: argv.length - 1, unit: "s" };
    case "blmpop":
    case "bzmpop":
      return { index: 1, unit: "s" };
    case "xread":
    case "xreadgroup": {
      // The same reading of the options as the policy's (Redis's loop, keywords as Redis compares them).
      const x = readXread(argv, cmd.name === "xreadgroup");
      return "block" in x && x.block !== undefined ? { index: x.block, unit: "ms" } : null;
    }
    default:
      return null;
  }
}

/**
 * Caps a blocking command's timeout — including 0, "forever" — so one visitor
 * cannot hold a connection for long. Returns the new argv, the cap used (ms)
 * and, when it changed anything, a notice for the learner.
 */
export function capTimeout(
  cmd: CommandInfo,
  argv: Uint8Array[],
  capSeconds: number,
): { argv: Uint8Array[]; waitMs: number; notice?: Problem } | { refuse: Problem } {
  const where = timeoutArg(cmd, argv);
  const capMs = capSeconds * 1000;
  // A wrong number of arguments never blocks (Redis refuses it first), and the "timeout" there may be a prefixed key.
  if (!where || where.index <= 0 || where.index >= argv.length || (cmd.arity > 0 ? argv.length !== cmd.arity : argv.length < -cmd.arity))
    return { argv, waitMs: capMs };
  const text = dec.decode(argv[where.index]);
  // Only plain decimals: Redis also reads "inf" and hex floats such as 0x0p0
  // (strtold) as a timeout, which would slip past the cap.
  const plain = where.unit === "s" ? /^\d+(\.\d+)?$/ : /^\d+$/;
  if (!plain.test(text)) {
    return { refuse: problem("args:timeout-format", { command: cmd.name.toUpperCase(), unit: where.unit === "s" ? "seconds" : "milliseconds", got: text }) };
  }
  const n = Number(text);
  const ms = where.unit === "s" ? n * 1000 : n;
  if (ms !== 0 && ms <= capMs) return { argv, waitMs: ms };
  const out = argv.slice();
  out[where.index] = enc.encode(where.unit === "s" ? String(capSeconds) : String(capMs));
  const upper = cmd.name.toUpperCase();
  return { argv: out, waitMs: capMs, notice: problem("notice:timeout-capped", { command: upper, asked: Number(text), unit: where.unit, cap: capSeconds }) };
}
