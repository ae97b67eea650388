import { setTimeout as sleep } from 'node:timers/promises';
import { conditionFailed, errorMessage } from '../errors.ts';
import { fromBoundary } from './boundary.ts';

/** Time as a wait sees it; tests pass one that advances only when the wait sleeps. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Extra lines for the timeout message, e.g. the service's last log lines. */
  explain?: () => Promise<string> | string;
  signal?: AbortSignal;
  hint?: string;
  clock?: Clock;
}

/**
 * Polls `probe` until it resolves to a value other than undefined. A probe that throws a retriable error
 * (a service not answering yet, see src/lib/boundary.ts) counts as "not yet"; its last error is named in
 * the timeout message so the user sees why, not only that, it never became ready. Any other error will
 * not get better by waiting and ends the wait at once: a non-retriable CqrsError as it is, an error from
 * PostgreSQL, Kafka or HTTP translated, a bug unchanged.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      const known = fromBoundary(e);
      if (!known) throw e;
      if (!known.retriable) throw known;
      last = errorMessage(e);
    }
    if (clock.now() > deadline) {
      const extra = options.explain ? await options.explain() : '';
      throw conditionFailed(
        `${what} was not ready after ${Math.round(options.timeoutMs / 1000)}s (last: ${last})${extra ? `\n${extra}` : ''}`,
        options.hint ?? 'Look at the log above or with `cqrsctl logs <service>`; `cqrsctl status` shows every service.',
      );
    }
    options.signal?.throwIfAborted();
    await clock.sleep(options.intervalMs ?? 250, options.signal);
  }
}

/**
 * Waits for every promise, then throws the first failure: allSettled, so one failure neither leaves the
 * others' rejections unhandled nor stops the wait for the rest.
 */
export async function allOrFirstFailure(promises: Iterable<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
