import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient, newVisitor, useEndpoint } from "@/test/endpoint";
import { adminRedis } from "@/test/admin";
import type { RunningEndpoint } from "./server";

/**
 * README "Bring your own client": `redis-cli -p <port> --user <user> --pass <password>` gives a working
 * interactive prompt. Debian's redis-cli 7.0 runs in a pseudo-terminal (python3's pty module relays it:
 * no npm package for one), as in a learner's terminal: linenoise asks where the cursor is and how wide
 * the terminal is, shows the hint for what is typed (from COMMAND DOCS, asked on connecting), and
 * the commands typed run in the visitor's namespace.
 */

let ep: RunningEndpoint;
let admin: Redis | Cluster;
const home = fs.mkdtempSync(path.join(os.tmpdir(), "pg-cli-prompt-"));

beforeAll(async () => {
  ep = await useEndpoint({
    // The wrong-password counter is per address in the shared app Redis: other endpoint test files' wrong passwords count too.
    PLAYGROUND_RESP_WRONG_PASSWORDS_PER_IP_MINUTE: "100000",
  });
  admin = await adminRedis();
});
afterAll(async () => {
  admin?.disconnect();
  await ep?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs argv[0] on a new pseudo-terminal (its window size unset, 0×0, as over some serial lines) and relays its bytes both ways until it exits. */
const RELAY = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
inputs = [fd, 0]
while True:
    ready, _, _ = select.select(inputs, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the program exited and the terminal closed
            data = b""
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            inputs.remove(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

const COLUMNS = 200;

/** A program on a terminal: what it printed so far (escape sequences and all), keys to type, its exit. */
class Terminal {
  out = "";
  private answered = 0;
  private changed: (() => void)[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(argv: string[]) {
    this.child = spawn("/usr/bin/python3", ["-c", RELAY, ...argv], {
      env: { ...process.env, TERM: "xterm", HOME: home, REDISCLI_HISTFILE: "/dev/null", REDISCLI_RCFILE: "/dev/null" },
    });
    this.child.stdout.on("data", (d: Buffer) => {
      this.out += d.toString("latin1");
      this.answerCursorQueries();
      for (const w of this.changed.splice(0)) w();
    });
    this.child.stderr.on("data", (d: Buffer) => {
      this.out += d.toString("latin1");
    });
    this.child.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
    // Nothing here outlives its test, whatever it waits for.
    const kill = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    void this.exited.then(() => clearTimeout(kill));
  }

  /**
   * linenoise asks where the cursor is (ESC[6n) before each prompt; with no window size it asks again after moving
   * 999 columns right (ESC[999C), which is how it learns the width. The cursor is at column 1, the terminal COLUMNS wide.
   */
  private answerCursorQueries(): void {
    for (let at = this.out.indexOf("\x1b[6n", this.answered); at >= 0; at = this.out.indexOf("\x1b[6n", this.answered)) {
      const width = this.out.slice(0, at).endsWith("\x1b[999C");
      this.child.stdin.write(width ? `\x1b[1;${COLUMNS}R` : "\x1b[1;1R");
      this.answered = at + 4;
    }
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Waits until what was printed after `from` holds `want`, at most `ms`; returns the index just past it. */
  async waitFor(want: string, from: number, ms = 5000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.out.indexOf(want, from);
      if (at >= 0) return at + want.length;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${JSON.stringify(want)} in ${ms} ms; printed: ${JSON.stringify(this.out.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** The gray hint linenoise draws after the typed text (redis-cli's hintsCallback: color 90, not bold). */
const hint = (text: string) => `\x1b[0;90;49m${text}\x1b[0m`;

describe("redis-cli 7.0's interactive prompt on the endpoint", () => {
  it("signs in with --user and --pass, hints SET's arguments, runs SET and GET in the visitor's namespace, and quits", async () => {
    const { session, password } = await newVisitor();
    // What redis-cli asks on connecting to draw its hints: the endpoint answers it as Redis does.
    const raw = await RawClient.connect(ep.port);
    try {
      expect(await raw.call("AUTH", password)).toEqual({ t: "status", v: "OK" });
      const docs = await raw.call("COMMAND", "DOCS", "SET");
      expect(docs.t).toBe("array");
      expect(JSON.stringify(docs)).toContain('"arguments"');
    } finally {
      raw.close();
    }

    const t = new Terminal(["/usr/bin/redis-cli", "-p", String(ep.port), "--user", "default", "--pass", password]);
    try {
      const prompt = `127.0.0.1:${ep.port}> `;
      let at = await t.waitFor(prompt, 0);
      // Signed in (no AUTH error), the two questions answered: it moved back from column COLUMNS to column 1, then drew the prompt.
      expect(t.out.slice(0, at)).toBe(
        `Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\r\n\x1b[6n\x1b[999C\x1b[6n\x1b[${COLUMNS - 1}D${prompt}`,
      );

      // Typed: the hint after the words is the rest of SET's arguments, as on a real Redis 7.0.
      const options = "[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]";
      t.type("SET k");
      at = await t.waitFor(`${prompt}SET k${hint(` value ${options}`)}`, at);
      t.type(" v");
      at = await t.waitFor(`${prompt}SET k v${hint(` ${options}`)}`, at);
      // Enter: the hint goes, the line runs, the reply, then the prompt again.
      t.type("\r");
      at = await t.waitFor(`${prompt}SET k v\r`, at);
      at = await t.waitFor(`\r\nOK\r\n`, at);
      at = await t.waitFor(prompt, at);

      t.type("GET k");
      at = await t.waitFor(`${prompt}GET k${hint(" ")}`, at);
      t.type("\r");
      at = await t.waitFor(`\r\n"v"\r\n`, at);
      at = await t.waitFor(prompt, at);

      t.type("quit\r");
      await t.waitFor(`${prompt}quit\r`, at);
      expect(await t.exited).toBe(0);
    } finally {
      t.kill();
    }
    expect(await admin.get(`${session.ns.prefix}k`)).toBe("v");
    expect(await admin.exists("k")).toBe(0);
  });
});
