import { notFound } from "next/navigation";
import { MESSAGES, type Messages } from "./messages";
import { isLocale, type Locale } from "./locales";

/** A page's locale from its [locale] param; anything else is a 404. */
export async function pageLocale(params: Promise<{ locale: string }>): Promise<{ locale: Locale; t: Messages }> {
  const { locale } = await params;
  if (!isLocale(locale)) notFound();
  return { locale, t: MESSAGES[locale] };
}
