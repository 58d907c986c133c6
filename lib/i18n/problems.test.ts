import { describe, expect, it } from "vitest";
import { useTestRuntime } from "@/test/env";
import { execCommand } from "@/lib/exec";
import { issueSession } from "@/lib/session";
import { isSandboxError } from "@/lib/errors";
import { COST_HINTS_EN, COST_HINTS_ZH, PROBLEMS, problemText } from "./problems";
import type { Problem, ProblemParams } from "@/lib/problems";
import { SAMPLES } from "./problem-samples";
import type { ExecResult } from "@/lib/exec";
import { admitNewSession } from "@/lib/session";
import { checkRate } from "@/lib/rate-limit";

/**
 * Every refusal, limit and notice the playground itself produces carries a
 * problem code, worded in English and in Chinese from lib/i18n/problems.ts:
 * each is triggered here against the test Redis. Redis's own errors carry
 * none and are left as Redis words them.
 */

/** The Chinese of what a command got: its reply's problem, or null for Redis's own words. */
const zhOf = (r: ExecResult): string | null => (r.reply.t === "error" && r.reply.problem ? problemText(r.reply.problem, "zh") : null);
/** The Chinese of a thrown error's problem. */
const zhOfError = (e: unknown): string | null => (isSandboxError(e) ? problemText(e.problem, "zh") : null);
const rt = useTestRuntime({
  PLAYGROUND_MAX_ARGS: "40",
  PLAYGROUND_MAX_ARG_BYTES: "1000",
  PLAYGROUND_MAX_NAME_BYTES: "100",
  PLAYGROUND_MAX_PATTERN_BYTES: "50",
  PLAYGROUND_MAX_BUILT_REPLY_BYTES: "4000",
  PLAYGROUND_MAX_COMMAND_BYTES: "2000",
  PLAYGROUND_MAX_STRING_BYTES: "65536",
  PLAYGROUND_MAX_REPLY_ITEMS: "10",
  PLAYGROUND_MAX_BLOCK_SECONDS: "1",
  PLAYGROUND_MAX_KEYS: "3",
  PLAYGROUND_MAX_QUEUED_COMMANDS: "4",
  PLAYGROUND_MAX_QUEUED_BYTES: "2500",
  PLAYGROUND_LEASES_PER_IP: "3",
});

const LINES = [
  "AUTH default x",
  "HELLO 3",
  "RESET",
  "SELECT 1",
  "MOVE k 1",
  "SWAPDB 0 1",
  "MIGRATE h 1 k 0 10",
  "HELLO 2 AUTH default x",
  "QUIT",
  "RESTORE k 0 x",
  "PUBSUB NUMPAT",
  "MEMORY DOCTOR",
  "MEMORY STATS",
  "MEMORY MALLOC-STATS",
  "MEMORY PURGE",
  'EVAL "return 1" 0',
  "CONFIG GET maxmemory",
  "SUBSCRIBE news",
  "CLIENT LIST",
  "CLIENT KILL TYPE normal",
  "COPY a b DB 1",
  "GEORADIUS g 15 37 200 km STORE a STORE b",
  "SORT l BY w_*",
  "SORT l GET h_*",
  "SETRANGE s 100000 x",
  "SRANDMEMBER s -100",
  "BLPOP q abc",
  `PING a b c ${"x ".repeat(40)}`,
  `ECHO ${"x".repeat(1500)}`,
  `ECHO "${"y".repeat(2100)}"`,
  "HELP NOSUCHCOMMAND",
  "",
  "ZUNIONSTORE out 0 a",
  // Read as Redis reads them: NUL bytes in names and keywords, keywords given twice.
  '"GET\\x00x" k',
  'OBJECT "encoding\\x00" k',
  'SORT l ALPHA "STORE\\x00" d',
  "SORT l STORE a STORE b",
  "XREAD BLOCK 1 BLOCK 0 STREAMS s $",
  "XREAD FOO BLOCK 0 STREAMS s $",
  "PFDEBUG GETREG k",
  "PFSELFTEST",
  // Costs decided before a command runs.
  "LOLWUT VERSION 6 1000 1000",
  // Names and glob patterns (lib/sandbox/glob.ts).
  `SADD s ${"m".repeat(101)}`,
  `KEYS ${"*".repeat(51)}`,
  `SSCAN s 0 MATCH ${"*".repeat(51)}`,
];

