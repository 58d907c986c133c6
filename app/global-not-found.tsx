import type { Viewport } from "next";
import { connection } from "next/server";
import "./globals.css";
import { SITE_VIEWPORT } from "@/components/site-header";
import { UnmatchedPage } from "@/components/not-found";

/**
 * Every URL that no route takes (`/en/nope`, `/zh/lessons/nope`, `/en/lessons/basics/x`; an unprefixed
 * one is first sent to /en/… or /zh/…, server.ts): status 404 and the site's own translated "Page not
 * found", with the header and the language switch, in the server's HTML (curl and a browser without
 * JavaScript see it). Enabled by experimental.globalNotFound in next.config.js.
 *
 * Why not a catch-all page that calls notFound(): Next sends such a page as an empty error document
 * (<html id="__next_error__">, status 404) and renders the not-found UI only in the browser, because
 * React cannot catch the error on the server. Next renders this file instead as a page of its own,
 * with the 404 status set before it starts (and its own <meta name="robots" content="noindex">).
 */
export const viewport: Viewport = SITE_VIEWPORT;

export default async function GlobalNotFound() {
  // Per request, never prerendered: the page's language is the URL's, which only the request knows.
  await connection();
  return <UnmatchedPage />;
}
