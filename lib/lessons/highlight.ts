import { createHighlighter, type Highlighter } from "shiki";

/**
 * Syntax highlighting at build time (shiki): the pages ship HTML, no
 * highlighter runs in the browser. Light and dark colours both, switched by
 * CSS (globals.css, .shiki).
 */
let highlighter: Promise<Highlighter> | null = null;

export async function highlight(code: string, lang: "python" | "ts"): Promise<string> {
  highlighter ??= createHighlighter({ themes: ["github-light-high-contrast", "github-dark-high-contrast"], langs: ["python", "typescript"] });
  const h = await highlighter;
  return h.codeToHtml(code.replace(/\n$/, ""), {
    lang: lang === "ts" ? "typescript" : "python",
    themes: { light: "github-light-high-contrast", dark: "github-dark-high-contrast" },
  });
}
