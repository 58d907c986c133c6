import type { Locale } from "./locales";

/**
 * Redis's own errors explained, for a page in 中文: the reply stays as redis-cli prints it (English, as
 * Redis words it), and the explanation goes under it, as the playground's own refusals do
 * (lib/i18n/problems.ts). Each entry matches Redis 7.0's exact text (src/server.c, t_*.c, multi.c,
 * checked against a real redis-server in redis-errors.test.ts); English pages need none.
 */
type Explain = (m: RegExpExecArray) => string;

/** "object|encoding" → "OBJECT ENCODING", as HELP takes it. */
const commandName = (s: string) => s.replace("|", " ").toUpperCase();

const ZH: Array<[RegExp, Explain]> = [
  [
    /^WRONGTYPE Operation against a key holding the wrong kind of value$/,
    () => "这个键里存的是另一种类型的值，这条命令用不了。先用 TYPE <键> 看看它是什么类型，再换用那种类型的命令，或者换一个键名。",
  ],
  [
    /^WRONGTYPE Key is not a valid HyperLogLog string value\.$/,
    () => "这个键不是 HyperLogLog：PFADD、PFCOUNT 和 PFMERGE 只能用在 HyperLogLog 上。换一个键名，或者先删掉这个键。",
  ],
  [
    /^ERR unknown command '(.*)', with args beginning with: /s,
    (m) => `Redis 不认识 ${m[1]} 这条命令。检查一下拼写（按 Tab 可以补全命令名），或者输入 HELP <命令> 查看一条命令的用法。`,
  ],
  [/^ERR unknown subcommand '(.*)'\. Try (.+) HELP\.$/s, (m) => `${m[2]} 没有 ${m[1]} 这个子命令。输入 ${m[2]} HELP 列出它的子命令。`],
  [
    /^ERR wrong number of arguments for '(.+)' command$/s,
    (m) => `参数个数不对：${commandName(m[1])} 不接受这么多或这么少的参数。输入 HELP ${commandName(m[1])} 查看它的参数。`,
  ],
  [/^ERR syntax error$/, () => "语法错误：某个选项拼错了、位置不对，或者几个选项不能同时使用。输入 HELP <命令> 查看这条命令接受哪些选项。"],
  [
    /^ERR value is not an integer or out of range$/,
    () => "这里需要一个整数，而某个参数（或者键里已有的值）不是整数，或者超出了 64 位有符号整数的范围。秒数、下标、计数都必须是整数。",
  ],
  [/^ERR value is not a valid float$/, () => "这里需要一个数字，而某个参数（或者键里已有的值）不是有效的数字。"],
  [/^ERR increment or decrement would overflow$/, () => "结果会超出 64 位有符号整数的范围（最大 9223372036854775807），所以 Redis 没有改动这个值。"],
  [/^ERR increment would produce NaN or Infinity$/, () => "结果会是 NaN 或无穷大，所以 Redis 没有改动这个值。"],
  [/^ERR hash value is not an integer$/, () => "这个哈希字段里存的值不是整数，所以 HINCRBY 没法给它加数。"],
  [/^ERR hash value is not a float$/, () => "这个哈希字段里存的值不是数字，所以 HINCRBYFLOAT 没法给它加数。"],
  [/^ERR no such key$/, () => "这个键不存在，命令无从下手（例如 RENAME 的源键）。用 EXISTS 或 KEYS 核对一下键名。"],
  [/^ERR index out of range$/, () => "下标超出了列表的范围：列表从 0 开始编号，-1 是最后一个元素。用 LLEN 查看列表有多长。"],
  [/^ERR value is out of range, must be positive$/, () => "这个计数必须是正数。"],
  [/^ERR offset is out of range$/, () => "偏移量超出了范围：它不能是负数，也不能让字符串超过允许的最大长度。"],
  [/^ERR bit offset is not an integer or out of range$/, () => "位偏移必须是 0 到 4294967295 之间的整数。"],
  [/^ERR string exceeds maximum allowed size \(proto-max-bulk-len\)$/, () => "这会让字符串超过 Redis 允许的最大长度（proto-max-bulk-len）。"],
  [/^ERR invalid expire time in '(.+)' command$/s, (m) => `${commandName(m[1])} 的过期时间必须是正整数：秒数或毫秒数不能是 0 或负数。`],
  [/^ERR timeout is negative$/, () => "超时不能是负数；0 表示一直等下去。"],
  [/^ERR timeout is not a float or out of range$/, () => "超时必须是一个秒数，例如 5 或 0.5。"],
  [/^ERR min or max is not a float$/, () => "分数范围的上下限必须是数字，或者 -inf 和 +inf；在数字前面加 ( 表示不包含这个值，例如 (1。"],
  [
    /^ERR min or max not valid string range item$/,
    () => "按字典序取范围时，上下限要以 [ 开头（包含这个值）或以 ( 开头（不包含这个值），或者用 - 和 + 表示最小和最大，例如 [a 或 (c。",
  ],
  [/^ERR XX and NX options at the same time are not compatible$/, () => "XX（只更新已有的成员）和 NX（只添加新成员）互相矛盾，不能同时使用。"],
  [/^ERR GT, LT, and\/or NX options at the same time are not compatible$/, () => "GT、LT 和 NX 这几个选项互相矛盾，只能选其中一个。"],
  [/^ERR EXEC without MULTI$/, () => "没有打开的事务：先用 MULTI 开始一个事务，排好命令，再用 EXEC 执行。"],
  [/^ERR DISCARD without MULTI$/, () => "没有打开的事务可以丢弃：DISCARD 只能用在 MULTI 之后。"],
  [/^ERR MULTI calls can not be nested$/, () => "事务已经打开了，MULTI 不能嵌套。用 EXEC 执行当前事务，或者用 DISCARD 丢弃它。"],
  [/^ERR WATCH inside MULTI is not allowed$/, () => "WATCH 要在 MULTI 之前执行：事务打开之后就不能再 WATCH 了。"],
  [
    /^EXECABORT Transaction discarded because of previous errors\.$/,
    () => "事务被丢弃了：排队时已经有命令出错（比如参数个数不对），所以 EXEC 一条命令也没有执行。",
  ],
  [
    /^BUSYGROUP Consumer Group name already exists$/,
    () => "这个 Stream 上已经有同名的消费者组了：XGROUP CREATE 只需要执行一次。直接使用它，或者用 XINFO GROUPS <键> 查看已有的组。",
  ],
  [
    /^NOGROUP No such key '(.*)' or consumer group '(.*)' in (\S+) with GROUP option$/s,
    (m) => `Stream ${m[1]} 上没有消费者组 ${m[2]}，或者这个 Stream 根本不存在。先用 XGROUP CREATE ${m[1]} ${m[2]} $ MKSTREAM 创建它。`,
  ],
  [/^ERR The ID specified in XADD must be greater than 0-0$/, () => "Stream 条目的 ID 必须大于 0-0。写 * 让 Redis 自动生成 ID。"],
  [
    /^ERR The ID specified in XADD is equal or smaller than the target stream top item$/,
    () => "新条目的 ID 必须大于 Stream 里最后一个条目的 ID。写 * 让 Redis 自动生成 ID。",
  ],
  [
    /^ERR Invalid stream ID specified as stream command argument$/,
    () => "这不是有效的 Stream ID：ID 的格式是“毫秒时间-序号”，例如 1-1；XADD 里也可以写 * 让 Redis 生成。",
  ],
  [/^NOSCRIPT No matching script\. Please use EVAL\.$/, () => "服务器上没有这个 SHA1 对应的脚本：先用 EVAL 或 SCRIPT LOAD 加载脚本，再用 EVALSHA 调用它。"],
  [
    /^OOM command not allowed when used memory > 'maxmemory'\.$/,
    () => "Redis 的内存已经用到上限（maxmemory），所以拒绝了这次写入。读取和删除仍然可以：删掉一些键后再试。",
  ],
];

/**
 * An explanation of one of Redis's own errors in the page's language, or undefined: for English (the
 * error already says it), and for an error this table does not know. `text` is the error as the reply
 * carries it ("WRONGTYPE Operation …"; a leading "(error) " as redis-cli prints it is allowed).
 */
export function explainRedisError(text: string, locale: Locale): string | undefined {
  if (locale !== "zh") return undefined;
  const error = text.replace(/^\(error\) /, "");
  for (const [re, explain] of ZH) {
    const m = re.exec(error);
    if (m) return explain(m);
  }
  return undefined;
}

/** The patterns, for tests: each must be met by a real error. */
export const EXPLAINED_ERRORS: readonly RegExp[] = ZH.map(([re]) => re);
