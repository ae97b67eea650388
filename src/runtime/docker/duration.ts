import { usageError } from '../../errors.ts';

const unitNs: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A compose duration (`1m30s`, `500ms`, `2s`) in nanoseconds, the unit the Engine API takes. */
export function parseDuration(text: string, where: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw usageError(`${where}: "${text}" is not a duration`, 'Use a number with a unit: 500ms, 2s, 1m30s.');
  }
  return Math.round(parts.reduce((ns, [, n, unit]) => ns + Number(n) * unitNs[unit], 0));
}
