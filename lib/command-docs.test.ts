import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { GENERAL_HELP, GENERAL_HELP_TEXT, localHelp } from "./command-docs";

/** The console's own HELP: the server answers in English (the API's words); a page shows it in its language. */
const rt = useTestRuntime();

describe("HELP", () => {
  it("is the console's help, in the page's language: English from the server, Chinese on a 中文 page", async () => {
    await rt.conn.waitReady();
    const { session } = issueSession(rt.config.sessionSecret);
    const { reply, text } = await execCommand(session, { command: "help" });
    expect(reply).toEqual({ t: "status", v: GENERAL_HELP });
    expect(text).toBe(GENERAL_HELP_TEXT.en);
    expect(localHelp(reply, "en")).toEqual(reply);
    expect(localHelp(reply, "zh")).toEqual({ t: "status", v: GENERAL_HELP_TEXT.zh });
    expect(GENERAL_HELP_TEXT.zh).toContain("HELP SET");
    expect(GENERAL_HELP_TEXT.zh.split("\n")).toHaveLength(GENERAL_HELP_TEXT.en.split("\n").length);
  });

  it("leaves every other reply as Redis gave it, on any page", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const { reply } = await execCommand(session, { command: "HELP GET" });
    expect(reply.t).toBe("status");
    expect(localHelp(reply, "zh")).toEqual(reply);
    expect(localHelp({ t: "status", v: "OK" }, "zh")).toEqual({ t: "status", v: "OK" });
    expect(localHelp({ t: "bulk", v: GENERAL_HELP }, "zh")).toEqual({ t: "bulk", v: GENERAL_HELP });
  });
});
