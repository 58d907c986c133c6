import type { Heading, PhrasingContent } from "mdast";

/**
 * The id a lesson heading gets on the page, GitHub's way: its text in lower case, punctuation dropped,
 * spaces as hyphens, a `-1`, `-2` … for a repeat. "Keys that expire: SETEX" → `keys-that-expire-setex`,
 * "会过期的键：SETEX" → `会过期的键setex`. The notes page links to these (lessons/notes/parts.yaml).
 */
export function headingSlugger(): (heading: Heading) => string {
  const seen = new Map<string, number>();
  return (heading) => {
    const base = slug(text(heading.children));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

function text(nodes: PhrasingContent[]): string {
  return nodes.map((n) => ("value" in n ? n.value : "children" in n ? text(n.children as PhrasingContent[]) : "")).join("");
}
