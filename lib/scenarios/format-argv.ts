/** A command as a learner would type it: words bare, anything else quoted as redis-cli quotes. */
export function showArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w:.*$>+\-{}[\]#@/]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}
