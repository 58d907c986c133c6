import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LOCALES } from "@/lib/i18n/locales";
import { pageLocale } from "@/lib/i18n/server";
import { getLesson, lessonList } from "@/lib/lessons/load";
import { lessonNav, toView } from "@/lib/lessons/view";
import { LessonView } from "@/components/lesson/lesson-view";

type Params = Promise<{ locale: string; slug: string }>;

// Only the lessons' own slugs: any other one is a URL no route takes, answered by app/global-not-found.tsx (the translated 404).
export const dynamicParams = false;
export function generateStaticParams() {
  return LOCALES.flatMap((locale) => lessonList(locale).map((l) => ({ locale, slug: l.slug })));
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { locale } = await pageLocale(params);
  const lesson = getLesson(locale, (await params).slug);
  return lesson ? { title: lesson.title, description: lesson.summary } : {};
}

export default async function LessonPage({ params }: { params: Params }) {
  const { locale } = await pageLocale(params);
  const { slug } = await params;
  const lesson = getLesson(locale, slug);
  if (!lesson) notFound();
  const nav = lessonNav(lessonList(locale), slug) ?? undefined;
  return <LessonView lesson={{ ...(await toView(lesson)), nav }} />;
}
