/** A labelled whole-number input that keeps its value within [min, max]. */
export function NumberField(props: { label: string; value: number; min: number; max: number; disabled?: boolean; onChange(n: number): void }) {
  const { label, value, min, max, disabled, onChange } = props;
  return (
    <label className="flex flex-col gap-1 text-sm">
      {label}
      <input
        type="number"
        min={min}
        max={max}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Math.max(min, Math.min(max, Math.round(Number(e.target.value) || min))))}
        className="w-28 rounded border border-slate-300 bg-white px-2 py-1 font-mono dark:border-slate-600 dark:bg-slate-900"
      />
    </label>
  );
}
