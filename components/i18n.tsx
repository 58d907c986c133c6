"use client";

import { createContext, useContext } from "react";
import { MESSAGES, type Messages } from "@/lib/i18n/messages";
import type { Locale } from "@/lib/i18n/locales";

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
