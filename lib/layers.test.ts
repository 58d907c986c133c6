import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The core stays core: the command path, the sandbox and the reaper import
 * nothing of the classroom, which plugs in through lib/hooks.ts
 * (lib/classroom/plugin.ts, installed by lib/runtime.ts, the composition root).
 */
const root = path.resolve(import.meta.dirname, "..");
const sources = (dir: string) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f));

describe("layers", () => {
  it("lib/exec.ts, lib/reaper.ts and lib/sandbox/ import nothing from lib/classroom/", () => {
    const core = ["lib/exec.ts", "lib/reaper.ts", "lib/hooks.ts", ...sources("lib/sandbox"), ...sources("lib/resp"), ...sources("lib/redis")];
    const offenders = core.filter((f) => /from "(@\/lib\/classroom|\.\.?\/classroom)/.test(fs.readFileSync(path.join(root, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
