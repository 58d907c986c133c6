/** The app's languages: every page exists under /en/… and /zh/…. */
export const LOCALES = ["en", "zh"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "pg_locale";
/** What <html lang> says. */
export const HTML_LANG: Record<Locale, string> = { en: "en", zh: "zh-CN" };
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", zh: "简体中文" };

export function isLocale(x: unknown): x is Locale {
  return typeof x === "string" && (LOCALES as readonly string[]).includes(x);
}

/** The locale for an unprefixed URL: the cookie a language switch set, then Accept-Language, then English. */
export function pickLocale(cookieHeader: string | undefined, acceptLanguage: string | undefined): Locale {
  const cookie = /(?:^|;\s*)pg_locale=([a-z]{2})(?:;|$)/.exec(cookieHeader ?? "")?.[1];
  if (isLocale(cookie)) return cookie;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(";");
      const q = Number(
        params
          .find((p) => p.trim().startsWith("q="))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { tag, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const base = tag.split("-")[0];
    if (isLocale(base)) return base;
  }
  return DEFAULT_LOCALE;
}

/**
 * Where an unprefixed page URL goes (`/playground` → `/zh/playground`), or
 * null when the URL is not a page (API, assets) or already has a locale.
 */
export function localeRedirect(
  method: string | undefined,
  url: string | undefined,
  cookie: string | undefined,
  acceptLanguage: string | undefined,
): string | null {
  if ((method !== "GET" && method !== "HEAD") || !url) return null;
  const [path, query] = splitQuery(url);
  if (path.startsWith("/_next/") || path.startsWith("/api/") || /\.[a-z0-9]+$/i.test(path)) return null;
  const first = path.split("/")[1];
  if (isLocale(first)) return null;
  const locale = pickLocale(cookie, acceptLanguage);
  return `/${locale}${path === "/" ? "" : path}${query}`;
}

function splitQuery(url: string): [string, string] {
  const i = url.indexOf("?");
  return i < 0 ? [url, ""] : [url.slice(0, i), url.slice(i)];
}

/** The same page in another locale: `/en/lessons/basics` → `/zh/lessons/basics`. */
export function switchLocalePath(pathname: string, to: Locale): string {
  const parts = pathname.split("/");
  if (isLocale(parts[1])) parts[1] = to;
  else parts.splice(1, 0, to);
  return parts.join("/").replace(/\/$/, "") || `/${to}`;
}
