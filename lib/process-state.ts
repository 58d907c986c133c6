/**
 * Process-wide mutable state, in one place (docs/architecture.md "The
 * command path"). lib/ is loaded twice in one process: by the custom server
 * (server.ts) and inside Next's bundle (server actions). A module-level Map
 * would exist once per copy, and the two copies would disagree (a tab's
 * command order, a room's running queue, the open streams). So every module
 * keeps its state here, under its own name, on one object on globalThis that
 * both copies share, as the runtime itself is (lib/runtime.ts).
 * lib/process-state.test.ts fails when module-level mutable state appears.
 */
const KEY = Symbol.for("redis-playground.process-state");
type G = typeof globalThis & { [KEY]?: Map<string, unknown> };

/** The state named `name`, made by `init` the first time any copy asks. */
export function processState<T>(name: string, init: () => T): T {
  const g = globalThis as G;
  const all = (g[KEY] ??= new Map());
  if (!all.has(name)) all.set(name, init());
  return all.get(name) as T;
}
