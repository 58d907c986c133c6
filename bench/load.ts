/** One autocannon run per target: a warm-up, then the measured run. */
import autocannon, { type Options, type Result } from "autocannon";

export interface Figure {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Non-2xx status codes seen, e.g. "429×120". */
  codes: string;
}

let current: { stop(): void } | null = null;
let aborted = false;
/** Stops the run in progress and starts no other (Ctrl-C; the signal handler then exits). */
export function stopLoad(): void {
  aborted = true;
  current?.stop();
}

/** autocannon's own histogram keeps whole milliseconds; `times` collects exact ones. */
async function run(opts: Options, times?: number[]): Promise<Result> {
  if (aborted) await new Promise(() => {});
  const inst = autocannon({ timeout: 10, ...opts });
  current = inst;
  if (times) inst.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  try {
    const r = await inst;
    if (aborted) await new Promise(() => {});
    return r;
  } finally {
    current = null;
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export async function measure(name: string, opts: Omit<Options, "duration">, warmSeconds: number, seconds: number): Promise<Figure> {
  process.stdout.write(`  ${name.padEnd(34)} warm-up ${warmSeconds} s… `);
  if (warmSeconds > 0) await run({ ...opts, duration: warmSeconds });
  process.stdout.write(`measuring ${seconds} s… `);
  const times: number[] = [];
  const r = await run({ ...opts, duration: seconds }, times);
  const sorted = Float64Array.from(times).sort();
  const requests = r.requests.total;
  const fig: Figure = {
    name,
    rps: requests / r.duration,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests,
    errors: r.errors,
    non2xx: r.non2xx,
    codes: Object.entries(r.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, s]) => `${code}×${s.count}`)
      .join(" "),
  };
  console.log(`${Math.round(fig.rps)} req/s${fig.errors || fig.non2xx ? ` (${fig.errors} errors, ${fig.non2xx} non-2xx ${fig.codes}!)` : ""}`);
  return fig;
}

/** Gives each autocannon connection its own headers, in connection order. */
export function perConnection(headers: Record<string, string>[]): (client: { setHeaders(h: Record<string, string>): void }) => void {
  let i = 0;
  return (client) => client.setHeaders(headers[i++ % headers.length]);
}
