import type { Reply } from "@/lib/resp/reply";
import type { Locale } from "@/lib/i18n/locales";

/**
 * What the console needs from `COMMAND DOCS` for completion, the inline
 * argument hint and HELP. Built from the live server, so it always matches the
 * Redis the learner is talking to. Shared by server and client.
 */
export interface CommandDoc {
  /** Upper case; subcommands as "OBJECT ENCODING". */
  name: string;
  summary: string;
  since: string;
  group: string;
  complexity: string;
  /** Argument synopsis, e.g. "key value [NX|XX] [GET]". */
  args: string;
}

const str = (r: Reply | undefined): string => (r && (r.t === "bulk" || r.t === "status") ? r.v : r && r.t === "integer" ? String(r.v) : "");
const items = (r: Reply | undefined): Reply[] => (r && "v" in r && Array.isArray(r.v) ? r.v : []);

function pairs(r: Reply | undefined): Map<string, Reply> {
  const m = new Map<string, Reply>();
  const v = items(r);
  for (let i = 0; i + 1 < v.length; i += 2) m.set(str(v[i]), v[i + 1]);
  return m;
}

/** One argument as redis-cli 7.2 shows it in its hints. */
function argText(r: Reply): string {
  const a = pairs(r);
  const type = str(a.get("type"));
  const flags = new Set(items(a.get("flags")).map(str));
  const token = str(a.get("token"));
  let s: string;
  if (type === "pure-token") s = token;
  else if (type === "oneof") s = items(a.get("arguments")).map(argText).join("|");
  else if (type === "block") s = items(a.get("arguments")).map(argText).join(" ");
  else s = str(a.get("display_text")) || str(a.get("name"));
  if (token && type !== "pure-token") s = `${token} ${s}`;
  if (flags.has("multiple") || flags.has("multiple_token")) s = `${s} [${s} ...]`;
  if (flags.has("optional")) s = `[${s}]`;
  return s;
}

function docFrom(name: string, r: Reply): CommandDoc {
  const d = pairs(r);
  return {
    name,
    summary: str(d.get("summary")),
    since: str(d.get("since")),
    group: str(d.get("group")),
    complexity: str(d.get("complexity")),
    args: items(d.get("arguments")).map(argText).join(" "),
  };
}

export function parseCommandDocs(reply: Reply): CommandDoc[] {
  const out: CommandDoc[] = [];
  const v = items(reply);
  for (let i = 0; i + 1 < v.length; i += 2) {
    const name = str(v[i]).toUpperCase();
    out.push(docFrom(name, v[i + 1]));
    const subs = pairs(v[i + 1]).get("subcommands");
    const sv = items(subs);
    for (let j = 0; j + 1 < sv.length; j += 2) out.push(docFrom(str(sv[j]).replace("|", " ").toUpperCase(), sv[j + 1]));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** HELP <command>, in the layout redis-cli uses. */
export function helpText(doc: CommandDoc): string {
  return [
    `  ${doc.name}${doc.args ? ` ${doc.args}` : ""}`,
    `  summary: ${doc.summary}`,
    `  since: ${doc.since}`,
    `  group: ${doc.group}`,
    ...(doc.complexity ? [`  complexity: ${doc.complexity}`] : []),
  ].join("\n");
}

/** The console's own HELP, in each language (Redis's HELP <command> texts stay as COMMAND DOCS gives them). */
export const GENERAL_HELP_TEXT: Record<Locale, string> = {
  en: [
    "Redis Playground console — every command runs against a live Redis, in your own sandbox.",
    '"HELP <command>" for a command\'s arguments, summary, complexity and version, e.g. HELP SET',
    "Tab completes command names; ↑/↓ walk your history; Ctrl+L clears the screen.",
  ].join("\n"),
  zh: [
    "Redis 练习场控制台——每条命令都在真实的 Redis 上运行，数据放在你自己的沙箱里。",
    "“HELP <命令>”显示一条命令的参数、说明、复杂度和起始版本，例如 HELP SET",
    "Tab 补全命令名；↑/↓ 浏览历史；Ctrl+L 清屏。",
  ].join("\n"),
};

/** What the server answers to HELP: the English, as the API and redis-cli users read it. */
export const GENERAL_HELP = GENERAL_HELP_TEXT.en;

/** A reply as a page in `locale` shows it: the console's HELP in the page's language, anything else as it is. */
export function localHelp(reply: Reply, locale: Locale): Reply {
  return reply.t === "status" && reply.v === GENERAL_HELP ? { ...reply, v: GENERAL_HELP_TEXT[locale] } : reply;
}

/** Finds the doc for the words of a line: "object encoding" before "object". */
export function findDoc(docs: readonly CommandDoc[], words: string[]): CommandDoc | undefined {
  const two = words.slice(0, 2).join(" ").toUpperCase();
  const one = (words[0] ?? "").toUpperCase();
  return docs.find((d) => d.name === two) ?? docs.find((d) => d.name === one);
}
