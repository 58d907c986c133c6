import type { CostDetail, CostHint, CostUnit, DeniedName, Problem, ProblemTable, QuotaWhat, WindowWhat } from "@/lib/problems";
import type { Locale } from "./locales";

/**
 * The playground's own problems in words (lib/problems.ts has the codes and
 * their parameters), in English and 简体中文. Each table is typed as
 * ProblemTable, so a code missing in one language is a type error. The
 * English is what the reply says (`(error) ERR …`, as Redis's own errors
 * read); a Chinese page shows the Chinese under it.
 */

const fmt = (n: number) => Math.round(n).toLocaleString("en");
/** Memory as the quota shows it: KB below a MB, one decimal. */
export const shownBytes = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);
const plural = (n: number, one: string, many: string) => `${fmt(n)} ${n === 1 ? one : many}`;

const DENIED_EN: Record<DeniedName, string> = {
  auth: "AUTH would change who the shared connection is; the playground signs you in for you.",
  hello: "HELLO would switch the shared connection's protocol for everyone; the console speaks RESP2, as redis-cli does by default.",
  reset: "RESET would reset the shared connection for every visitor.",
  select: "SELECT would switch the shared connection to another database; your keys live in your own namespace instead.",
  move: "MOVE copies a key to another database, outside your sandbox. Try COPY or RENAME within your keys.",
  swapdb: "SWAPDB swaps whole databases, including other visitors' data.",
  migrate: "MIGRATE moves keys to another server.",
  wait: "WAIT blocks the shared connection until replicas acknowledge writes.",
  quit: "QUIT would close the shared connection. Just close the tab when you are done.",
  restore: "RESTORE loads raw serialized payloads; it is not available in the playground.",
  "restore-asking": "RESTORE-ASKING is a cluster-internal command.",
  "pubsub|numpat": "PUBSUB NUMPAT counts every visitor's pattern subscriptions, not yours.",
  "memory|doctor": "MEMORY DOCTOR reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|stats": "MEMORY STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|malloc-stats": "MEMORY MALLOC-STATS reports on the whole server. Try MEMORY USAGE <key>.",
  "memory|purge": "MEMORY PURGE acts on the whole server.",
  pfdebug: "PFDEBUG is an internal debugging command of the server.",
  pfselftest: "PFSELFTEST is an internal test of the server.",
};

const DENIED_ZH: Record<DeniedName, string> = {
  auth: "AUTH 会改变共享连接的登录身份；练习场已经替你登录好了。",
  hello: "HELLO 会为所有人切换共享连接的协议；控制台和 redis-cli 默认一样使用 RESP2。",
  reset: "RESET 会重置所有访客共用的连接。",
  select: "SELECT 会把共享连接切换到另一个数据库；你的键放在你自己的命名空间里。",
  move: "MOVE 会把键复制到另一个数据库，也就是你的沙箱之外。可以在自己的键之间用 COPY 或 RENAME。",
  swapdb: "SWAPDB 会交换整个数据库，包括其他访客的数据。",
  migrate: "MIGRATE 会把键迁移到另一台服务器。",
  wait: "WAIT 会阻塞共享连接，直到副本确认写入。",
  quit: "QUIT 会关闭共享连接。用完直接关掉标签页即可。",
  restore: "RESTORE 加载原始序列化数据，练习场不提供。",
  "restore-asking": "RESTORE-ASKING 是集群内部命令。",
  "pubsub|numpat": "PUBSUB NUMPAT 统计的是所有访客的模式订阅，而不只是你的。",
  "memory|doctor": "MEMORY DOCTOR 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "memory|stats": "MEMORY STATS 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "memory|malloc-stats": "MEMORY MALLOC-STATS 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "memory|purge": "MEMORY PURGE 作用于整台服务器。",
  pfdebug: "PFDEBUG 是服务器内部的调试命令。",
  pfselftest: "PFSELFTEST 是服务器的内部自检。",
};

export const COST_HINTS_EN: Record<CostHint, string> = {
  lcs: "LCS fills a table of one cell per pair of bytes: compare shorter strings (GETRANGE can cut them).",
  sort: "Sort a smaller key (LIMIT does not help: Redis sorts everything first), or keep the data in a sorted set and read it with ZRANGE … LIMIT.",
  sets: "Combine smaller sets, or fewer of them; SSCAN reads a big set in pieces.",
  zsets: "Combine smaller sorted sets, or fewer of them.",
  list: "Read a smaller range, e.g. LRANGE key 0 999.",
  zrange: "Read a smaller range, e.g. ZRANGE key 0 999, or add LIMIT offset count.",
  smembers: "Read it in pieces with SSCAN key 0 COUNT 100, or test members with SISMEMBER.",
  hash: "Read it in pieces with HSCAN key 0 COUNT 100, or read fields with HGET/HMGET.",
  count: "Ask for fewer elements at once (a smaller COUNT).",
  stream: "Read fewer entries at once: add COUNT, e.g. COUNT 100.",
  scan: "Scan fewer elements: LPOS takes MAXLEN, e.g. LPOS key element MAXLEN 1000.",
  match: "Use a smaller COUNT, or a pattern with less after its first *.",
  command: "Ask about the commands you need by name: COMMAND INFO get set, COMMAND DOCS get.",
  publish: "Publish a shorter message, or subscribe to fewer patterns in this sandbox.",
  geo: "Keep fewer points per key (one key per region, say): a search is estimated from the number of points in its key.",
  bits: "Work on a smaller range or on shorter strings (BITCOUNT and BITPOS take start and end).",
  hll: "Count or merge fewer HyperLogLogs at once: each one is up to 16,384 registers.",
  copy: "Copy or dump a smaller key.",
  lolwut: "Draw a smaller picture: fewer columns, rows or squares.",
  remove: "Remove a smaller range at a time.",
  lrem: "Remove from a shorter list.",
  linsert: "Insert into a shorter list.",
  samples: "Use fewer SAMPLES (the default, 5, estimates well).",
  xinfo: "Ask for fewer entries: XINFO STREAM key FULL COUNT 10.",
  other: "Run it on smaller keys.",
};

