/**
 * The one parser for fence meta (docs/architecture.md "Lessons"): the words after the
 * language on a ``` line, as `flag` or `key=value` / `key="quoted value"`.
 * Each language allows a fixed set; anything else is an error that names the
 * forms that are allowed.
 */
export const FENCE_META = {
  redis: {
    id: "id=<step-id> names the step (default step-N); exercises and tests refer to it",
    nocheck: "nocheck: the replies vary from run to run (times, random members): show them, do not compare them",
    client: "client=<name> runs the block as another redis-cli (another console tab), e.g. to change a WATCHed key",
    scenario: "scenario=<pipeline|visitors|job-queue|connections> shows that live scenario instead of commands",
    title: 'title="…" a caption above the block',
    holds:
      'holds="<key> has <member> …; <key> lacks <member> …; <key> is <type>; <key> absent" what the step leaves in the keys: in a workshop\'s shared keys, where a classmate may have run it first, the step is checked by this instead of its replies',
    venn: 'venn="setA setB" draws a live Venn diagram of two of the learner\'s sets (an empty block)',
  },
  python: { norun: 'norun="why" shows the code without running it in the tests (the notes\' code, bugs included)' },
  ts: { norun: 'norun="why" shows the code without running it in the tests' },
} as const;

export type FenceLang = keyof typeof FENCE_META;
export type FenceMeta = Partial<Record<string, string | true>>;

export class FenceMetaError extends Error {}

export function parseFenceMeta(lang: FenceLang, meta: string | null | undefined): FenceMeta {
  const out: FenceMeta = {};
  const allowed = FENCE_META[lang] as Record<string, string>;
  const re = /\s*([a-z][a-z0-9-]*)(?:=(?:"((?:[^"\\]|\\.)*)"|([^\s"]+)))?/gy;
  const text = (meta ?? "").trim();
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (m = re.exec(text))) {
    at = re.lastIndex;
    const [, key, quoted, bare] = m;
    if (!(key in allowed)) {
      throw new FenceMetaError(`unknown fence meta "${key}" on a \`\`\`${lang} block; allowed: ${Object.values(allowed).join("; ")}`);
    }
    if (key in out) throw new FenceMetaError(`fence meta "${key}" is given twice`);
    out[key] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (bare ?? true);
  }
  if (at < text.length) throw new FenceMetaError(`cannot read the fence meta "${text.slice(at)}"; write flag or key=value or key="a value"`);
  return out;
}
