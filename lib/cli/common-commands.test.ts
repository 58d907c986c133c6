import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { completions } from "./completion";
import { byCommonness } from "./common-commands";

/** Tab completion as the console offers it, from the live server's COMMAND DOCS. */
const rt = useTestRuntime();

describe("completion order", () => {
  it("offers the everyday command first: ge → GET, not GEOADD", async () => {
    const docs = await rt.commandDocs();
    const first = (line: string) => byCommonness(completions(line, docs))[0];
    expect(completions("ge", docs)[0]).toBe("GEOADD "); // alphabetical, as the server lists them
    expect(first("ge")).toBe("GET ");
    expect(first("s")).toBe("SET ");
    expect(first("hg")).toBe("HGET ");
    expect(first("ex")).toBe("EXISTS ");
    expect(first("mu")).toBe("MULTI ");
    expect(first("  hs")).toBe("  HSET "); // HSCAN comes first alphabetically
  });

  it("keeps every candidate, the rare ones in alphabetical order after the common ones", async () => {
    const docs = await rt.commandDocs();
    const all = completions("ge", docs);
    const ranked = byCommonness(all);
    expect([...ranked].sort()).toEqual([...all].sort());
    expect(ranked.slice(0, 2)).toEqual(["GET ", "GETDEL "]);
    const rest = ranked.slice(2);
    expect(rest).toEqual([...rest].sort());
    expect(byCommonness(completions("object en", docs))).toEqual(["OBJECT ENCODING "]);
  });
});