export const COST_HINTS_ZH: Record<CostHint, string> = {
  lcs: "LCS 要为每一对字节填一个表格单元：请比较更短的字符串（可以用 GETRANGE 截取）。",
  sort: "请对更小的键排序（LIMIT 没有用：Redis 会先把所有元素排好序），或者把数据放进有序集合，用 ZRANGE … LIMIT 读取。",
  sets: "请合并更小或更少的集合；大集合可以用 SSCAN 分批读取。",
  zsets: "请合并更小或更少的有序集合。",
  list: "请读取更小的范围，例如 LRANGE key 0 999。",
  zrange: "请读取更小的范围，例如 ZRANGE key 0 999，或者加上 LIMIT offset count。",
  smembers: "请用 SSCAN key 0 COUNT 100 分批读取，或者用 SISMEMBER 检查单个成员。",
  hash: "请用 HSCAN key 0 COUNT 100 分批读取，或者用 HGET/HMGET 读取单个字段。",
  count: "请一次少取一些元素（用更小的 COUNT）。",
  stream: "请一次少读一些条目：加上 COUNT，例如 COUNT 100。",
  scan: "请少扫描一些元素：LPOS 可以加 MAXLEN，例如 LPOS key element MAXLEN 1000。",
  match: "请用更小的 COUNT，或者让模式在第一个 * 之后短一些。",
  command: "请按名字查询你需要的命令：COMMAND INFO get set、COMMAND DOCS get。",
  publish: "请发布更短的消息，或者在这个沙箱里少订阅一些模式。",
  geo: "请让每个键里少放一些点（例如每个地区一个键）：一次搜索的开销按键里点的数量估算。",
  bits: "请处理更小的范围或更短的字符串（BITCOUNT 和 BITPOS 可以指定 start 和 end）。",
  hll: "请一次少统计或少合并一些 HyperLogLog：每个最多有 16,384 个寄存器。",
  copy: "请复制或导出更小的键。",
  lolwut: "请画一张更小的图：更少的列、行或方块。",
  remove: "请一次删除更小的范围。",
  lrem: "请在更短的列表里删除。",
  linsert: "请在更短的列表里插入。",
  samples: "请用更少的 SAMPLES（默认的 5 已经估得不错）。",
  xinfo: "请少要一些条目：XINFO STREAM key FULL COUNT 10。",
  other: "请在更小的键上运行它。",
};

const UNIT_EN: Record<CostUnit, [string, string]> = {
  elements: ["element", "elements"],
  entries: ["entry", "entries"],
  points: ["point", "points"],
  pixels: ["pixels", "pixels"],
  cells: ["cells", "cells"],
  keys: ["key", "keys"],
  sets: ["set", "sets"],
  strings: ["string", "strings"],
  bytes: ["bytes", "bytes"],
};
const UNIT_ZH: Record<CostUnit, string> = {
  elements: "个元素",
  entries: "个条目",
  points: "个点",
  pixels: "个像素",
  cells: "个单元格",
  keys: "个键",
  sets: "个集合",
  strings: "个字符串",
  bytes: "字节",
};

function detailEn(d: CostDetail): string {
  if ("lcs" in d) return `${fmt(d.lcs[0])} × ${fmt(d.lcs[1])} bytes`;
  if ("channels" in d) return `${fmt(d.channels)} of your channels matched, ${fmt(d.total)} in all`;
  if ("table" in d) return "every command of the server";
  if ("publish" in d) return `${fmt(d.publish)} bytes to ${plural(d.subscriptions, "subscription", "subscriptions")}`;
  const parts = d.parts.map(([n, u]) => plural(n, ...UNIT_EN[u])).join(", ");
  return `${parts}${d.sorted ? `, sorted as ${d.sorted}` : ""}${d.matched ? " matched against a pattern with a * inside" : ""}`;
}

function detailZh(d: CostDetail): string {
  if ("lcs" in d) return `${fmt(d.lcs[0])} × ${fmt(d.lcs[1])} 字节`;
  if ("channels" in d) return `要匹配你的 ${fmt(d.channels)} 个频道，服务器上共 ${fmt(d.total)} 个`;
  if ("table" in d) return "服务器的全部命令";
  if ("publish" in d) return `${fmt(d.publish)} 字节，发往 ${fmt(d.subscriptions)} 个订阅`;
  const parts = d.parts.map(([n, u]) => `${fmt(n)} ${UNIT_ZH[u]}`).join("，");
  return `${parts}${d.sorted === "strings" ? "，按字符串排序" : d.sorted === "numbers" ? "，按数字排序" : ""}${d.matched ? "，要和一个中间带 * 的模式逐一匹配" : ""}`;
}

function whatEn(w: QuotaWhat): string {
  if ("queued" in w) return `this transaction's ${plural(w.queued, "queued command", "queued commands")}`;
  return w.queuedBefore ? `this ${w.command}, with the ${plural(w.queuedBefore, "command", "commands")} queued before it,` : `this ${w.command}`;
}

function whatZh(w: QuotaWhat): string {
  if ("queued" in w) return `这个事务排队的 ${fmt(w.queued)} 条命令`;
  return w.queuedBefore ? `这条 ${w.command}（连同它之前排队的 ${fmt(w.queuedBefore)} 条命令）` : `这条 ${w.command}`;
}

const WINDOW_EN: Record<WindowWhat, string> = {
  rooms: "workshops opened from your network",
  progress: "progress reports",
  "room-admin": "resets, ends and dispatches for this workshop",
  "join-misses": "join codes that do not exist, from your network",
  sessions: "new sandboxes from your network",
  inspector: "key inspector refreshes",
  venn: "Venn diagram refreshes",
  rotations: "new passwords for your own clients",
};
const WINDOW_ZH: Record<WindowWhat, string> = {
  rooms: "你所在网络开设的工作坊",
  progress: "进度报告",
  "room-admin": "这个工作坊的重置、结束和派发操作",
  "join-misses": "你所在网络尝试的不存在的加入码",
  sessions: "来自你所在网络的新沙箱",
  inspector: "键查看器的刷新",
  venn: "维恩图的刷新",
  rotations: "为你自己的客户端换新密码",
};
const windowHintEn: Partial<Record<WindowWhat, string>> = {
  "join-misses": "Check the code on the screen. ",
  sessions: "Keep using the session you have (its cookie, or its token): each new one is a sandbox of its own. ",
};
const windowHintZh: Partial<Record<WindowWhat, string>> = {
  "join-misses": "请核对屏幕上的加入码。",
  sessions: "请继续使用你已有的会话（它的 cookie 或令牌），每个会话都是一个独立的沙箱。",
};
const spanEn = (s: number) => (s >= 3600 ? `${s / 3600} h` : `${s} s`);
const spanZh = (s: number) => (s >= 3600 ? `${s / 3600} 小时` : `${s} 秒`);

