import { notFound } from "next/navigation";

/**
 * Every URL under /en/… or /zh/… that no other route takes (an unknown lesson slug too: the lesson
 * route prerenders its slugs only, and Next then tries this route): the layout's translated "Page not
 * found" (app/[locale]/not-found.tsx) with status 404, instead of Next's bare page outside the layout.
 * Rendered per request, so unknown URLs never fill the render cache.
 */
export const dynamic = "force-dynamic";

export default function Unknown(): never {
  notFound();
}
