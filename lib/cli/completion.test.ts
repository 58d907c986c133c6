import { describe, expect, it } from "vitest";
import { completions, didYouMean, hint, splitSynopsis } from "./completion";
import type { CommandDoc } from "@/lib/command-docs";

const doc = (name: string, args: string): CommandDoc => ({ name, args, summary: "", since: "", group: "", complexity: "" });
const DOCS = [doc("SET", "key value [NX|XX] [GET]"), doc("SETEX", "key seconds value"), doc("GET", "key"), doc("OBJECT ENCODING", "key"), doc("OBJECT", "")];

describe("did you mean", () => {
  it("suggests the nearest command names for a typo, and nothing for something else", () => {
    expect(didYouMean("sett", DOCS)).toEqual(["SET"]);
    expect(didYouMean("setx", DOCS)).toEqual(["SET", "SETEX"]);
    expect(didYouMean("GTE", DOCS)).toEqual(["GET"]);
    expect(didYouMean("objcet", DOCS)).toEqual(["OBJECT"]);
    expect(didYouMean("frobnicate", DOCS)).toEqual([]);
  });
});

describe("completion", () => {
  it("completes command names case-insensitively", () => {
    expect(completions("se", DOCS)).toEqual(["SET ", "SETEX "]);
    expect(completions("g", DOCS)).toEqual(["GET "]);
    expect(completions("zz", DOCS)).toEqual([]);
  });
  it("completes subcommands", () => {
    expect(completions("object en", DOCS)).toEqual(["OBJECT ENCODING "]);
  });
  it("hints the arguments still to type", () => {
    expect(hint("SET", DOCS)).toBe(" key value [NX|XX] [GET]");
    expect(hint("set ", DOCS)).toBe("key value [NX|XX] [GET]");
    expect(hint("SET a ", DOCS)).toBe("value [NX|XX] [GET]");
    expect(hint("SET a 1 ", DOCS)).toBe("[NX|XX] [GET]");
    expect(hint("NOPE ", DOCS)).toBe("");
    expect(splitSynopsis("key [EX seconds|PX ms] [GET]")).toEqual(["key", "[EX seconds|PX ms]", "[GET]"]);
  });
});
