import { describe, expect, it } from "vitest";
import { localeRedirect, pickLocale, switchLocalePath } from "./locales";

describe("locales", () => {
  it("picks the cookie first, then Accept-Language by weight, then English", () => {
    expect(pickLocale("pg_locale=zh", "en-US,en")).toBe("zh");
    expect(pickLocale("a=b; pg_locale=en", "zh-CN")).toBe("en");
    expect(pickLocale("pg_locale=fr", "zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh");
    expect(pickLocale(undefined, "fr-FR,fr;q=0.9,zh-TW;q=0.5,en;q=0.4")).toBe("zh");
    expect(pickLocale(undefined, "en;q=0.5,zh;q=0.9")).toBe("zh");
    expect(pickLocale(undefined, "de,fr")).toBe("en");
    expect(pickLocale(undefined, undefined)).toBe("en");
  });

  it("redirects unprefixed pages only, keeping the query", () => {
    expect(localeRedirect("GET", "/", undefined, "zh-CN")).toBe("/zh");
    expect(localeRedirect("GET", "/playground?x=1", "pg_locale=en", "zh")).toBe("/en/playground?x=1");
    expect(localeRedirect("GET", "/lessons/basics", undefined, undefined)).toBe("/en/lessons/basics");
    expect(localeRedirect("GET", "/zh/lessons", undefined, "en")).toBeNull();
    expect(localeRedirect("GET", "/en", undefined, "zh")).toBeNull();
    expect(localeRedirect("GET", "/api/health", undefined, "zh")).toBeNull();
    expect(localeRedirect("GET", "/_next/static/x.js", undefined, "zh")).toBeNull();
    expect(localeRedirect("GET", "/favicon.ico", undefined, "zh")).toBeNull();
    expect(localeRedirect("POST", "/playground", undefined, "zh")).toBeNull();
  });

  it("switches the locale of a path, keeping the page", () => {
    expect(switchLocalePath("/en/lessons/basics", "zh")).toBe("/zh/lessons/basics");
    expect(switchLocalePath("/zh", "en")).toBe("/en");
    expect(switchLocalePath("/playground", "zh")).toBe("/zh/playground");
  });
});
