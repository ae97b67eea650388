import { usageError } from '../errors.ts';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90", "90s", "500ms", "2m", "1h" → milliseconds; a bare number is seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw usageError(`${flag}: "${text}" is not a duration`, 'Use a number of seconds or a value like 500ms, 30s, 2m.');
  return Math.round(Number(m[1]) * units[m[2] ?? 's']);
}
