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

import { truncateReply } from "@/lib/resp/truncate";

describe("long replies are cut with … N more", () => {
  const list: Reply = { t: "array", v: Array.from({ length: 12 }, (_, i) => b(`item${i + 1}`)) };
  it("keeps the first items and counts the rest", () => {
    const { reply, truncated } = truncateReply(list, { items: 3, bytes: 1000 });
    expect(truncated).toBe(true);
    expect(formatReply(reply)).toBe('1) "item1"\n2) "item2"\n3) "item3"\n… 9 more\n');
  });
  it("cuts bulk strings by bytes, on a UTF-8 boundary", () => {
    const { reply } = truncateReply(b("中文中文"), { items: 10, bytes: 7 });
    expect(formatReply(reply, "raw")).toBe("中文 … 6 more bytes\n");
  });
  it("leaves short replies alone", () => {
    expect(truncateReply(list, { items: 100, bytes: 1000 })).toEqual({ reply: list, truncated: false });
  });
  it("indents the marker inside nested arrays", () => {
    const nested: Reply = { t: "array", v: [b("k"), { t: "array", v: [b("a"), b("b"), b("c")] }] };
    expect(formatReply(truncateReply(nested, { items: 3, bytes: 100 }).reply)).toBe('1) "k"\n2) 1) "a"\n   … 2 more\n');
  });
});
