/**
 * Keeps the reader's place across the language switch. Before leaving, the page notes the heading
 * the reader is in (the last one above a third of the viewport) by its place among the page's
 * headings, and how far from the top it was; the page in the other language puts the same heading
 * back there (and waits for it a moment while the page comes in). By place, not by id: a lesson's heading ids come from its words, which differ between
 * languages, while its headings are the same ones in the same order (lib/lessons/flow.test.ts).
 */
const KEY = "pg:switch-anchor";

/** The page's headings that can anchor: in the main column, not the console side (its headings come and go). */
const HEADINGS = "main :is(h2, h3):not(aside *)";

interface Anchor {
  path: string;
  index: number;
  offset: number;
}

/** The last of `tops` (in document order) at or above `limit`, or -1 when none is. */
export function anchorIndex(tops: readonly number[], limit: number): number {
  let found = -1;
  tops.forEach((top, i) => {
    if (top <= limit) found = i;
  });
  return found;
}

function headings(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(HEADINGS)].filter((h) => h.getClientRects().length > 0);
}

type Place = Omit<Anchor, "path">;

/** The heading the reader is in now, and how far from the top it is; null at the top of the page. */
function currentPlace(): Place | null {
  if (window.scrollY === 0) return null;
  const tops = headings().map((h) => h.getBoundingClientRect().top);
  const index = anchorIndex(tops, window.innerHeight / 3);
  return index < 0 ? null : { index, offset: tops[index] };
}

/**
 * Follows where the reader reads. The switch is in the header, so a reader scrolls up to it first:
 * when the switch is pressed at the top of the page, the place is where the reader last stopped
 * scrolling. A stop at the top counts only after a while (reading the page's start, not on the
 * way to the header).
 */
export function followReading(): { place(): Place | null; stop(): void } {
  let last: Place | null = null;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let forget: ReturnType<typeof setTimeout> | undefined;
  const onScroll = () => {
    clearTimeout(settle);
    clearTimeout(forget);
    settle = setTimeout(() => {
      const now = currentPlace();
      if (now) last = now;
      else
        forget = setTimeout(() => {
          if (!currentPlace()) last = null;
        }, 8000);
    }, 400);
  };
  window.addEventListener("scroll", onScroll, { passive: true });
  return {
    place: () => currentPlace() ?? last,
    stop: () => {
      window.removeEventListener("scroll", onScroll);
      clearTimeout(settle);
      clearTimeout(forget);
    },
  };
}

/**
 * Notes `place` for the page at `path` (the one the switch goes to). False when there is none to keep
 * (the top of the page, a page without headings): the other page then opens at its top.
 */
export function rememberAnchor(path: string, place: Place | null): boolean {
  try {
    if (!place) {
      sessionStorage.removeItem(KEY);
      return false;
    }
    sessionStorage.setItem(KEY, JSON.stringify({ path, ...place } satisfies Anchor));
    return true;
  } catch {
    return false;
  }
}

/**
 * On arrival: when the switch noted a heading for this page, scrolls it back to where it was. Again
 * for a moment while the page settles (code, the console), unless the reader has scrolled since.
 */
export function restoreAnchor(path: string): () => void {
  let anchor: Anchor | null = null;
  try {
    anchor = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    sessionStorage.removeItem(KEY);
  } catch {
    return () => {};
  }
  if (!anchor || anchor.path !== path || !Number.isInteger(anchor.index) || !Number.isFinite(anchor.offset)) return () => {};
  const { index, offset } = anchor;
  let placed: number | null = null;
  const place = () => {
    if (placed !== null && Math.abs(window.scrollY - placed) > 2) return; // the reader moved: leave it
    const h = headings()[index];
    if (!h) return;
    window.scrollTo({ top: Math.max(0, window.scrollY + h.getBoundingClientRect().top - offset), behavior: "instant" });
    placed = window.scrollY;
  };
  place();
  const frame = requestAnimationFrame(place);
  // Until the page has come in (a cold server can take seconds to send it), then while it settles.
  const timers = [100, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000].map((ms) => setTimeout(place, ms));
  return () => {
    cancelAnimationFrame(frame);
    for (const t of timers) clearTimeout(t);
  };
}
