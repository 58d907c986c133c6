import { describe, expect, it } from "vitest";
import { parseCommandLine } from "./parse-command";
import { problemText } from "@/lib/i18n/problems";

const words = (line: string) => {
  const r = parseCommandLine(line);
  if (!r.ok) throw new Error(problemText(r.error));
  return r.argv.map((a) => Buffer.from(a).toString("latin1"));
};

describe("parseCommandLine (redis-cli's sdssplitargs rules)", () => {
  it("splits on blanks", () => {
    expect(words("  SET  a   b ")).toEqual(["SET", "a", "b"]);
    expect(words("")).toEqual([]);
    expect(words("\t GET\tk\t")).toEqual(["GET", "k"]);
  });
  it("handles double quotes with escapes", () => {
    expect(words('SET k "hello world"')).toEqual(["SET", "k", "hello world"]);
    expect(words('SET k "a\\nb\\tc\\r\\a\\b"')).toEqual(["SET", "k", "a\nb\tc\r\x07\x08"]);
    expect(words('SET k "say \\"hi\\" \\\\ ok"')).toEqual(["SET", "k", 'say "hi" \\ ok']);
    expect(words('SET k "\\x41\\x42\\xff\\x00"')).toEqual(["SET", "k", "AB\xff\x00"]);
    expect(words('SET k "\\xZZ"')).toEqual(["SET", "k", "xZZ"]);
    expect(words('SET k ""')).toEqual(["SET", "k", ""]);
  });
  it("handles single quotes, where only \\' is an escape", () => {
    expect(words("SET k 'it\\'s \\n raw'")).toEqual(["SET", "k", "it's \\n raw"]);
  });
  it("joins a quote that starts inside a word", () => {
    expect(words('SET k ab"c d"')).toEqual(["SET", "k", "abc d"]);
  });
  it("keeps UTF-8 bytes", () => {
    expect(words("SET k 中文")[2]).toBe(Buffer.from("中文").toString("latin1"));
  });
  it("reports an unbalanced quote clearly", () => {
    const r = parseCommandLine('SET k "open');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toEqual({ code: "line:unbalanced-quote", params: { quote: "double", column: 7 } });
    expect(!r.ok && problemText(r.error)).toMatch(/^Unbalanced double quote: the " opened at column 7 is never closed/);
    const s = parseCommandLine("SET k 'open");
    expect(!s.ok && problemText(s.error)).toMatch(/^Unbalanced single quote/);
  });
  it("requires a space after a closing quote", () => {
    const r = parseCommandLine('SET "k"x v');
    expect(!r.ok && problemText(r.error)).toMatch(/closing " must be followed by a space/);
  });
});
