import { describe, expect, it } from "vitest";
import { formatReply } from "./format-reply";
import type { Reply } from "@/lib/resp/reply";

const b = (v: string): Reply => ({ t: "bulk", v });

describe("formatReply RESP3 shapes (as redis-cli -3 prints them)", () => {
  it("prints maps, sets, doubles and booleans", () => {
    const map: Reply = { t: "map", v: [b("a"), { t: "integer", v: 1 }, b("b"), { t: "array", v: [b("x"), b("y")] }] };
    expect(formatReply(map)).toBe('1# "a" => (integer) 1\n2# "b" => 1) "x"\n   2) "y"\n');
    expect(formatReply({ t: "set", v: [b("x")] })).toBe('1~ "x"\n');
    expect(formatReply({ t: "double", v: "1.5" })).toBe("(double) 1.5\n");
    expect(formatReply({ t: "bool", v: true })).toBe("(true)\n");
    expect(formatReply({ t: "map", v: [] })).toBe("(empty hash)\n");
  });
  it("raw mode decodes UTF-8 and prints nil as an empty line", () => {
    expect(formatReply(b("中文"), "raw")).toBe("中文\n");
    expect(formatReply({ t: "nil" }, "raw")).toBe("\n");
    expect(formatReply({ t: "array", v: [b("a"), { t: "integer", v: 2 }] }, "raw")).toBe("a\n2\n");
  });
});
