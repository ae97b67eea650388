import { usageError } from '../errors.ts';

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration flag: "90", "90s", "1.5m", "2h", "1d", "500ms" → whole milliseconds; a bare number is seconds. */
export function parseDurationMs(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m || Number(m[1]) <= 0) throw usageError(`${flag}: "${value}" is not a duration`, 'Use e.g. 2s, 30s, 5m or 1h.');
  return Math.round(Number(m[1]) * units[(m[2] ?? 's') as keyof typeof units]);
}

/**
 * A point in time for --since: a duration back from now ("10m", "2h", "1d") or a date and time
 * ("2026-11-26T02:00:00Z", "2026-11-26 02:00"; without a zone, local time, as `date` prints it).
 */
export function parseSince(value: string, now = Date.now()): Date {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)?$/.test(value.trim())) return new Date(now - parseDurationMs(value, '--since'));
  const at = parseLogTime(value.trim());
  if (at === undefined)
    throw usageError(
      `--since: "${value}" is neither a duration nor a date and time`,
      'Use e.g. --since 10m, --since 2h or --since "2026-11-26 14:00".',
    );
  return at;
}

const stamp = /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d{1,9}))?\s?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?/;

/**
 * The time at the start of a log line, in the forms the stack's logs use: ISO 8601 (cqrsctl's apps),
 * PostgreSQL's `2026-11-26 02:00:01.123 UTC`, log4j's `[2026-11-26 02:00:01,123]` (local time).
 */
export function parseLogTime(line: string): Date | undefined {
  const m = stamp.exec(line);
  if (!m) return undefined;
  const [, date, time, fraction = '0', zone] = m;
  const ms = fraction.padEnd(3, '0').slice(0, 3);
  const offset = !zone
    ? ''
    : zone === 'Z' || zone === 'UTC' || zone === 'GMT'
      ? 'Z'
      : /^[+-]\d{2}$/.test(zone)
        ? `${zone}:00`
        : zone.length === 5
          ? `${zone.slice(0, 3)}:${zone.slice(3)}`
          : zone;
  const d = new Date(`${date}T${time.length === 5 ? `${time}:00` : time}.${ms}${offset}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
