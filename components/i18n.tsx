"use client";

import { createContext, useContext } from "react";
import { MESSAGES, type Messages } from "@/lib/i18n/messages";
import type { Locale } from "@/lib/i18n/locales";
import type { Problem } from "@/lib/problems";

const LocaleContext = createContext<Locale>("en");

/** The page's locale for client components (the layout sets it from the URL). */
export function LocaleProvider({ locale, children }: { locale: Locale; children: React.ReactNode }) {
  return <LocaleContext.Provider value={locale}>{children}</LocaleContext.Provider>;
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}

/** The UI strings in the page's language. */
export function useT(): Messages {
  return MESSAGES[useContext(LocaleContext)];
}

/** Words a problem (an error, refusal or notice the server sent as a code) in the page's language. */
export function useProblemText(): (p: Problem) => string {
  const t = useT();
  return (p) => (t.problems[p.code] as (params: unknown) => string)(p.params);
}
