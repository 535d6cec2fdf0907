// Percentiles and rates of load-test samples, formatted the same way by every ingress benchmark.

/** The `p`-th percentile (0–100) of `values` by nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Milliseconds with a precision that suits their size: `0.84`, `12.3`, `1520`. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value < 10) return value.toFixed(2);
  if (value < 1000) return value.toFixed(1);
  return value.toFixed(0);
}

/** A ratio as `0.62`, or `–` when undefined. */
export function ratio(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value < 0.1 ? value.toPrecision(2) : value.toFixed(2);
}

/** Left-aligned first column, right-aligned others: a plain-text table. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((row) =>
      (
        indent +
        row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
      ).trimEnd(),
    )
    .join('\n');
}
