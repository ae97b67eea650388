import { usageError } from '../errors.ts';
import { parseDurationMs } from '../lib/time.ts';
import type { SimulateOptions } from './run.ts';

export interface SimulateFlags {
  count?: string;
  duration?: string;
  rate?: string;
  concurrency?: string;
  via?: string;
  seed?: string;
  checkReads?: boolean;
}

/** Turns the command line into options, naming the flag at fault when a value is unusable. */
export function parseSimulateFlags(flags: SimulateFlags): SimulateOptions {
  if (flags.count !== undefined && flags.duration !== undefined) throw usageError('give --count or --duration, not both');
  const via = flags.via ?? 'api';
  if (via !== 'api' && via !== 'sql') throw usageError(`--via: "${via}" is not api or sql`);
  return {
    count: flags.duration === undefined ? whole(flags.count ?? '1000', '--count', 1) : undefined,
    durationMs: flags.duration === undefined ? undefined : parseDurationMs(flags.duration, '--duration'),
    rate: whole(flags.rate ?? '200', '--rate', 0),
    concurrency: Math.min(whole(flags.concurrency ?? '8', '--concurrency', 1), 256),
    via,
    seed: flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : whole(flags.seed, '--seed', 0),
    checkReads: Boolean(flags.checkReads),
  };
}

function whole(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw usageError(`${flag}: "${value}" is not a whole number${min ? ` of at least ${min}` : ''}`);
  return n;
}
