import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LOCALES } from "@/lib/i18n/locales";
import { pageLocale } from "@/lib/i18n/server";
import { getLesson, lessonList } from "@/lib/lessons/load";
import { toView } from "@/lib/lessons/view";
import { LessonView } from "@/components/lesson/lesson-view";

type Params = Promise<{ locale: string; slug: string }>;

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
  const lesson = getLesson(locale, (await params).slug);
  if (!lesson) notFound();
  return <LessonView lesson={await toView(lesson)} />;
}
