import { NotFoundContent } from "@/components/not-found";

/**
 * A page that calls notFound() under /en/ or /zh/: "Page not found" inside the layout, in the page's
 * language. A URL that no route takes at all is app/global-not-found.tsx (the same content, and in
 * the server's HTML too).
 */
export default function NotFound() {
  return <NotFoundContent />;
}
