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
  PFDEBUG: "PFDEBUG 是服务器内部的调试命令。",
  PFSELFTEST: "PFSELFTEST 是服务器的内部自检。",
};

const RULES: Rule[] = [
  [
    /^ERR (AUTH|HELLO|RESET|SELECT|MOVE|SWAPDB|MIGRATE|WAIT|QUIT|RESTORE-ASKING|RESTORE|PUBSUB NUMPAT|MEMORY DOCTOR|MEMORY STATS|MEMORY MALLOC-STATS|MEMORY PURGE|PFDEBUG|PFSELFTEST) /,
    (m) => DENIED_ZH[m[1]],
  ],
  [/^ERR The command name "(.*)" contains a NUL byte/, (m) => `命令名 "${m[1]}" 里有一个 NUL 字节，Redis 会把它当作命令名的结尾；练习场不运行这样的命令。`],
  [/^ERR The subcommand "(.*)" contains a NUL byte/, (m) => `子命令 "${m[1]}" 里有一个 NUL 字节，Redis 会把它当作子命令的结尾；练习场不运行这样的命令。`],
  [
    /^ERR Argument (\d+) \("(.*)"\) would be read by Redis as the keyword (\S+), up to its NUL byte/,
    (m) => `第 ${m[1]} 个参数（"${m[2]}"）会被 Redis 读成关键字 ${m[3]}（读到 NUL 字节为止）；练习场不运行带 NUL 字节的关键字。`,
  ],
  [
    /^ERR (\S+) appears more than once in this (.+?); the playground runs it only when each option is given once\./,
    (m) => `${m[1]} 在这条 ${m[2]} 里出现了不止一次；每个选项只出现一次时练习场才会运行它。`,
  ],
  [/^ERR The playground could not read this (\S+)'s options/, (m) => `练习场读不懂这条 ${m[1]} 的选项。用 HELP ${m[1]} 检查它们。`],
  [
    /^ERR (.+) runs server-side scripts, which could reach outside your sandbox\./,
    (m) => `${m[1]} 会在服务器端运行脚本，可能触及沙箱之外，所以练习场不提供。请把命令逐条运行。`,
  ],
  [
    /^ERR (.+) administers the whole server, which is shared with other visitors\./,
    (m) => `${m[1]} 管理的是整台服务器，而这台服务器由所有访客共用，所以练习场不提供。`,
  ],
  [
    /^ERR (.+) needs a live stream: in the console it opens one by itself; over the API, use GET \/api\/v1\/stream/,
    (m) => `${m[1]} 需要一条实时消息流：在控制台里输入它会自动打开；通过 API 请用 GET /api/v1/stream。`,
  ],
  [/^ERR (.+) changes or inspects the shared connection, which every visitor uses\./, (m) => `${m[1]} 会修改或查看所有访客共用的连接，所以练习场不提供。`],
  [/^ERR COPY … DB copies into another database/, () => "COPY … DB 会复制到另一个数据库，也就是你的沙箱之外。去掉 DB 就能在自己的键之间复制。"],
  [/^ERR (.+) is not available in the playground\./, (m) => `练习场不提供 ${m[1]}。`],
  [/^ERR (.+) names its keys in a way the playground cannot check/, (m) => `${m[1]} 指定键的方式让练习场无法检查，所以这里不提供。`],
  [
    /^ERR (.+?) appears more than once in this (.+?); the playground runs it only when/,
    (m) => `${m[1]} 在这条 ${m[2]} 里出现了不止一次；只有出现一次时练习场才会运行它（这里的键或值不能叫 ${m[1]}）。`,
  ],
  [/^ERR (.+) … BY with a "\*" pattern reads other keys/, (m) => `${m[1]} … BY 带 "*" 的模式会读取别的键，练习场不允许。请按元素本身排序，或者用 BY nosort。`],
  [/^ERR (.+) … GET reads other keys by pattern/, (m) => `${m[1]} … GET 会按模式读取别的键，练习场不允许。请先排序元素本身，再逐个查找。`],
  [/^ERR The server found no keys in this (.+?) \(/, (m) => `服务器在这条 ${m[1]} 里找不到键，所以没有运行。用 HELP ${m[1]} 检查它的参数。`],
  [/^ERR The playground could not match this (.+?)'s keys with the server's/, (m) => `练习场无法把这条 ${m[1]} 的键与服务器的判断对上，所以没有运行。`],
  [
    /^ERR (.+) would grow the string to ([\d,]+) bytes; the playground's limit is ([\d,]+) bytes per string\./,
    (m) => `${m[1]} 会让字符串增长到 ${m[2]} 字节；练习场每个字符串最多 ${m[3]} 字节。`,
  ],
  [
    /^ERR (\S+) with count (-\d+) would return (\d+) elements; the playground allows a count down to (-\d+)\./,
    (m) => `${m[1]} 的计数 ${m[2]} 会返回 ${m[3]} 个元素；练习场允许的计数最小为 ${m[4]}。`,
  ],
  // Costs decided before a command runs (lib/sandbox/costs.ts) and quotas counted by what a write creates (lib/sandbox/limits.ts).
  [
    /^ERR (\S+(?: \S+)?) is estimated at ([\d,]+) units of work(?: \((.+?)\))?; the playground allows ([\d,]+) per command, so that every visitor's commands stay fast\. (.*)$/,
    (m) =>
      `${m[1]} 预计需要 ${m[2]} 个工作单位${m[3] ? `（${costDetailZh(m[3])}）` : ""}；练习场每条命令最多允许 ${m[4]} 个，以保证每位访客的命令都能很快完成。${COST_HINTS_ZH[m[5]] ?? "请在更小的键上运行它。"}`,
  ],
  [
    /^ERR (\S+(?: \S+)?) would make Redis build a reply of about ([\d,]+) bytes; the playground allows ([\d,]+) bytes per reply\./,
    (m) => `${m[1]} 会让 Redis 构造一个约 ${m[2]} 字节的回复；练习场每个回复最多允许 ${m[3]} 字节。每个值只请求一次，或者少请求一些值。`,
  ],
  [
    /^ERR This (\S+(?: \S+)?) \(a reply of about ([\d,]+) bytes\) would bring the transaction's replies to ([\d,]+) bytes; the playground allows ([\d,]+) bytes per EXEC\./,
    (m) =>
      `这条 ${m[1]}（回复约 ${m[2]} 字节）会让事务的回复合计达到 ${m[3]} 字节；练习场每个 EXEC 最多允许 ${m[4]} 字节。这个事务会在 EXEC 时被丢弃；请在 MULTI 之外读取大的值，或分成几个事务。`,
  ],
  [
    /^ERR The playground could not estimate what this (.+?) would cost, so it did not run it\./,
    (m) => `练习场无法估算这条 ${m[1]} 的开销，所以没有运行它。用 HELP ${m[1]} 检查它的参数。`,
  ],
  [
    /^ERR This transaction already queues ([\d,]+) commands, the playground's limit for one MULTI/,
    (m) => `这个事务已经排了 ${m[1]} 条命令，达到练习场对一个 MULTI 的上限；它会在 EXEC 时被丢弃。请把它拆成几个更小的事务。`,
  ],
  [
    /^ERR This (\S+(?: \S+)?) would bring the transaction's queued arguments to ([\d,]+) bytes; the playground allows ([\d,]+) bytes per MULTI\./,
    (m) => `这条 ${m[1]} 会让事务排队的参数达到 ${m[2]} 字节；练习场每个 MULTI 最多允许 ${m[3]} 字节。这个事务会在 EXEC 时被丢弃；请把它拆成几个更小的事务。`,
  ],
  [
    /^ERR This (\S+(?: \S+)?) \(about ([\d,]+) units of work\) would bring the transaction to ([\d,]+) units; the playground allows ([\d,]+) per transaction/,
    (m) =>
      `这条 ${m[1]}（约 ${m[2]} 个工作单位）会让事务的预计开销达到 ${m[3]} 个单位；练习场每个事务和每条命令一样，最多允许 ${m[4]} 个。这个事务会在 EXEC 时被丢弃；请把开销大的命令放到 MULTI 之外，或分成几个事务。`,
  ],
  [
    /^ERR Your sandbox is full: ([\d,]+) keys? using ([\d.]+ [KM]B), and (.+?) would add up to ([\d,]+) keys? and ([\d.]+ [KM]B); the playground allows ([\d,]+) keys and ([\d.]+ [KM]B) per visitor\./,
    (m) =>
      `你的沙箱满了：已有 ${m[1]} 个键，占用 ${m[2]}，而${quotaWhatZh(m[3])}最多还会增加 ${m[4]} 个键、${m[5]}；每位访客最多 ${m[6]} 个键、${m[7]}。请删掉一些键（DEL，或用 FLUSHDB 清空你的全部键）后再试。`,
  ],
  [/^EXECABORT Transaction discarded because of previous errors\. (.+)$/, (m) => `事务因为之前的错误被丢弃了。${explainZh(`ERR ${m[1]}`) ?? ""}`],
  [/^EXECABORT Transaction discarded: (.+)$/, (m) => `事务被丢弃了：${explainZh(`ERR ${m[1]}`) ?? ""}`],
  [/^Too many (?!new sandboxes)(.+?): at most (\d+) every (\d+ h|\d+ s)\. (?:Check the code on the screen\. )?Try again in (\d+) s\./, (m) => limitWindowZh(m)],
  [
    /^Too many joins from your network at once: at most (\d+) a minute\. Try again in (\d+) s\./,
    (m) => `来自你所在网络的加入请求太多：每分钟最多 ${m[1]} 次。请 ${m[2]} 秒后再试。`,
  ],
  [
    /^The playground could not count this request against its rate limit, so it refused it to be safe\. Try again in (\d+) s\./,
    (m) => `练习场无法把这个请求计入频率限制，为安全起见拒绝了它。请 ${m[1]} 秒后再试。`,
  ],
  [
    /^Too many new sandboxes from your network: at most (\d+) every (\d+) s\..*Try again in (\d+) s\./,
    (m) =>
      `来自你所在网络的新沙箱太多了：每 ${m[2]} 秒最多 ${m[1]} 个。请继续使用你已有的会话（它的 cookie 或令牌），每个会话都是一个独立的沙箱。${m[3]} 秒后再试。`,
  ],
  [
    /^ERR Your network's sandboxes already use ([\d.]+ [KM]B) beside this one, and (.+?) would bring this one to ([\d.]+ [KM]B); the playground allows ([\d.]+ [KM]B) per client address/,
    (m) =>
      `你所在网络的沙箱除这个之外已经占用 ${m[1]}，而${quotaWhatZh(m[2])}会让这个沙箱达到 ${m[3]}；练习场每个客户端地址的所有沙箱合计最多 ${m[4]}。请在不再使用的沙箱里删掉一些键（FLUSHDB）后再试。`,
  ],
  [
    /^ERR Your sandbox is full: (\d+) keys using ([^;]+); the playground allows (\d+) keys and ([^ ]+ [^ ]+) per visitor\./,
    (m) => `你的沙箱满了：${m[1]} 个键，占用 ${m[2]}；每位访客最多 ${m[3]} 个键、${m[4]}。请删掉一些键（DEL，或用 FLUSHDB 清空你的全部键）后再试。`,
  ],
  [
    /^ERR The playground needs (\S+)'s timeout as a plain number of (seconds|milliseconds)/,
    (m) => `练习场要求 ${m[1]} 的超时是一个普通的${m[2] === "seconds" ? "秒数，例如 5 或 0.5" : "毫秒数，例如 5000"}。`,
  ],
  [
    /^ERR (\S+) is answered by the playground itself, so it cannot be queued inside MULTI/,
    (m) => `${m[1]} 由练习场自己回答，不能放进 MULTI 排队；这个事务会在 EXEC 时被丢弃。`,
  ],
  [/^ERR The command line is longer than the playground's limit of (\d+) bytes\./, (m) => `这行命令超过了练习场 ${m[1]} 字节的上限。`],
  [/^ERR Too many arguments \((\d+)\); the playground's limit is (\d+)\./, (m) => `参数太多（${m[1]} 个）；练习场最多允许 ${m[2]} 个。`],
  [
    /^ERR The command's arguments add up to (\d+) bytes; the playground's limit is (\d+) bytes\./,
    (m) => `这条命令的参数合计 ${m[1]} 字节；练习场的上限是 ${m[2]} 字节。`,
  ],
  [/^ERR Argument (\d+) is (\d+) bytes; the playground's limit is (\d+) bytes\./, (m) => `第 ${m[1]} 个参数有 ${m[2]} 字节；练习场的上限是 ${m[3]} 字节。`],
  [
    /^ERR Your sandbox's live pattern subscriptions would cost about ([\d,]+) units of work for every message published in it; the playground allows ([\d,]+)/,
    (m) =>
      `你的沙箱里正在生效的模式订阅，每发布一条消息大约要花 ${m[1]} 个工作单位；练习场最多允许 ${m[2]} 个，这样发布对每个人都很快。请退订一些模式，或者让模式在第一个 * 之后短一些。`,
  ],
  [
    /^ERR Channel (\d+) is a name of ([\d,]+) bytes; the playground allows names \(keys, channels, members, fields, groups, consumers\) of up to ([\d,]+) bytes/,
    (m) =>
      `第 ${m[1]} 个频道是一个 ${m[2]} 字节的名字；练习场里的名字（键、频道、成员、字段、消费者组、消费者）最多 ${m[3]} 字节，这样模式匹配对每个人都很快。`,
  ],
  [
    /^ERR Argument (\d+) is a name of ([\d,]+) bytes; the playground allows names \(keys, channels, members, fields, groups, consumers\) of up to ([\d,]+) bytes/,
    (m) =>
      `第 ${m[1]} 个参数是一个 ${m[2]} 字节的名字；练习场里的名字（键、频道、成员、字段、消费者组、消费者）最多 ${m[3]} 字节，这样模式匹配对每个人都很快。值可以更长。`,
  ],
  [
    /^ERR The pattern of this (.+?) is ([\d,]+) bytes; the playground allows patterns of up to ([\d,]+) bytes/,
    (m) => `这条 ${m[1]} 的模式有 ${m[2]} 字节；练习场允许的模式最多 ${m[3]} 字节，这样匹配对每个人都很快。`,
  ],
  [/^ERR No help for '(.+)': not a command this Redis knows\./, (m) => `没有“${m[1]}”的帮助：这个 Redis 不认识这条命令。按 Tab 可以补全命令名。`],
  [/^ERR Empty command/, () => "空命令：请输入一条 Redis 命令，例如 SET greeting hello，或者 HELP。"],
  // Notices (shown under a reply) and failures (no reply at all).
  [
    /^(\S+)'s timeout (.+) was capped at (\d+) s in the playground\./,
    (m) => `${m[1]} 的超时 ${m[2] === "0 (forever)" ? "0（永远）" : m[2]} 在练习场里被限制为 ${m[3]} 秒。`,
  ],
  [/^The reply was cut to (\d+) elements and (\d+) bytes for the browser\./, (m) => `回复已截断为 ${m[1]} 个元素、${m[2]} 字节，以便在浏览器中显示。`],
  [
    /^Your (MULTI|WATCH) was discarded after (\d+) s without a command/,
    (m) => `你的 ${m[1]} 在 ${m[2]} 秒没有新命令后被丢弃了，它的连接已还回连接池。请重新开始。`,
  ],
  [/^The connection holding your transaction was lost/, () => "承载你事务的连接断开了，所以事务被丢弃了。"],
  [
    /^You already have (\d+) transactions open \(one per console tab, at most (\d+)\)\./,
    (m) => `你已经开着 ${m[1]} 个事务（每个控制台标签页一个，最多 ${m[2]} 个）。请先用 EXEC 或 DISCARD 结束一个。`,
  ],
  [
    /^You already have (\d+) blocking commands waiting \(at most (\d+) at once\)\./,
    (m) => `你已经有 ${m[1]} 条阻塞命令在等待（同时最多 ${m[2]} 条）。请等其中一条返回。`,
  ],
  [/^The playground is busy: all (\d+) dedicated connections/, (m) => `练习场很忙：${m[1]} 个专用连接（用于事务和阻塞命令）都在使用中。请过几秒再试。`],
  // Caps per client address (a school behind one NAT shares them) and per process.
  [
    /^Your network already holds (\d+) dedicated connections \(for transactions and blocking commands; at most (\d+) per address, of (\d+) in all\)\./,
    (m) =>
      `你所在的网络已经占用了 ${m[1]} 个专用连接（用于事务和阻塞命令；每个地址最多 ${m[2]} 个，全站共 ${m[3]} 个）。请先用 EXEC 或 DISCARD 结束一个 MULTI，或等一条阻塞命令返回。`,
  ],
  [/^Too many live streams open at once \(at most (\d+)\)/, (m) => `同时打开的实时消息流太多了（每位访客最多 ${m[1]} 条）。请关掉一些标签页。`],
  [
    /^Too many live streams from your network: (\d+) are open \(at most (\d+) per address\)\./,
    (m) => `来自你所在网络的实时消息流太多了：已经打开 ${m[1]} 条（每个地址最多 ${m[2]} 条）。请关掉一些标签页，或稍后再试。`,
  ],
  [/^The playground has (\d+) live streams open, its limit/, (m) => `练习场已经打开了 ${m[1]} 条实时消息流，达到上限。请过一分钟再试。`],
  [/^You already have (\d+) scenarios running \(at most (\d+)\)\./, (m) => `你已经有 ${m[1]} 个场景在运行（最多 ${m[2]} 个）。请等其中一个结束。`],
  [
    /^Your network already has (\d+) scenarios running \(at most (\d+) per address\)\./,
    (m) => `你所在的网络已经有 ${m[1]} 个场景在运行（每个地址最多 ${m[2]} 个）。请等其中一个结束。`,
  ],
  [
    /^The workers of the scenarios running from your network already hold (\d+) connections \(at most (\d+)\), and this run needs (\d+)\./,
    (m) =>
      `你所在网络正在运行的场景，其工作进程已经占用 ${m[1]} 个连接（每个地址最多 ${m[2]} 个），这次运行还需要 ${m[3]} 个。请减少工作进程，或等一次运行结束。`,
  ],
  [/^The playground is running many scenarios right now \((\d+), its limit\)/, (m) => `练习场现在正在运行很多场景（${m[1]} 个，已达上限）。请过一分钟再试。`],
  [
    /^The playground is running many scenarios right now: their workers hold (\d+) of (\d+) connections/,
    (m) => `练习场现在正在运行很多场景：它们的工作进程占用了 ${m[1]} 个连接（上限 ${m[2]} 个）。请过一分钟再试，或减少工作进程。`,
  ],
  [
    /^Too much work at once: the playground allows about ([\d,]+) units of work per second per (visitor|network address) \(≈ (\d+) ms of Redis time\), and your recent commands used more\. Try again in (\d+) s\./,
    (m) =>
      `一次做的工作太多了：练习场允许${m[2] === "visitor" ? "每位访客" : "每个网络地址"}每秒大约 ${m[1]} 个工作单位（约 ${m[3]} 毫秒的 Redis 时间），而你最近的命令用得更多。请 ${m[4]} 秒后再试。`,
  ],
  [
    /^You have (\d+) commands running at once; the playground runs at most (\d+) per visitor at the same time\./,
    (m) => `你有 ${m[1]} 条命令同时在运行；练习场每位访客最多同时运行 ${m[2]} 条。请等其中一条完成。`,
  ],
  [/^Too many commands: the playground allows (\d+) per second per visitor\./, (m) => `命令太多：练习场允许每位访客每秒 ${m[1]} 条。请等一秒再试。`],
  [
    /^Too many commands from your network: the playground allows (\d+) per second per IP address\./,
    (m) => `来自你所在网络的命令太多：练习场允许每个 IP 地址每秒 ${m[1]} 条。请等一秒再试。`,
  ],
  [/^Redis is unavailable right now; retrying\./, () => "Redis 暂时不可用，正在重试。你的数据是安全的——请稍后再试。"],
  [/^This workshop has ended; its shared keys are gone\./, () => "这个工作坊已经结束，共享的键都已删除。你自己的沙箱仍然归你。"],
];

/** What to do instead, for each family of costs.ts (its HINT table, word for word). */
export const COST_HINTS_ZH: Record<string, string> = {
  "Use a smaller COUNT, or a pattern with less after its first *.": "请用更小的 COUNT，或者让模式在第一个 * 之后短一些。",
  "Ask about the commands you need by name: COMMAND INFO get set, COMMAND DOCS get.": "请按名字查询你需要的命令：COMMAND INFO get set、COMMAND DOCS get。",
  "Publish a shorter message, or subscribe to fewer patterns in this sandbox.": "请发布更短的消息，或者在这个沙箱里少订阅一些模式。",
  "LCS fills a table of one cell per pair of bytes: compare shorter strings (GETRANGE can cut them).":
    "LCS 要为每一对字节填一个表格单元：请比较更短的字符串（可以用 GETRANGE 截取）。",
  "Sort a smaller key (LIMIT does not help: Redis sorts everything first), or keep the data in a sorted set and read it with ZRANGE … LIMIT.":
    "请对更小的键排序（LIMIT 没有用：Redis 会先把所有元素排好序），或者把数据放进有序集合，用 ZRANGE … LIMIT 读取。",
  "Combine smaller sets, or fewer of them; SSCAN reads a big set in pieces.": "请合并更小或更少的集合；大集合可以用 SSCAN 分批读取。",
  "Combine smaller sorted sets, or fewer of them.": "请合并更小或更少的有序集合。",
  "Read a smaller range, e.g. LRANGE key 0 999.": "请读取更小的范围，例如 LRANGE key 0 999。",
  "Read a smaller range, e.g. ZRANGE key 0 999, or add LIMIT offset count.": "请读取更小的范围，例如 ZRANGE key 0 999，或者加上 LIMIT offset count。",
  "Read it in pieces with SSCAN key 0 COUNT 100, or test members with SISMEMBER.": "请用 SSCAN key 0 COUNT 100 分批读取，或者用 SISMEMBER 检查单个成员。",
  "Read it in pieces with HSCAN key 0 COUNT 100, or read fields with HGET/HMGET.": "请用 HSCAN key 0 COUNT 100 分批读取，或者用 HGET/HMGET 读取单个字段。",
  "Ask for fewer elements at once (a smaller COUNT).": "请一次少取一些元素（用更小的 COUNT）。",
  "Read fewer entries at once: add COUNT, e.g. COUNT 100.": "请一次少读一些条目：加上 COUNT，例如 COUNT 100。",
  "Scan fewer elements: LPOS takes MAXLEN, e.g. LPOS key element MAXLEN 1000.": "请少扫描一些元素：LPOS 可以加 MAXLEN，例如 LPOS key element MAXLEN 1000。",
  "Keep fewer points per key (one key per region, say): a search is estimated from the number of points in its key.":
    "请让每个键里少放一些点（例如每个地区一个键）：一次搜索的开销按键里点的数量估算。",
  "Work on a smaller range or on shorter strings (BITCOUNT and BITPOS take start and end).":
    "请处理更小的范围或更短的字符串（BITCOUNT 和 BITPOS 可以指定 start 和 end）。",
  "Count or merge fewer HyperLogLogs at once: each one is up to 16,384 registers.": "请一次少统计或少合并一些 HyperLogLog：每个最多有 16,384 个寄存器。",
  "Copy or dump a smaller key.": "请复制或导出更小的键。",
  "Draw a smaller picture: fewer columns, rows or squares.": "请画一张更小的图：更少的列、行或方块。",
  "Remove a smaller range at a time.": "请一次删除更小的范围。",
  "Remove from a shorter list.": "请在更短的列表里删除。",
  "Insert into a shorter list.": "请在更短的列表里插入。",
  "Use fewer SAMPLES (the default, 5, estimates well).": "请用更少的 SAMPLES（默认的 5 已经估得不错）。",
  "Ask for fewer entries: XINFO STREAM key FULL COUNT 10.": "请少要一些条目：XINFO STREAM key FULL COUNT 10。",
  "Run it on smaller keys.": "请在更小的键上运行它。",
};

/** The sizes behind a cost estimate ("2 sets, 8,000 elements", "500 × 500 bytes", …). */
function costDetailZh(detail: string): string {
  const units: Record<string, string> = {
    element: "个元素",
    elements: "个元素",
    entry: "个条目",
    entries: "个条目",
    point: "个点",
    points: "个点",
    pixels: "个像素",
    cells: "个单元格",
    key: "个键",
    keys: "个键",
    set: "个集合",
    sets: "个集合",
    string: "个字符串",
    strings: "个字符串",
    bytes: "字节",
  };
  return detail
    .replace(/^every command of the server$/, "服务器的全部命令")
    .replace(/^([\d,]+) bytes to ([\d,]+) subscriptions?$/, "$1 字节，发往 $2 个订阅")
    .replace(/ matched against a pattern with a \* inside/, "，要和一个中间带 * 的模式逐一匹配")
    .replace(/^([\d,]+) of your channels matched, ([\d,]+) in all$/, "要匹配你的 $1 个频道，服务器上共 $2 个")
    .replace(/, sorted as numbers/, "，按数字排序")
    .replace(/, sorted as strings/, "，按字符串排序")
    .replace(/([\d,]+) (elements?|entries|entry|points?|pixels|cells|keys?|sets?|strings?|bytes)\b/g, (_, n, u) => `${n} ${units[u]}`)
    .replace(/, /g, "，");
}

/** "this SET", "this SET, with the 4 commands queued before it,", "this transaction's 3 queued commands". */
function quotaWhatZh(what: string): string {
  const queued = /^this (.+), with the ([\d,]+) commands? queued before it,$/.exec(what);
  if (queued) return `这条 ${queued[1]}（连同它之前排队的 ${queued[2]} 条命令）`;
  const tx = /^this transaction's ([\d,]+) queued commands?$/.exec(what);
  if (tx) return `这个事务排队的 ${tx[1]} 条命令`;
  return what.replace(/^this /, "这条 ");
}

/** The Chinese explanation of one of the playground's own messages, or null (Redis's own errors, replies). */
export function explainZh(text: string): string | null {
  const line = text.replace(/^\(error\) /, "");
  for (const [re, zh] of RULES) {
    const m = line.match(re);
    if (m) return zh(m);
  }
  return null;
}

/** The rare actions' windows (lib/rate-limit.ts limitWindow): what was too frequent, in Chinese. */
const WINDOW_WHAT_ZH: Record<string, string> = {
  "workshops opened from your network": "你所在网络开设的工作坊",
  "progress reports": "进度报告",
  "resets, ends and dispatches for this workshop": "这个工作坊的重置、结束和派发操作",
  "join codes that do not exist, from your network": "你所在网络尝试的不存在的加入码",
  "key inspector refreshes": "键查看器的刷新",
  "Venn diagram refreshes": "维恩图的刷新",
};

function limitWindowZh(m: RegExpMatchArray): string {
  const what = WINDOW_WHAT_ZH[m[1]] ?? "这类操作";
  const window = m[3].endsWith("h") ? `${m[3].slice(0, -2)} 小时` : `${m[3].slice(0, -2)} 秒`;
  const hint = m[1].startsWith("join codes") ? "请核对屏幕上的加入码。" : "";
  return `${what}太多了：每 ${window}最多 ${m[2]} 次。${hint}请 ${m[4]} 秒后再试。`;
}
