/**
 * 简体中文 as the project writes it: full-width punctuation after Chinese (，。：；（）), one space
 * between Chinese and Latin letters or digits ("至少为 100 且至多为 300"), none between Chinese
 * characters or around full-width punctuation. Used by the tests that hold every Chinese text to it
 * (lib/i18n/zh-style.test.ts); code and redis-cli output are left out before a text gets here.
 */
const HAN = "\\p{Script=Han}";
const FULL_PUNCT = "，。：；！？、）“”";
const RULES: Array<[RegExp, string]> = [
  [new RegExp(`[${HAN}][:;,!?](?!//)`, "u"), "ASCII punctuation after Chinese: use ：；，！？"],
  [new RegExp(`[${HAN}] ?\\d+[:;,](?!\\d)`, "u"), "ASCII punctuation after a number in Chinese: use ：；，"],
  [/\([^()]*\p{Script=Han}[^()]*\)/u, "ASCII parentheses around Chinese: use （）"],
  [/[（）] ?\(|\) ?[（）]|[\p{Script=Han}）] ?\(\d+\)/u, "ASCII and full-width parentheses mixed: use （）"],
  [new RegExp(`[${HAN}][A-Za-z0-9]|[A-Za-z0-9][${HAN}]`, "u"), "no space between Chinese and Latin letters or digits"],
  [new RegExp(`[${HAN}] +[${HAN}]`, "u"), "a space between Chinese characters"],
  [new RegExp(`[${HAN}] +[${FULL_PUNCT}]|[（“] +[${HAN}]|[，。：；！？、] +\\S`, "u"), "a space around full-width punctuation"],
];

/** What breaks the house style in one line of text, each with a little context; empty when nothing does. */
export function zhStyleIssues(text: string): string[] {
  const out: string[] = [];
  for (const [re, why] of RULES) {
    const m = re.exec(text);
    if (m) out.push(`${why}: …${text.slice(Math.max(0, m.index - 12), m.index + m[0].length + 12)}…`);
  }
  return out;
}
