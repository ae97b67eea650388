/** What the benches print for repeated runs: the median and the spread (lowest–highest) of each figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** "26,759 (21,004–30,112)" with `digits` decimals. */
export function formatSpread(s: Spread, digits = 0): string {
  const f = (n: number) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** The `--runs N` flag (a positive integer), or `fallback`. */
export function runsFlag(args: string[], fallback: number): number {
  const i = args.indexOf('--runs');
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a positive integer, got ${args[i + 1] ?? 'nothing'}`);
  return n;
}

/** "goal ≥ 5×: met" — the line every bench ends a figure with. */
export const verdict = (value: number, goal: number, higherIsBetter = true) =>
  (higherIsBetter ? value >= goal : value <= goal) ? 'met' : 'missed';
