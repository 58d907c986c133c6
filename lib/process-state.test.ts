import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No module-level mutable state in lib/ (lib/process-state.ts says why: lib/
 * is loaded twice in one process). A module-level `let`, Map or WeakMap is
 * an error unless listed here with the reason it is safe: a memo of inputs
 * that never change, identical in both copies.
 */
const ALLOWED: Record<string, string> = {
  "lib/lessons/highlight.ts: let highlighter": "shiki's highlighter, made once at build time from fixed themes",
  "lib/lessons/load.ts: let cache": "the lessons read from lessons/, the same files for both copies",
  "lib/lessons/practice.ts: const watches":
    "which commands each lesson's method rules look at, derived from lessons/ for lessons that exist: the same in both copies",
  "lib/endpoint/resp3.ts: const BY_COMMAND": "a fixed table of reply converters by command name, filled once at load, never changed",
  "lib/endpoint/resp3.ts: const BY_SUBCOMMAND": "a fixed table of reply converters by subcommand, filled once at load, never changed",
  "lib/sandbox/costs.ts: let cached": "the budgets read from the environment, re-read when it changes",
  "lib/sandbox/glob.ts: let cached": "the name and pattern caps read from the environment, re-read when it changes",
};

const root = path.resolve(import.meta.dirname, "..");
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return sources(rel);
    return d.name.endsWith(".ts") && !d.name.endsWith(".test.ts") ? [rel] : [];
  });
}

describe("process state", () => {
  it("lives in lib/process-state.ts (or the runtime), not in module-level variables", () => {
    const found: string[] = [];
    for (const file of sources("lib")) {
      for (const line of fs.readFileSync(path.join(root, file), "utf8").split("\n")) {
        const let_ = /^(?:export )?let (\w+)/.exec(line);
        const map = /^(?:export )?const (\w+)\s*(?::[^=]+)?=\s*new (?:Map|WeakMap)\b/.exec(line);
        const set = /^(?:export )?const (\w+)\s*(?::[^=]+)?=\s*new Set\b/.exec(line);
        const hit = let_ ? `let ${let_[1]}` : map ? `const ${map[1]}` : set && set[1] !== set[1].toUpperCase() ? `const ${set[1]}` : null;
        if (hit && !ALLOWED[`${file}: ${hit}`]) found.push(`${file}: ${hit}`);
      }
    }
    expect(found).toEqual([]);
  });
});
