/**
 * The playground's own refusals, limits and notices, explained in 简体中文.
 * Replies keep the words redis-cli prints — Redis speaks English, and so do
 * the playground's `(error) ERR …` replies that stand in for it — and the
 * Chinese console adds this explanation under them. One table: each English
 * message the server can produce (matched by its shape) and its Chinese.
 * lib/i18n/playground-messages.test.ts triggers every one of them against a
 * real Redis and checks that it is explained here.
 */
type Rule = [RegExp, (m: RegExpMatchArray) => string];

const DENIED_ZH: Record<string, string> = {
  AUTH: "AUTH 会改变共享连接的登录身份；练习场已经替你登录好了。",
  HELLO: "HELLO 会为所有人切换共享连接的协议；控制台和 redis-cli 默认一样使用 RESP2。",
  RESET: "RESET 会重置所有访客共用的连接。",
  SELECT: "SELECT 会把共享连接切换到另一个数据库；你的键放在你自己的命名空间里。",
  MOVE: "MOVE 会把键复制到另一个数据库，也就是你的沙箱之外。可以在自己的键之间用 COPY 或 RENAME。",
  SWAPDB: "SWAPDB 会交换整个数据库，包括其他访客的数据。",
  MIGRATE: "MIGRATE 会把键迁移到另一台服务器。",
  WAIT: "WAIT 会阻塞共享连接，直到副本确认写入。",
  QUIT: "QUIT 会关闭共享连接。用完直接关掉标签页即可。",
  RESTORE: "RESTORE 加载原始序列化数据，练习场不提供。",
  "RESTORE-ASKING": "RESTORE-ASKING 是集群内部命令。",
  "PUBSUB NUMPAT": "PUBSUB NUMPAT 统计的是所有访客的模式订阅，而不只是你的。",
  "MEMORY DOCTOR": "MEMORY DOCTOR 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "MEMORY STATS": "MEMORY STATS 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "MEMORY MALLOC-STATS": "MEMORY MALLOC-STATS 报告的是整台服务器。可以试试 MEMORY USAGE <key>。",
  "MEMORY PURGE": "MEMORY PURGE 作用于整台服务器。",
};