describe("the playground's own problems, with codes, in 中文", () => {
  it("explains every refusal and limit", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const missing: string[] = [];
    const inputs = [...LINES.map((command) => ({ command })), { argv: ["MSET", "a", "b".repeat(900), "c", "d".repeat(900), "e", "f".repeat(900)] }];
    for (const input of inputs) {
      const line = "command" in input ? input.command : input.argv.join(" ");
      const r = await execCommand(session, input);
      expect(r.reply.t, line).toBe("error");
      if (r.reply.t !== "error" || !r.reply.problem) missing.push(`${line.slice(0, 40)} → ${r.text.slice(0, 120)}`);
      // The English in the reply is the table's English, word for word.
      else expect(r.reply.v.endsWith(problemText(r.reply.problem)), line).toBe(true);
    }
    expect(missing).toEqual([]);
  });

  it("explains notices: a capped timeout, a cut reply, a full sandbox, an answer inside MULTI", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const capped = await execCommand(session, { command: "BLPOP q 0" });
    expect(capped.notices?.map((n) => problemText(n, "zh")).join("")).toMatch(/被限制为 1 秒/);
    await execCommand(session, { command: "RPUSH big 1 2 3 4 5 6 7 8 9 10 11 12" });
    const cut = await execCommand(session, { command: "LRANGE big 0 -1" });
    expect(cut.notices?.map((n) => problemText(n, "zh")).join("")).toMatch(/回复已截断/);
    const { session: filler } = issueSession(rt.config.sessionSecret);
    await execCommand(filler, { command: "MSET k1 1 k2 2 k3 3" });
    let full = await execCommand(filler, { command: "SET k4 4" });
    // The quota is measured at most every 2 s: the next writes past it are refused.
    for (let i = 5; full.reply.t !== "error" && i < 12; i++) {
      await new Promise((r) => setTimeout(r, 500));
      full = await execCommand(filler, { command: `SET k${i} ${i}` });
    }
    expect(zhOf(full), full.text).toMatch(/沙箱满了/);
    await execCommand(filler, { command: "FLUSHDB" });
    await execCommand(session, { command: "MULTI" }, { id: "tx" });
    const queued = await execCommand(session, { command: "DBSIZE" }, { id: "tx" });
    expect(zhOf(queued), queued.text).toMatch(/不能放进 MULTI/);
    await execCommand(session, { command: "DISCARD" }, { id: "tx" });
    await execCommand(session, { command: "FLUSHDB" });
  });

  it("explains the rate limits, as the limiter words them, and leaves Redis's own errors to Redis", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    // The limiter itself, with limits of 1: the second command of the second is refused, per visitor and per address.
    const refusal = async (limits: { perSession: number; perIp: number }, ip: string) => {
      await checkRate(rt.appConn, limits, session.id + ip, ip);
      return checkRate(rt.appConn, limits, session.id + ip, ip).then(
        () => null,
        (e: unknown) => e,
      );
    };
    const perVisitor = await refusal({ perSession: 1, perIp: 1000 }, "198.51.100.201");
    const perAddress = await refusal({ perSession: 1000, perIp: 1 }, "198.51.100.202");
    expect(zhOfError(perVisitor)).toMatch(/^命令太多：练习场允许每位访客每秒 1 条/);
    expect(zhOfError(perAddress)).toMatch(/^来自你所在网络的命令太多：练习场允许每个 IP 地址每秒 1 条/);
    await execCommand(session, { command: "SET s text" });
    const redisOwn = await execCommand(session, { command: "INCR s" });
    expect(redisOwn.text).toBe("(error) ERR value is not an integer or out of range");
    expect(zhOf(redisOwn)).toBeNull();
  });

  it("explains the cap on dedicated connections per client address, with its numbers", async () => {
    const ip = "203.0.113.77";
    const tabs = [0, 1].flatMap(() => {
      const { session } = issueSession(rt.config.sessionSecret);
      return [0, 1].map((i) => ({ session, id: `addr-tab${i}` }));
    });
    let refused: unknown;
    for (const t of tabs) await execCommand(t.session, { command: "MULTI" }, { ip, id: t.id }).catch((e) => (refused ??= e));
    for (const t of tabs) await execCommand(t.session, { command: "DISCARD" }, { ip, id: t.id }).catch(() => {});
    expect(isSandboxError(refused) && refused.message, String(refused)).toMatch(/at most 3 per address/);
    expect(zhOfError(refused)).toMatch(/每个地址最多 3 个/);
  });
  it("explains the budgets of one command and of a transaction, the quota at EXEC, and the cap on new sessions", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    const zh = async (command: string | string[], id: string) => {
      const r = await execCommand(session, Array.isArray(command) ? { argv: command } : { command }, { id });
      expect(r.reply.t, r.text).toBe("error");
      return [r.text, zhOf(r)] as const;
    };
    // Queued arguments past 2,500 bytes; then EXEC says why it discards the transaction.
    await execCommand(session, { command: "MULTI" }, { id: "bytes" });
    for (const k of ["a", "b"]) await execCommand(session, { argv: ["SET", k, "x".repeat(900)] }, { id: "bytes" });
    expect((await zh(["SET", "c", "x".repeat(900)], "bytes"))[1]).toMatch(/会让事务排队的参数达到 2,712 字节；练习场每个 MULTI 最多允许 2,500 字节/);
    const [abort, abortZh] = await zh("EXEC", "bytes");
    expect(abort).toMatch(/^\(error\) EXECABORT Transaction discarded because of previous errors\. This SET would bring/);
    expect(abortZh).toMatch(/^事务被丢弃了：这条 SET 会让事务排队的参数达到/);
    // Past 4 queued commands.
    await execCommand(session, { command: "MULTI" }, { id: "count" });
    for (let i = 0; i < 4; i++) await execCommand(session, { command: "PING" }, { id: "count" });
    expect((await zh("PING", "count"))[1]).toMatch(/这个事务已经排了 4 条命令/);
    await execCommand(session, { command: "DISCARD" }, { id: "count" });
    // Past the budget in all: 28,000 units each.
    await execCommand(session, { command: "MULTI" }, { id: "cost" });
    await execCommand(session, { command: "LOLWUT VERSION 6 100 70" }, { id: "cost" });
    expect((await zh("LOLWUT VERSION 6 100 70", "cost"))[1]).toMatch(/这条 LOLWUT（约 28,000 个工作单位）会让事务的预计开销达到 56,000 个单位/);
    await execCommand(session, { command: "DISCARD" }, { id: "cost" });
    // One command past the budget: its estimate, the sizes behind it, what to do instead.
    expect(zhOf(await execCommand(session, { command: "LOLWUT VERSION 6 1000 1000" }))).toBe(
      "LOLWUT 预计需要 4,000,000 个工作单位（1,000,000 个单元格）；练习场每条命令最多允许 50,000 个，以保证每位访客的命令都能很快完成。请画一张更小的图：更少的列、行或方块。",
    );
    // The quota checked again at EXEC: another tab filled the sandbox meanwhile.
    await execCommand(session, { command: "MULTI" }, { id: "quota" });
    await execCommand(session, { command: "SET x 1" }, { id: "quota" });
    await execCommand(session, { command: "MSET a 1 b 2 c 3" }, { id: "other" });
    const [full, fullZh] = await zh("EXEC", "quota");
    expect(full).toMatch(
      /^\(error\) EXECABORT Transaction discarded: Your sandbox is full: 3 keys using [\d.]+ KB, and this transaction's 1 queued command would add up to 1 key/,
    );
    expect(fullZh).toMatch(/^事务被丢弃了：你的沙箱满了：已有 3 个键，占用 [\d.]+ KB，而这个事务排队的 1 条命令最多还会增加 1 个键/);
    await execCommand(session, { command: "FLUSHDB" });
    // New sessions per address per minute.
    const ip = `i18n-${Math.random().toString(36).slice(2)}`;
    await admitNewSession(rt.appConn, ip, 1);
    const capped = await admitNewSession(rt.appConn, ip, 1).catch((e: Error) => e);
    expect(isSandboxError(capped) && capped.message).toMatch(/^Too many new sandboxes from your network: at most 1 every 60 s\./);
    expect(zhOfError(capped)).toMatch(/^来自你所在网络的新沙箱太多了：每 60 秒最多 1 次。请继续使用你已有的会话/);
  });

  it("explains the cap on replies Redis builds, for one command and for a transaction", async () => {
    const { session } = issueSession(rt.config.sessionSecret);
    await execCommand(session, { argv: ["SET", "v", "x".repeat(900)] });
    const one = await execCommand(session, { command: "MGET v v v v v" });
    expect(one.text).toMatch(/MGET would make Redis build a reply of about 4,580 bytes; the playground allows 4,000 bytes per reply/);
    expect(zhOf(one)).toMatch(/^MGET 会让 Redis 构造一个约 4,580 字节的回复；练习场每个回复最多允许 4,000 字节/);
    await execCommand(session, { command: "MULTI" }, { id: "reply" });
    let lastResult: ExecResult | undefined;
    for (let i = 0; i < 4 && lastResult?.reply.t !== "error"; i++) lastResult = await execCommand(session, { command: "GET v" }, { id: "reply" });
    const last = lastResult?.text ?? "";
    expect(last).toMatch(
      /This GET \(a reply of about [\d,]+ bytes\) would bring the transaction's replies to [\d,]+ bytes; the playground allows 4,000 bytes per EXEC/,
    );
    expect(lastResult && zhOf(lastResult)).toMatch(/^这条 GET（回复约 [\d,]+ 字节）会让事务的回复合计达到 [\d,]+ 字节；练习场每个 EXEC 最多允许 4,000 字节/);
    await execCommand(session, { command: "DISCARD" }, { id: "reply" });
    await execCommand(session, { command: "FLUSHDB" });
  });

  it("has the Chinese of every cost hint", () => {
    expect(Object.keys(COST_HINTS_EN).filter((h) => !COST_HINTS_ZH[h as keyof typeof COST_HINTS_ZH])).toEqual([]);
  });
});