const EN: ProblemTable = {
  "line:empty": () => "Empty command: type a Redis command, e.g. SET greeting hello, or HELP.",
  "line:too-long": (p) => `The command line is longer than the playground's limit of ${p.limit} bytes.`,
  "line:too-many-args": (p) => `Too many arguments (${p.argc}); the playground's limit is ${p.limit}.`,
  "line:args-bytes": (p) => `The command's arguments add up to ${p.total} bytes; the playground's limit is ${p.limit} bytes.`,
  "line:arg-too-big": (p) => `Argument ${p.index} is ${p.bytes} bytes; the playground's limit is ${p.limit} bytes.`,
  "line:unbalanced-quote": (p) =>
    `Unbalanced ${p.quote} quote: the ${p.quote === "double" ? '"' : "'"} opened at column ${p.column} is never closed, so redis-cli sends nothing. Close it, or escape it (\\${p.quote === "double" ? '"' : "'"}) inside quotes.`,
  "line:quote-then-char": (p) =>
    `A closing ${p.quote === "double" ? '"' : "'"} must be followed by a space or the end of the line (the argument at column ${p.column}), so redis-cli sends nothing.`,
  "help:unknown": (p) => `No help for '${p.words}': not a command this Redis knows. Tab completes command names.`,
  "command:nul-name": (p) => `The command name "${p.name}" contains a NUL byte, which Redis would read as the end of the name; the playground does not run it.`,
  "command:nul-subcommand": (p) => `The subcommand "${p.name}" contains a NUL byte, which Redis would read as its end; the playground does not run it.`,
  "command:denied": (p) => DENIED_EN[p.name],
  "command:scripting": (p) => `${p.command} runs server-side scripts, which could reach outside your sandbox. Run the commands one by one instead.`,
  "command:admin": (p) => `${p.command} administers the whole server, which is shared with other visitors.`,
  "command:needs-stream": (p) =>
    `${p.command} needs a live stream: in the console it opens one by itself; over the API, use GET /api/v1/stream?channels=a,b&patterns=p*&shards=s, or the Redis endpoint.`,
  "command:connection": (p) => `${p.command} changes or inspects the shared connection, which every visitor uses.`,
  "command:unavailable": (p) => `${p.command} is not available in the playground.`,
  "command:copy-db": () => "COPY … DB copies into another database, outside your sandbox. Leave out DB to copy within your keys.",
  "command:emulated-in-multi": (p) =>
    `${p.command} is answered by the playground itself, so it cannot be queued inside MULTI. This transaction will be discarded at EXEC.`,
  "command:cannot-loop": (p) => `${p.command} cannot run in a loop here.`,
  "command:console-help": (p) => `${p.command} is answered by the console`,
  "keys:unreadable": (p) => `${p.command} names its keys in a way the playground cannot check, so it is not available here.`,
  "keys:repeated-keyword": (p) =>
    `${p.keyword} appears more than once in this ${p.command}; the playground runs it only when ${p.keyword} appears once (a ${p.what} may not be named ${p.keyword} here).`,
  "keys:none-found": (p) => `The server found no keys in this ${p.command} (${p.why}); check its arguments with HELP ${p.command}.`,
  "keys:mismatch": (p) => `The playground could not match this ${p.command}'s keys with the server's; it was not run.`,
  "args:nul-keyword": (p) =>
    `Argument ${p.index} ("${p.shown}") would be read by Redis as the keyword ${p.keyword}, up to its NUL byte; the playground does not run keywords with NUL bytes.`,
  "args:repeated-option": (p) => `${p.keyword} appears more than once in this ${p.command}; the playground runs it only when each option is given once.`,
  "args:unreadable-options": (p) => `The playground could not read this ${p.command}'s options; check them with HELP ${p.command}.`,
  "args:timeout-format": (p) =>
    `The playground needs ${p.command}'s timeout as a plain number of ${p.unit === "seconds" ? "seconds, e.g. 5 or 0.5" : "milliseconds, e.g. 5000"} (got "${p.got}").`,
  "sort:by-pattern": (p) =>
    `${p.command} … BY with a "*" pattern reads other keys, which the playground does not allow. Sort by the elements themselves, or use BY nosort.`,
  "sort:get-pattern": (p) =>
    `${p.command} … GET reads other keys by pattern, which the playground does not allow. Sort the elements themselves and look them up one by one.`,
  "glob:name-too-long": (p) =>
    `${p.channel ? "Channel" : "Argument"} ${p.index} is a name of ${fmt(p.bytes)} bytes; the playground allows names (keys, channels, members, fields, groups, consumers) of up to ${fmt(p.limit)} bytes, so that pattern matching stays fast for everyone. Values may be longer.`,
  "glob:pattern-too-long": (p) =>
    `The pattern of this ${p.command} is ${fmt(p.bytes)} bytes; the playground allows patterns of up to ${fmt(p.limit)} bytes, so that matching stays fast for everyone.`,
  "glob:patterns-cost": (p) =>
    `Your sandbox's live pattern subscriptions would cost about ${fmt(p.units)} units of work for every message published in it; the playground allows ${fmt(p.limit)}, so that publishing stays fast for everyone. Unsubscribe from some patterns, or use patterns with less after their first *.`,
  "size:string": (p) => `${p.command} would grow the string to ${fmt(p.bytes)} bytes; the playground's limit is ${fmt(p.limit)} bytes per string.`,
  "size:negative-count": (p) => `${p.command} with count ${p.count} would return ${-p.count} elements; the playground allows a count down to -${p.limit}.`,
  "cost:command": (p) =>
    `${p.command} is estimated at ${fmt(p.units)} units of work${p.detail ? ` (${detailEn(p.detail)})` : ""}; the playground allows ${fmt(p.limit)} per command, so that every visitor's commands stay fast. ${COST_HINTS_EN[p.hint]}`,
  "cost:reply": (p) =>
    `${p.command} would make Redis build a reply of about ${fmt(p.bytes)} bytes; the playground allows ${fmt(p.limit)} bytes per reply. Ask for each value once, or for fewer values.`,
  "cost:unknown": (p) =>
    `The playground could not estimate what this ${p.command} would cost, so it did not run it. Check its arguments with HELP ${p.command}.`,
  "tx:queued-count": (p) =>
    `This transaction already queues ${fmt(p.count)} commands, the playground's limit for one MULTI; it will be discarded at EXEC. Split it into smaller transactions.`,
  "tx:queued-bytes": (p) =>
    `This ${p.command} would bring the transaction's queued arguments to ${fmt(p.bytes)} bytes; the playground allows ${fmt(p.limit)} bytes per MULTI. The transaction will be discarded at EXEC; split it into smaller ones.`,
  "tx:reply": (p) =>
    `This ${p.command} (a reply of about ${fmt(p.bytes)} bytes) would bring the transaction's replies to ${fmt(p.total)} bytes; the playground allows ${fmt(p.limit)} bytes per EXEC. ` +
    "The transaction will be discarded at EXEC; read big values outside MULTI, or in several transactions.",
  "tx:cost": (p) =>
    `This ${p.command} (about ${fmt(p.units)} units of work) would bring the transaction to ${fmt(p.total)} units; the playground allows ${fmt(p.limit)} per transaction, ` +
    "as for one command. The transaction will be discarded at EXEC; run the heavy commands outside MULTI, or in several transactions.",
  "tx:late": () => "This command arrived after its transaction ended (an EXEC, DISCARD or UNWATCH sent at the same time came first); it was not run.",
  "tx:discarded": (p) => EN[p.cause.code](p.cause.params as never),
  "quota:full": (p) =>
    `Your sandbox is full: ${plural(p.keys, "key", "keys")} using ${shownBytes(p.bytes)}, and ${whatEn(p.what)} would add up to ${plural(p.addKeys, "key", "keys")} and ${shownBytes(p.addBytes)}; ` +
    `the playground allows ${plural(p.maxKeys, "key", "keys")} and ${shownBytes(p.maxBytes)} per visitor. Delete some keys (DEL, or FLUSHDB for all of yours) and try again.`,
  "quota:address": (p) =>
    `Your network's sandboxes already use ${shownBytes(p.others)} beside this one, and ${whatEn(p.what)} would bring this one to ${shownBytes(p.after)}; ` +
    `the playground allows ${shownBytes(p.limit)} per client address, for all its sandboxes together. Delete some keys (FLUSHDB) in sandboxes you no longer use and try again.`,
  "notice:timeout-capped": (p) =>
    `${p.command}'s timeout ${p.asked === 0 ? "0 (forever)" : `${p.asked} ${p.unit}`} was capped at ${p.cap} s in the playground.`,
  "notice:reply-cut": (p) => `The reply was cut to ${p.items} elements and ${p.bytes} bytes for the browser.`,
  "lease:idle": (p) => `Your ${p.what} was discarded after ${p.seconds} s without a command; its connection went back to the pool. Start again.`,
  "lease:lost": () => "The connection holding your transaction was lost, so the transaction was discarded.",
  "lease:login": () => "The transaction's connection could not sign in as your sandbox.",
  "limit:transactions": (p) => `You already have ${p.n} transactions open (one per console tab, at most ${p.max}). Finish one with EXEC or DISCARD first.`,
  "limit:blocking": (p) => `You already have ${p.n} blocking commands waiting (at most ${p.max} at once). Wait for one to return.`,
  "limit:connections-address": (p) =>
    `Your network already holds ${p.n} dedicated connections (for transactions and blocking commands; at most ${p.perIp} per address, of ${p.max} in all). Finish a MULTI with EXEC or DISCARD, or wait for a blocking command to return.`,
  "limit:connections": (p) =>
    `The playground is busy: all ${p.max} dedicated connections (for transactions and blocking commands) are in use. Try again in a few seconds.`,
  "limit:commands-session": (p) => `Too many commands: the playground allows ${p.max} per second per visitor. Wait a second and try again.`,
  "limit:commands-address": (p) =>
    `Too many commands from your network: the playground allows ${p.max} per second per IP address. Wait a second and try again.`,
  "limit:work": (p) =>
    `Too much work at once: the playground allows about ${fmt(p.rate)} units of work per second ${p.who === "visitor" ? "per visitor" : "per network address"} (≈ ${p.ms} ms of Redis time), and your recent commands used more. Try again in ${p.wait} s.`,
  "limit:in-flight": (p) =>
    `You have ${p.n} commands running at once; the playground runs at most ${p.max} per visitor at the same time. Wait for one to finish.`,
  "limit:window": (p) => `Too many ${WINDOW_EN[p.what]}: at most ${p.max} every ${spanEn(p.seconds)}. ${windowHintEn[p.what] ?? ""}Try again in ${p.wait} s.`,
  "limit:joins": (p) => `Too many joins from your network at once: at most ${p.max} a minute. Try again in ${p.wait} s.`,
  "limit:fail-closed": (p) => `The playground could not count this request against its rate limit, so it refused it to be safe. Try again in ${p.wait} s.`,
  "stream:per-session": (p) => `Too many live streams open at once (at most ${p.max}); close some tabs.`,
  "stream:per-address": (p) => `Too many live streams from your network: ${p.n} are open (at most ${p.max} per address). Close some tabs, or try again later.`,
  "stream:total": (p) => `The playground has ${p.n} live streams open, its limit; try again in a minute.`,
  "stream:empty-name": () => "A channel name must not be empty.",
  "stream:long-name": () => "A channel name is at most 4,096 characters.",
  "stream:too-many": () => "One live stream follows at most 50 channels, 50 patterns and 50 shard channels.",
  "stream:none": () => "Give at least one channel (?channels=a,b), pattern (?patterns=news.*) or shard channel (?shards=a).",
  "scenario:already": (p) => `A ${p.kind} run of yours is already going (in this or another tab). Cancel it or wait for it to end.`,
  "scenario:per-session": (p) => `You already have ${p.n} scenarios running (at most ${p.max}). Wait for one to end.`,
  "scenario:per-address": (p) => `Your network already has ${p.n} scenarios running (at most ${p.max} per address). Wait for one to end.`,
  "scenario:connections-address": (p) =>
    `The workers of the scenarios running from your network already hold ${p.held} connections (at most ${p.max}), and this run needs ${p.needs}. Use fewer workers, or wait for a run to end.`,
  "scenario:total": (p) => `The playground is running many scenarios right now (${p.n}, its limit); try again in a minute.`,
  "scenario:connections": (p) =>
    `The playground is running many scenarios right now: their workers hold ${p.held} of ${p.max} connections; try again in a minute, or use fewer workers.`,
  "scenario:unknown": (p) => `No scenario "${p.name}". There are: ${p.names}.`,
  "scenario:no-run": () => "No such run of yours is going (it may have ended).",
  "scenario:cancelled": () => "Cancelled.",
  "scenario:failed": () => "The scenario failed on the server.",
  "scenario:master-failed": (p) => `The master's ${p.command} failed: ${p.error}`,
  "scenario:workers": () => "With pub/sub, each worker subscribes to its own channel: give at most as many workers as channels.",
  "scenario:dispatch-failed": () => "The master could not dispatch a job.",
  "scenario:start-failed": () => "The job queue could not start.",
  "room:not-joined": () => "This session has not joined a workshop, so it has no shared room to run in.",
  "room:ended-shared": () => "This workshop has ended; its shared keys are gone. Your own sandbox is still yours.",
  "room:store": () => "The workshop store did not answer as expected; try again.",
  "room:no-code": () => "Could not find a free join code; try again.",
  "room:token": () => "This needs the instructor's token (Authorization: Bearer <instructorToken>).",
  "room:instructor-only": () => "Only the workshop's instructor can do this.",
  "room:not-found": (p) => `No workshop with the code ${p.code}. Check the code on the screen.`,
  "room:ended": () => "This workshop has ended.",
  "room:full": (p) => `This workshop is full (${p.max} students).`,
  "room:name-taken": (p) => `The name "${p.name}" is taken in this workshop; pick another.`,
  "room:capacity": () => "The playground is hosting as many workshops as it can; try again later.",
  "room:code-format": () => "A join code is 6 letters and digits, e.g. K7QPXM.",
  "room:not-member": () => "You are not in this workshop.",
  "room:title-empty": () => "Give the workshop a title.",
  "room:title-long": () => "A title is at most 100 characters.",
  "room:lessons-empty": () => "Pick at least one lesson.",
  "room:name-empty": () => "Give a display name.",
  "room:name-long": () => "A name is at most 40 characters.",
  "room:name-control": () => "A name cannot hold control characters.",
  "room:message-empty": () => "The message is empty.",
  "room:message-long": () => "A message is at most 500 characters.",
  "request:invalid": (p) => `${p.detail}${p.field ? ` (at ${p.field})` : ""}`,
  "request:method": (p) => `Use ${p.allow}.`,
  "request:no-route": (p) => `No API route ${p.method} ${p.path}. See the README for ${p.see}.`,
  "request:body-too-large": (p) => `Request body is larger than ${p.max} bytes.`,
  "request:empty-body": () => 'Empty body: send JSON such as {"command": "PING"} with content-type: application/json.',
  "request:content-type": (p) => `Content-Type must be application/json (got "${p.got}").`,
  "request:bad-json": (p) => `Body is not valid JSON: ${p.detail}`,
  "request:session-body": () => "POST /api/v1/sessions takes an empty JSON object {} (or no body).",
  "request:exec-body": () => 'Body must be {"command": "<redis command line>"} or {"argv": ["CMD", "arg", …]}, and nothing else.',
  "request:argv-length": (p) => `"argv" has ${p.n} elements; the playground's limit is ${p.max} arguments.`,
  "request:scope": () => 'X-Playground-Scope must be "own" (your sandbox, the default) or "room" (your workshop\'s shared keys).',
  "request:unknown-scope": (p) => `No such scope: ${p.scope}.`,
  "request:worker-body": () => 'Body must be {"worker": <1–10>}.',
  "request:invalid-line": () => "The command line is longer than 1 MiB.",
  "request:invalid-tab": () => "Invalid console tab id.",
  "request:invalid-locale": () => "Invalid language: use en or zh.",
  "request:unknown-exercise": () => "Unknown lesson or exercise.",
  "request:invalid-sets": () => "Invalid set names.",
  "request:invalid-progress": () => "Invalid progress report.",
  "session:missing": () => "Missing or invalid session. Create one with POST /api/v1/sessions.",
  "session:cross-site": (p) =>
    `${p.route} only takes requests from the playground's own pages; this one came from ${p.from === "same-site" ? "another site of the same domain" : "another site"} (Sec-Fetch-Site: ${p.header}). Open the playground's own page, or call the API from a script (curl and other clients send neither Origin nor Sec-Fetch-Site).`,
  "session:cross-origin": (p) =>
    `${p.route} only takes requests from the playground's own pages; this one came from ${JSON.stringify(p.origin)}, not from ${p.host || "this host"}. Open the playground's own page, or call the API from a script (curl and other clients send neither Origin nor Sec-Fetch-Site).`,
  "session:content-type": (p) =>
    `${p.route} needs Content-Type: application/json (got "${p.got || "none"}"), e.g. curl -H 'content-type: application/json' ${p.example}.`,
  "redis:unavailable": () => "Redis is unavailable right now; retrying. Your data is safe — try again in a moment.",
  "server:busy": () => "The playground is busy; try again in a few seconds.",
  "server:internal": () => "Internal error.",
  "server:failed": () => "Something went wrong on the server; your data is unchanged.",
  "server:forbidden": () => "Forbidden.",
  "server:conflict": () => "That is already going.",
  "server:not-found": () => "Not found.",
  "server:bad-request": () => "Bad request.",
  "server:method": () => "Method not allowed.",
  "server:rate-limited": () => "Too many commands; slow down.",
  "server:too-large": () => "Request body too large.",
  "client:no-answer": () => "The app server did not answer.",
  "client:http": (p) => `The app server answered HTTP ${p.status}.`,
  "endpoint:session-connections": (p) =>
    `Your session already has ${p.max} clients connected to the playground's endpoint, its limit. Close one (QUIT, or stop its program) and connect again.`,
  "endpoint:address-connections": (p) =>
    `Your network already has ${p.max} connections open to the playground's endpoint, its limit for one address. Close some and connect again.`,
  "endpoint:connections": (p) => `The playground's endpoint is serving ${p.max} connections, all it takes. Try again in a minute.`,
  "endpoint:wrong-passwords": (p) =>
    `Too many wrong passwords from your network (at most ${p.max} a minute). Try again in ${p.wait} s, with the password the playground's "Connect your own client" panel shows.`,
  "endpoint:reply-too-large": (p) =>
    `This reply is larger than the playground's endpoint sends to a client (${p.limit} bytes). Ask for less at a time: a range (LRANGE key 0 99), or SCAN/HSCAN/SSCAN/ZSCAN with COUNT.`,
  "endpoint:off": () => "The Redis endpoint for your own clients is off on this server (PLAYGROUND_RESP_PORT=off).",
  "endpoint:select": () => "The playground gives each visitor one database, number 0: SELECT 0 works, other numbers do not.",
  "endpoint:subscribe-in-multi": (p) =>
    `The playground's endpoint does not run ${p.command} inside MULTI: subscribe outside the transaction. This transaction is discarded; EXEC answers EXECABORT.`,
  "endpoint:unsupported": (p) =>
    `${p.command} is not available on the playground's endpoint: it would reach beyond your own connection or sandbox on a shared Redis.`,
  "endpoint:subscriptions": (p) =>
    `One connection may hold at most ${p.max} channels, patterns and shard channels on the playground's endpoint. Unsubscribe from some first.`,
  "command:hello-resp3": () =>
    "HELLO 3 would switch to RESP3, and the console speaks RESP2, as redis-cli does by default. For RESP3, connect a client of your own to the playground's Redis endpoint (redis-cli -3).",
  "command:hello-auth": () => "HELLO … AUTH would sign in as another user; the playground signs you in for you. Leave out AUTH.",
  "command:client-name-long": (p) => `This client name is ${fmt(p.bytes)} bytes; the playground keeps names of up to ${fmt(p.limit)} bytes.`,
};

