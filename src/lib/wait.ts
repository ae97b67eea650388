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

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * The one polling loop: calls `probe` every interval until it resolves to a value other than undefined,
 * or resolves to undefined once `timeoutMs` has passed. The last call is made at the deadline, not up to
 * an interval after it. Errors from the probe end the loop as they are: the caller decides what to retry.
 */
export async function poll<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    options.signal?.throwIfAborted();
    await clock.sleep(Math.min(options.intervalMs ?? 250, left), options.signal);
  }
}

export interface WaitOptions extends PollOptions {
  /** Extra lines for the timeout message, e.g. the service's last log lines. */
  explain?: () => Promise<string> | string;
  hint?: string;
}

/**
 * Polls `probe` until it resolves to a value other than undefined. A probe that throws a retriable error
 * (a service not answering yet, see src/lib/boundary.ts) counts as "not yet"; its last error is named in
 * the timeout message so the user sees why, not only that, it never became ready. Any other error will
 * not get better by waiting and ends the wait at once: a non-retriable CqrsError as it is, an error from
 * PostgreSQL, Kafka or HTTP translated, a bug unchanged.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  let last = 'no answer yet';
  const value = await poll(async () => {
    try {
      return await probe();
    } catch (e) {
      const known = fromBoundary(e);
      if (!known) throw e;
      if (!known.retriable) throw known;
      last = errorMessage(e);
      return undefined;
    }
  }, options);
  if (value !== undefined) return value;
  const extra = options.explain ? await options.explain() : '';
  throw conditionFailed(
    `${what} was not ready after ${Math.round(options.timeoutMs / 1000)}s (last: ${last})${extra ? `\n${extra}` : ''}`,
    options.hint ?? 'Look at the log above or with `cqrsctl logs <service>`; `cqrsctl status` shows every service.',
  );
}

/**
 * Runs `run` now and then every `intervalMs` after it finished, until `signal` aborts; an abort during the
 * pause ends the loop at once, one during a run ends it when that run is done.
 */
export async function every(
  intervalMs: number,
  run: () => Promise<void> | void,
  options: { signal: AbortSignal; clock?: Clock },
): Promise<void> {
  const clock = options.clock ?? systemClock;
  while (!options.signal.aborted) {
    await run();
    if (options.signal.aborted) return;
    await clock.sleep(intervalMs, options.signal).catch((e: unknown) => {
      if (!options.signal.aborted) throw e;
    });
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