const RULES: Rule[] = [
  [/^ERR (AUTH|HELLO|RESET|SELECT|MOVE|SWAPDB|MIGRATE|WAIT|QUIT|RESTORE-ASKING|RESTORE|PUBSUB NUMPAT|MEMORY DOCTOR|MEMORY STATS|MEMORY MALLOC-STATS|MEMORY PURGE) /, (m) => DENIED_ZH[m[1]]],
  [/^ERR (.+) runs server-side scripts, which could reach outside your sandbox\./, (m) => `${m[1]} 会在服务器端运行脚本，可能触及沙箱之外，所以练习场不提供。请把命令逐条运行。`],
  [/^ERR (.+) administers the whole server, which is shared with other visitors\./, (m) => `${m[1]} 管理的是整台服务器，而这台服务器由所有访客共用，所以练习场不提供。`],
  [/^ERR (.+) needs a live stream: in the console it opens one by itself; over the API, use GET \/api\/v1\/stream/, (m) => `${m[1]} 需要一条实时消息流：在控制台里输入它会自动打开；通过 API 请用 GET /api/v1/stream。`],
  [/^ERR (.+) changes or inspects the shared connection, which every visitor uses\./, (m) => `${m[1]} 会修改或查看所有访客共用的连接，所以练习场不提供。`],
  [/^ERR COPY … DB copies into another database/, () => "COPY … DB 会复制到另一个数据库，也就是你的沙箱之外。去掉 DB 就能在自己的键之间复制。"],
  [/^ERR (.+) is not available in the playground\./, (m) => `练习场不提供 ${m[1]}。`],
  [/^ERR (.+) names its keys in a way the playground cannot check/, (m) => `${m[1]} 指定键的方式让练习场无法检查，所以这里不提供。`],
  [/^ERR (\S+) appears more than once in this (.+?); the playground runs it only when/, (m) => `${m[1]} 在这条 ${m[2]} 里出现了不止一次；只有出现一次时练习场才会运行它（这里的键不能叫 ${m[1]}）。`],
  [/^ERR (.+) … BY with a "\*" pattern reads other keys/, (m) => `${m[1]} … BY 带 "*" 的模式会读取别的键，练习场不允许。请按元素本身排序，或者用 BY nosort。`],
  [/^ERR (.+) … GET reads other keys by pattern/, (m) => `${m[1]} … GET 会按模式读取别的键，练习场不允许。请先排序元素本身，再逐个查找。`],
  [/^ERR The server found no keys in this (.+?) \(/, (m) => `服务器在这条 ${m[1]} 里找不到键，所以没有运行。用 HELP ${m[1]} 检查它的参数。`],
  [/^ERR The playground could not match this (.+?)'s keys with the server's/, (m) => `练习场无法把这条 ${m[1]} 的键与服务器的判断对上，所以没有运行。`],
  [/^ERR (.+) would grow the string to ([\d,]+) bytes; the playground's limit is ([\d,]+) bytes per string\./, (m) => `${m[1]} 会让字符串增长到 ${m[2]} 字节；练习场每个字符串最多 ${m[3]} 字节。`],
  [/^ERR (\S+) with count (-\d+) would return (\d+) elements; the playground allows a count down to (-\d+)\./, (m) => `${m[1]} 的计数 ${m[2]} 会返回 ${m[3]} 个元素；练习场允许的计数最小为 ${m[4]}。`],
  [/^ERR Your sandbox is full: (\d+) keys using ([^;]+); the playground allows (\d+) keys and ([^ ]+ [^ ]+) per visitor\./, (m) => `你的沙箱满了：${m[1]} 个键，占用 ${m[2]}；每位访客最多 ${m[3]} 个键、${m[4]}。请删掉一些键（DEL，或用 FLUSHDB 清空你的全部键）后再试。`],
  [/^ERR The playground needs (\S+)'s timeout as a plain number of (seconds|milliseconds)/, (m) => `练习场要求 ${m[1]} 的超时是一个普通的${m[2] === "seconds" ? "秒数，例如 5 或 0.5" : "毫秒数，例如 5000"}。`],
  [/^ERR (\S+) is answered by the playground itself, so it cannot be queued inside MULTI/, (m) => `${m[1]} 由练习场自己回答，不能放进 MULTI 排队；这个事务会在 EXEC 时被丢弃。`],
  [/^ERR The command line is longer than the playground's limit of (\d+) bytes\./, (m) => `这行命令超过了练习场 ${m[1]} 字节的上限。`],
  [/^ERR Too many arguments \((\d+)\); the playground's limit is (\d+)\./, (m) => `参数太多（${m[1]} 个）；练习场最多允许 ${m[2]} 个。`],
  [/^ERR The command's arguments add up to (\d+) bytes; the playground's limit is (\d+) bytes\./, (m) => `这条命令的参数合计 ${m[1]} 字节；练习场的上限是 ${m[2]} 字节。`],
  [/^ERR Argument (\d+) is (\d+) bytes; the playground's limit is (\d+) bytes\./, (m) => `第 ${m[1]} 个参数有 ${m[2]} 字节；练习场的上限是 ${m[3]} 字节。`],
  [/^ERR No help for '(.+)': not a command this Redis knows\./, (m) => `没有“${m[1]}”的帮助：这个 Redis 不认识这条命令。按 Tab 可以补全命令名。`],
  [/^ERR Empty command/, () => "空命令：请输入一条 Redis 命令，例如 SET greeting hello，或者 HELP。"],
  // Notices (shown under a reply) and failures (no reply at all).
  [/^(\S+)'s timeout (.+) was capped at (\d+) s in the playground\./, (m) => `${m[1]} 的超时 ${m[2] === "0 (forever)" ? "0（永远）" : m[2]} 在练习场里被限制为 ${m[3]} 秒。`],
  [/^The reply was cut to (\d+) elements and (\d+) bytes for the browser\./, (m) => `回复已截断为 ${m[1]} 个元素、${m[2]} 字节，以便在浏览器中显示。`],
  [/^Your (MULTI|WATCH) was discarded after (\d+) s without a command/, (m) => `你的 ${m[1]} 在 ${m[2]} 秒没有新命令后被丢弃了，它的连接已还回连接池。请重新开始。`],
  [/^The connection holding your transaction was lost/, () => "承载你事务的连接断开了，所以事务被丢弃了。"],
  [/^You already have (\d+) transactions open \(one per console tab, at most (\d+)\)\./, (m) => `你已经开着 ${m[1]} 个事务（每个控制台标签页一个，最多 ${m[2]} 个）。请先用 EXEC 或 DISCARD 结束一个。`],
  [/^You already have (\d+) blocking commands waiting \(at most (\d+) at once\)\./, (m) => `你已经有 ${m[1]} 条阻塞命令在等待（同时最多 ${m[2]} 条）。请等其中一条返回。`],
  [/^The playground is busy: all (\d+) dedicated connections/, (m) => `练习场很忙：${m[1]} 个专用连接（用于事务和阻塞命令）都在使用中。请过几秒再试。`],
  [/^Too many commands: the playground allows (\d+) per second per visitor\./, (m) => `命令太多：练习场允许每位访客每秒 ${m[1]} 条。请等一秒再试。`],
  [/^Too many commands from your network: the playground allows (\d+) per second per IP address\./, (m) => `来自你所在网络的命令太多：练习场允许每个 IP 地址每秒 ${m[1]} 条。请等一秒再试。`],
  [/^Redis is unavailable right now; retrying\./, () => "Redis 暂时不可用，正在重试。你的数据是安全的——请稍后再试。"],
  [/^This workshop has ended; its shared keys are gone\./, () => "这个工作坊已经结束，共享的键都已删除。你自己的沙箱仍然归你。"],
];

/** The Chinese explanation of one of the playground's own messages, or null (Redis's own errors, replies). */
export function explainZh(text: string): string | null {
  const line = text.replace(/^\(error\) /, "");
  for (const [re, zh] of RULES) {
    const m = line.match(re);
    if (m) return zh(m);
  }
  return null;
}