const ZH: ProblemTable = {
  "line:empty": () => "空命令：请输入一条 Redis 命令，例如 SET greeting hello，或者 HELP。",
  "line:too-long": (p) => `这行命令超过了练习场 ${p.limit} 字节的上限。`,
  "line:too-many-args": (p) => `参数太多（${p.argc} 个）；练习场最多允许 ${p.limit} 个。`,
  "line:args-bytes": (p) => `这条命令的参数合计 ${p.total} 字节；练习场的上限是 ${p.limit} 字节。`,
  "line:arg-too-big": (p) => `第 ${p.index} 个参数有 ${p.bytes} 字节；练习场的上限是 ${p.limit} 字节。`,
  "line:unbalanced-quote": (p) =>
    `第 ${p.column} 列开始的${p.quote === "double" ? "双" : "单"}引号没有闭合，所以 redis-cli 什么也没有发送。请闭合它，或者在引号里把它转义（\\${p.quote === "double" ? '"' : "'"}）。`,
  "line:quote-then-char": (p) =>
    `第 ${p.column} 列的参数在闭合的${p.quote === "double" ? "双" : "单"}引号后面必须是空格或行尾，所以 redis-cli 什么也没有发送。`,
  "help:unknown": (p) => `没有“${p.words}”的帮助：这个 Redis 不认识这条命令。按 Tab 可以补全命令名。`,
  "command:nul-name": (p) => `命令名 "${p.name}" 里有一个 NUL 字节，Redis 会把它当作命令名的结尾；练习场不运行这样的命令。`,
  "command:nul-subcommand": (p) => `子命令 "${p.name}" 里有一个 NUL 字节，Redis 会把它当作子命令的结尾；练习场不运行这样的命令。`,
  "command:denied": (p) => DENIED_ZH[p.name],
  "command:scripting": (p) => `${p.command} 会在服务器端运行脚本，可能触及沙箱之外，所以练习场不提供。请把命令逐条运行。`,
  "command:admin": (p) => `${p.command} 管理的是整台服务器，而这台服务器由所有访客共用，所以练习场不提供。`,
  "command:needs-stream": (p) => `${p.command} 需要一条实时消息流：在控制台里输入它会自动打开；通过 API 请用 GET /api/v1/stream（或练习场的 Redis 端点）。`,
  "command:connection": (p) => `${p.command} 会修改或查看所有访客共用的连接，所以练习场不提供。`,
  "command:unavailable": (p) => `练习场不提供 ${p.command}。`,
  "command:copy-db": () => "COPY … DB 会复制到另一个数据库，也就是你的沙箱之外。去掉 DB 就能在自己的键之间复制。",
  "command:emulated-in-multi": (p) => `${p.command} 由练习场自己回答，不能放进 MULTI 排队；这个事务会在 EXEC 时被丢弃。`,
  "command:cannot-loop": (p) => `${p.command} 不能在这里循环运行。`,
  "command:console-help": (p) => `${p.command} 由控制台回答。`,
  "keys:unreadable": (p) => `${p.command} 指定键的方式让练习场无法检查，所以这里不提供。`,
  "keys:repeated-keyword": (p) =>
    `${p.keyword} 在这条 ${p.command} 里出现了不止一次；只有出现一次时练习场才会运行它（这里的${p.what === "key" ? "键" : "键或值"}不能叫 ${p.keyword}）。`,
  "keys:none-found": (p) => `服务器在这条 ${p.command} 里找不到键（${p.why}），所以没有运行。用 HELP ${p.command} 检查它的参数。`,
  "keys:mismatch": (p) => `练习场无法把这条 ${p.command} 的键与服务器的判断对上，所以没有运行。`,
  "args:nul-keyword": (p) => `第 ${p.index} 个参数（"${p.shown}"）会被 Redis 读成关键字 ${p.keyword}（读到 NUL 字节为止）；练习场不运行带 NUL 字节的关键字。`,
  "args:repeated-option": (p) => `${p.keyword} 在这条 ${p.command} 里出现了不止一次；每个选项只出现一次时练习场才会运行它。`,
  "args:unreadable-options": (p) => `练习场读不懂这条 ${p.command} 的选项。用 HELP ${p.command} 检查它们。`,
  "args:timeout-format": (p) =>
    `练习场要求 ${p.command} 的超时是一个普通的${p.unit === "seconds" ? "秒数，例如 5 或 0.5" : "毫秒数，例如 5000"}（收到的是 "${p.got}"）。`,
  "sort:by-pattern": (p) => `${p.command} … BY 带 "*" 的模式会读取别的键，练习场不允许。请按元素本身排序，或者用 BY nosort。`,
  "sort:get-pattern": (p) => `${p.command} … GET 会按模式读取别的键，练习场不允许。请先排序元素本身，再逐个查找。`,
  "glob:name-too-long": (p) =>
    `第 ${p.index} 个${p.channel ? "频道" : "参数"}是一个 ${fmt(p.bytes)} 字节的名字；练习场里的名字（键、频道、成员、字段、消费者组、消费者）最多 ${fmt(p.limit)} 字节，这样模式匹配对每个人都很快。${p.channel ? "" : "值可以更长。"}`,
  "glob:pattern-too-long": (p) => `这条 ${p.command} 的模式有 ${fmt(p.bytes)} 字节；练习场允许的模式最多 ${fmt(p.limit)} 字节，这样匹配对每个人都很快。`,
  "glob:patterns-cost": (p) =>
    `你的沙箱里正在生效的模式订阅，每发布一条消息大约要花 ${fmt(p.units)} 个工作单位；练习场最多允许 ${fmt(p.limit)} 个，这样发布对每个人都很快。请退订一些模式，或者让模式在第一个 * 之后短一些。`,
  "size:string": (p) => `${p.command} 会让字符串增长到 ${fmt(p.bytes)} 字节；练习场每个字符串最多 ${fmt(p.limit)} 字节。`,
  "size:negative-count": (p) => `${p.command} 的计数 ${p.count} 会返回 ${-p.count} 个元素；练习场允许的计数最小为 -${p.limit}。`,
  "cost:command": (p) =>
    `${p.command} 预计需要 ${fmt(p.units)} 个工作单位${p.detail ? `（${detailZh(p.detail)}）` : ""}；练习场每条命令最多允许 ${fmt(p.limit)} 个，以保证每位访客的命令都能很快完成。${COST_HINTS_ZH[p.hint]}`,
  "cost:reply": (p) =>
    `${p.command} 会让 Redis 构造一个约 ${fmt(p.bytes)} 字节的回复；练习场每个回复最多允许 ${fmt(p.limit)} 字节。每个值只请求一次，或者少请求一些值。`,
  "cost:unknown": (p) => `练习场无法估算这条 ${p.command} 的开销，所以没有运行它。用 HELP ${p.command} 检查它的参数。`,
  "tx:queued-count": (p) => `这个事务已经排了 ${fmt(p.count)} 条命令，达到练习场对一个 MULTI 的上限；它会在 EXEC 时被丢弃。请把它拆成几个更小的事务。`,
  "tx:queued-bytes": (p) =>
    `这条 ${p.command} 会让事务排队的参数达到 ${fmt(p.bytes)} 字节；练习场每个 MULTI 最多允许 ${fmt(p.limit)} 字节。这个事务会在 EXEC 时被丢弃；请把它拆成几个更小的事务。`,
  "tx:reply": (p) =>
    `这条 ${p.command}（回复约 ${fmt(p.bytes)} 字节）会让事务的回复合计达到 ${fmt(p.total)} 字节；练习场每个 EXEC 最多允许 ${fmt(p.limit)} 字节。这个事务会在 EXEC 时被丢弃；请在 MULTI 之外读取大的值，或分成几个事务。`,
  "tx:cost": (p) =>
    `这条 ${p.command}（约 ${fmt(p.units)} 个工作单位）会让事务的预计开销达到 ${fmt(p.total)} 个单位；练习场每个事务和每条命令一样，最多允许 ${fmt(p.limit)} 个。这个事务会在 EXEC 时被丢弃；请把开销大的命令放到 MULTI 之外，或分成几个事务。`,
  "tx:late": () => "这条命令在它的事务结束之后才到达（同时发出的 EXEC、DISCARD 或 UNWATCH 先到了），所以没有运行。",
  "tx:discarded": (p) => `事务被丢弃了：${ZH[p.cause.code](p.cause.params as never)}`,
  "quota:full": (p) =>
    `你的沙箱满了：已有 ${fmt(p.keys)} 个键，占用 ${shownBytes(p.bytes)}，而${whatZh(p.what)}最多还会增加 ${fmt(p.addKeys)} 个键、${shownBytes(p.addBytes)}；每位访客最多 ${fmt(p.maxKeys)} 个键、${shownBytes(p.maxBytes)}。请删掉一些键（DEL，或用 FLUSHDB 清空你的全部键）后再试。`,
  "quota:address": (p) =>
    `你所在网络的沙箱除这个之外已经占用 ${shownBytes(p.others)}，而${whatZh(p.what)}会让这个沙箱达到 ${shownBytes(p.after)}；练习场每个客户端地址的所有沙箱合计最多 ${shownBytes(p.limit)}。请在不再使用的沙箱里删掉一些键（FLUSHDB）后再试。`,
  "notice:timeout-capped": (p) =>
    `${p.command} 的超时 ${p.asked === 0 ? "0（永远）" : `${p.asked} ${p.unit === "s" ? "秒" : "毫秒"}`}在练习场里被限制为 ${p.cap} 秒。`,
  "notice:reply-cut": (p) => `回复已截断为 ${p.items} 个元素、${p.bytes} 字节，以便在浏览器中显示。`,
  "lease:idle": (p) => `你的 ${p.what} 在 ${p.seconds} 秒没有新命令后被丢弃了，它的连接已还回连接池。请重新开始。`,
  "lease:lost": () => "承载你事务的连接断开了，所以事务被丢弃了。",
  "lease:login": () => "事务的连接无法以你的沙箱身份登录。",
  "limit:transactions": (p) => `你已经开着 ${p.n} 个事务（每个控制台标签页一个，最多 ${p.max} 个）。请先用 EXEC 或 DISCARD 结束一个。`,
  "limit:blocking": (p) => `你已经有 ${p.n} 条阻塞命令在等待（同时最多 ${p.max} 条）。请等其中一条返回。`,
  "limit:connections-address": (p) =>
    `你所在的网络已经占用了 ${p.n} 个专用连接（用于事务和阻塞命令；每个地址最多 ${p.perIp} 个，全站共 ${p.max} 个）。请先用 EXEC 或 DISCARD 结束一个 MULTI，或等一条阻塞命令返回。`,
  "limit:connections": (p) => `练习场很忙：${p.max} 个专用连接（用于事务和阻塞命令）都在使用中。请过几秒再试。`,
  "limit:commands-session": (p) => `命令太多：练习场允许每位访客每秒 ${p.max} 条。请等一秒再试。`,
  "limit:commands-address": (p) => `来自你所在网络的命令太多：练习场允许每个 IP 地址每秒 ${p.max} 条。请等一秒再试。`,
  "limit:work": (p) =>
    `一次做的工作太多了：练习场允许${p.who === "visitor" ? "每位访客" : "每个网络地址"}每秒大约 ${fmt(p.rate)} 个工作单位（约 ${p.ms} 毫秒的 Redis 时间），而你最近的命令用得更多。请 ${p.wait} 秒后再试。`,
  "limit:in-flight": (p) => `你有 ${p.n} 条命令同时在运行；练习场每位访客最多同时运行 ${p.max} 条。请等其中一条完成。`,
  "limit:window": (p) => `${WINDOW_ZH[p.what]}太多了：每 ${spanZh(p.seconds)}最多 ${p.max} 次。${windowHintZh[p.what] ?? ""}请 ${p.wait} 秒后再试。`,
  "limit:joins": (p) => `来自你所在网络的加入请求太多：每分钟最多 ${p.max} 次。请 ${p.wait} 秒后再试。`,
  "limit:fail-closed": (p) => `练习场无法把这个请求计入频率限制，为安全起见拒绝了它。请 ${p.wait} 秒后再试。`,
  "stream:per-session": (p) => `同时打开的实时消息流太多了（每位访客最多 ${p.max} 条）。请关掉一些标签页。`,
  "stream:per-address": (p) => `来自你所在网络的实时消息流太多了：已经打开 ${p.n} 条（每个地址最多 ${p.max} 条）。请关掉一些标签页，或稍后再试。`,
  "stream:total": (p) => `练习场已经打开了 ${p.n} 条实时消息流，达到上限。请过一分钟再试。`,
  "stream:empty-name": () => "频道名不能为空。",
  "stream:long-name": () => "频道名最多 4,096 个字符。",
  "stream:too-many": () => "一条实时消息流最多订阅 50 个频道、50 个模式和 50 个分片频道。",
  "stream:none": () => "请至少给出一个频道（?channels=a,b）、模式（?patterns=news.*）或分片频道（?shards=a）。",
  "scenario:already": (p) => `你已经有一个 ${p.kind} 运行在进行中（在这个或另一个标签页里）。请取消它，或等它结束。`,
  "scenario:per-session": (p) => `你已经有 ${p.n} 个场景在运行（最多 ${p.max} 个）。请等其中一个结束。`,
  "scenario:per-address": (p) => `你所在的网络已经有 ${p.n} 个场景在运行（每个地址最多 ${p.max} 个）。请等其中一个结束。`,
  "scenario:connections-address": (p) =>
    `你所在网络正在运行的场景，其工作进程已经占用 ${p.held} 个连接（每个地址最多 ${p.max} 个），这次运行还需要 ${p.needs} 个。请减少工作进程，或等一次运行结束。`,
  "scenario:total": (p) => `练习场现在正在运行很多场景（${p.n} 个，已达上限）。请过一分钟再试。`,
  "scenario:connections": (p) => `练习场现在正在运行很多场景：它们的工作进程占用了 ${p.held} 个连接（上限 ${p.max} 个）。请过一分钟再试，或减少工作进程。`,
  "scenario:unknown": (p) => `没有名为“${p.name}”的场景。现有的场景：${p.names}。`,
  "scenario:no-run": () => "你没有正在进行的这个运行（它可能已经结束了）。",
  "scenario:cancelled": () => "已取消。",
  "scenario:failed": () => "场景在服务器上运行失败了。",
  "scenario:master-failed": (p) => `主进程的 ${p.command} 失败了：${p.error}`,
  "scenario:workers": () => "使用发布/订阅时，每个工作进程订阅自己的频道：工作进程数不能多于频道数。",
  "scenario:dispatch-failed": () => "主进程没能派发任务。",
  "scenario:start-failed": () => "任务队列没能启动。",
  "room:not-joined": () => "这个会话还没有加入工作坊，所以没有可以运行的共享房间。",
  "room:ended-shared": () => "这个工作坊已经结束，共享的键都已删除。你自己的沙箱仍然归你。",
  "room:store": () => "工作坊的存储没有按预期应答，请再试一次。",
  "room:no-code": () => "找不到空闲的加入码，请再试一次。",
  "room:token": () => "这需要讲师的令牌（Authorization: Bearer <instructorToken>）。",
  "room:instructor-only": () => "只有这个工作坊的讲师可以这样做。",
  "room:not-found": (p) => `没有加入码为 ${p.code} 的工作坊。请核对屏幕上的加入码。`,
  "room:ended": () => "这个工作坊已经结束了。",
  "room:full": (p) => `这个工作坊已经满了（${p.max} 名学员）。`,
  "room:name-taken": (p) => `名字“${p.name}”在这个工作坊里已经有人用了，请换一个。`,
  "room:capacity": () => "练习场正在举办的工作坊已经达到上限，请稍后再试。",
  "room:code-format": () => "加入码是 6 位字母和数字，例如 K7QPXM。",
  "room:not-member": () => "你不在这个工作坊里。",
  "room:title-empty": () => "请给工作坊起一个标题。",
  "room:title-long": () => "标题最多 100 个字符。",
  "room:lessons-empty": () => "请至少选择一节课。",
  "room:name-empty": () => "请输入一个显示名。",
  "room:name-long": () => "名字最多 40 个字符。",
  "room:name-control": () => "名字里不能有控制字符。",
  "room:message-empty": () => "消息是空的。",
  "room:message-long": () => "消息最多 500 个字符。",
  "request:invalid": (p) => `请求无效${p.field ? `（字段 ${p.field}）` : ""}：${p.detail}`,
  "request:method": (p) => `请使用 ${p.allow}。`,
  "request:no-route": (p) => `没有 API 路由 ${p.method} ${p.path}。${p.see} 的说明见 README。`,
  "request:body-too-large": (p) => `请求体超过了 ${p.max} 字节。`,
  "request:empty-body": () => '请求体是空的：请发送 JSON，例如 {"command": "PING"}，并带上 content-type: application/json。',
  "request:content-type": (p) => `Content-Type 必须是 application/json（收到的是 "${p.got}"）。`,
  "request:bad-json": (p) => `请求体不是有效的 JSON：${p.detail}`,
  "request:session-body": () => "POST /api/v1/sessions 接受一个空的 JSON 对象 {}（或者不带请求体）。",
  "request:exec-body": () => '请求体必须是 {"command": "<Redis 命令行>"} 或 {"argv": ["CMD", "arg", …]}，不能有别的内容。',
  "request:argv-length": (p) => `"argv" 有 ${p.n} 个元素；练习场最多允许 ${p.max} 个参数。`,
  "request:scope": () => 'X-Playground-Scope 必须是 "own"（你的沙箱，默认）或 "room"（你所在工作坊的共享键）。',
  "request:unknown-scope": (p) => `没有这个作用范围：${p.scope}。`,
  "request:worker-body": () => '请求体必须是 {"worker": <1–10>}。',
  "request:invalid-line": () => "这行命令超过了 1 MiB。",
  "request:invalid-tab": () => "控制台标签页的编号无效。",
  "request:invalid-locale": () => "语言无效：请用 en 或 zh。",
  "request:unknown-exercise": () => "没有这节课或这个练习。",
  "request:invalid-sets": () => "集合的名字无效。",
  "request:invalid-progress": () => "进度报告无效。",
  "session:missing": () => "缺少会话或会话无效。请用 POST /api/v1/sessions 创建一个。",
  "session:cross-site": (p) =>
    `${p.route} 只接受练习场自己页面发出的请求；这个请求来自${p.from === "same-site" ? "同一域名下的另一个站点" : "另一个站点"}（Sec-Fetch-Site: ${p.header}）。请打开练习场自己的页面，或者从脚本调用 API（curl 等客户端既不发送 Origin 也不发送 Sec-Fetch-Site）。`,
  "session:cross-origin": (p) =>
    `${p.route} 只接受练习场自己页面发出的请求；这个请求来自 ${JSON.stringify(p.origin)}，而不是 ${p.host || "这台主机"}。请打开练习场自己的页面，或者从脚本调用 API（curl 等客户端既不发送 Origin 也不发送 Sec-Fetch-Site）。`,
  "session:content-type": (p) =>
    `${p.route} 需要 Content-Type: application/json（收到的是 "${p.got || "无"}"），例如 curl -H 'content-type: application/json' ${p.example}。`,
  "redis:unavailable": () => "Redis 暂时不可用，正在重试。你的数据是安全的——请稍后再试。",
  "server:busy": () => "练习场很忙，请过几秒再试。",
  "server:internal": () => "服务器内部错误。",
  "server:failed": () => "服务器出了点问题；你的数据没有改变。",
  "server:forbidden": () => "禁止访问。",
  "server:conflict": () => "这件事已经在进行中了。",
  "server:not-found": () => "找不到。",
  "server:bad-request": () => "请求无效。",
  "server:method": () => "不允许使用这个方法。",
  "server:rate-limited": () => "命令太多，请放慢一些。",
  "server:too-large": () => "请求体太大。",
  "client:no-answer": () => "应用服务器没有应答。",
  "client:http": (p) => `应用服务器返回了 HTTP ${p.status}。`,
  "endpoint:session-connections": (p) => `你的会话已经有 ${p.max} 个客户端连接到练习场的端点，这是上限。请先关闭一个（QUIT，或停止它的程序）再连接。`,
  "endpoint:address-connections": (p) => `你所在网络已经向练习场的端点打开了 ${p.max} 个连接，这是一个地址的上限。请关闭一些再连接。`,
  "endpoint:connections": (p) => `练习场的端点正在服务 ${p.max} 个连接，已经满了。请一分钟后再试。`,
  "endpoint:wrong-passwords": (p) =>
    `你所在网络输错密码的次数太多（每分钟最多 ${p.max} 次）。请 ${p.wait} 秒后再试，并使用练习场“连接你自己的客户端”面板上显示的密码。`,
  "endpoint:reply-too-large": (p) =>
    `这个回复超过了练习场端点发给一个客户端的上限（${p.limit} 字节）。请一次少取一些：取一个范围（LRANGE key 0 99），或者用带 COUNT 的 SCAN/HSCAN/SSCAN/ZSCAN。`,
  "endpoint:off": () => "这台服务器关闭了供你自己的客户端连接的 Redis 端点（PLAYGROUND_RESP_PORT=off）。",
  "endpoint:select": () => "练习场给每位访客一个数据库，编号 0：SELECT 0 可以用，其他编号不行。",
  "endpoint:unsupported": (p) => `练习场的端点不提供 ${p.command}：在共享的 Redis 上，它会越出你自己的连接或沙箱。`,
  "endpoint:subscribe-in-multi": (p) => `练习场的端点不在 MULTI 里执行 ${p.command}：请在事务之外订阅。这个事务已作废，EXEC 会回复 EXECABORT。`,
  "endpoint:subscriptions": (p) => `在练习场的端点上，一个连接最多订阅 ${p.max} 个频道、模式和分片频道。请先退订一些。`,
  "command:hello-resp3": () =>
    "HELLO 3 会切换到 RESP3，而控制台和 redis-cli 默认一样使用 RESP2。想用 RESP3，请把你自己的客户端连到练习场的 Redis 端点（redis-cli -3）。",
  "command:hello-auth": () => "HELLO … AUTH 会以另一个用户登录；练习场已经替你登录好了。请去掉 AUTH。",
  "command:client-name-long": (p) => `这个客户端名有 ${fmt(p.bytes)} 字节；练习场保存的名字最多 ${fmt(p.limit)} 字节。`,
};

export const PROBLEMS: Record<Locale, ProblemTable> = { en: EN, zh: ZH };

/** A problem in words, in one language. */
export function problemText(p: Problem, locale: Locale = "en"): string {
  return (PROBLEMS[locale][p.code] as (params: unknown) => string)(p.params);
}
