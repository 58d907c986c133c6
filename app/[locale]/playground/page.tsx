import type { Metadata } from "next";
import { Console } from "@/components/console";
import { EndpointPanel } from "@/components/endpoint-panel";
import { pageLocale } from "@/lib/i18n/server";

export async function generateMetadata({ params }: { params: Promise<{ locale: string }> }): Promise<Metadata> {
  return { title: (await pageLocale(params)).t.playground.title };
}

export default async function Playground({ params }: { params: Promise<{ locale: string }> }) {
  const { t } = await pageLocale(params);
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-bold">{t.playground.title}</h1>
      <p className="text-sm text-slate-600 dark:text-slate-300">{t.playground.intro}</p>
      <Console />
      <EndpointPanel />
    </div>
  );
}