describe("the rare actions' windows, in 中文", () => {
  it("explains every limitWindow refusal the app words, and the join and fail-closed ones", async () => {
    const { limitWindow } = await import("@/lib/rate-limit");
    const whats: Array<[ProblemParams["limit:window"]["what"], number]> = [
      ["rooms", 3600],
      ["progress", 10],
      ["room-admin", 60],
      ["join-misses", 60],
      ["sessions", 60],
      ["inspector", 2],
      ["venn", 2],
    ];
    for (const [what, seconds] of whats) {
      const key = `i18n-window-${Math.random().toString(36).slice(2)}`;
      await limitWindow(rt.appConn, key, 1, seconds, what);
      const e = await limitWindow(rt.appConn, key, 1, seconds, what).then(
        () => null,
        (err: Error) => err,
      );
      expect(e?.message, what).toMatch(/^Too many /);
      expect(isSandboxError(e) && e.code, what).toBe("limit:window");
      expect(zhOfError(e), what).toMatch(/太多了：每 \d+ (小时|秒)最多 1 次。/);
    }
  });
});

describe("every problem code, in both languages", () => {
  const all = Object.entries(SAMPLES).map(([code, params]) => ({ code, params }) as Problem);

  it("words each code in English and in 中文, with its parameters", () => {
    const bad: string[] = [];
    for (const p of all) {
      const en = problemText(p, "en");
      const zh = problemText(p, "zh");
      if (!en || /undefined|\[object Object\]|NaN/.test(en)) bad.push(`${p.code} en: ${en}`);
      if (!zh || /undefined|\[object Object\]|NaN/.test(zh)) bad.push(`${p.code} zh: ${zh}`);
      // Chinese words, not the English again.
      if (!/[\u4e00-\u9fff]/.test(zh) || zh === en) bad.push(`${p.code} zh is not Chinese: ${zh}`);
      // A parameter the message should show is shown in both (strings given here as "<name>-x").
      for (const [k, v] of Object.entries(p.params)) {
        if (typeof v === "string" && v.endsWith("-x") && !(en.includes(v) && zh.includes(v))) bad.push(`${p.code} drops ${k}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("has one table per language with exactly the codes of lib/problems.ts", () => {
    expect(Object.keys(PROBLEMS.zh).sort()).toEqual(Object.keys(SAMPLES).sort());
    expect(Object.keys(PROBLEMS.en).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it("words a discarded transaction with its cause, in each language", () => {
    const cause: Problem = { code: "tx:queued-count", params: { count: 4 } };
    const p: Problem = { code: "tx:discarded", params: { cause } };
    expect(problemText(p)).toBe(problemText(cause));
    expect(problemText(p, "zh")).toBe(`事务被丢弃了：${problemText(cause, "zh")}`);
  });
});
