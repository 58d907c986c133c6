import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LIMITS } from "./config";

/**
 * One source for every limit: lib/config.ts's LIMITS table. The README's
 * Configuration table must name each of them (and nothing there may name a
 * PLAYGROUND_ variable the code does not read).
 */
describe("the configuration table", () => {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5));

  it("lists every limit the code reads", () => {
    const missing = LIMITS.map((l) => l.env).filter((env) => !section.includes(`\`${env}\``));
    expect(missing).toEqual([]);
  });

  it("lists no limit the code does not read", () => {
    const named = [...section.matchAll(/`(PLAYGROUND_[A-Z_]+)`/g)].map((m) => m[1]);
    const code =
      fs
        .readdirSync(path.resolve(import.meta.dirname), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
        .map((f) => fs.readFileSync(path.resolve(import.meta.dirname, f), "utf8"))
        .join("\n") + fs.readFileSync(path.resolve(import.meta.dirname, "../scripts/start.ts"), "utf8");
    expect(named.filter((env) => !code.includes(env))).toEqual([]);
  });
});
