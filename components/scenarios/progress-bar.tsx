/** A progress bar made of coloured parts (done, failed, lost…), with its numbers for screen readers. */
export function ProgressBar({ label, total, parts }: { label: string; total: number; parts: Array<{ n: number; label: string; className: string }> }) {
  const sum = parts.reduce((a, p) => a + p.n, 0);
  const text = `${sum} of ${total}${parts.length > 1 ? ` (${parts.map((p) => `${p.n} ${p.label}`).join(", ")})` : ""}`;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={sum}
      aria-valuetext={text}
      className="flex h-3 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
    >
      {parts.map((p) => (
        <div key={p.label} className={`${p.className} transition-[width] duration-200`} style={{ width: total ? `${(100 * p.n) / total}%` : 0 }} />
      ))}
    </div>
  );
}
