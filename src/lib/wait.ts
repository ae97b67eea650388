import { setTimeout as sleep } from 'node:timers/promises';
import { conditionFailed, errorMessage, isCqrsError } from '../errors.ts';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Extra lines for the timeout message, e.g. the service's last log lines. */
  explain?: () => Promise<string> | string;
  signal?: AbortSignal;
  hint?: string;
}

/**
 * Polls `probe` until it resolves to a value other than undefined. A probe that throws counts as "not yet";
 * its last error is named in the timeout message so the user sees why, not only that, it never became ready.
 * A CqrsError thrown by the probe means "this will not get better" and ends the wait at once.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      if (isCqrsError(e)) throw e;
      last = errorMessage(e);
    }
    if (Date.now() > deadline) {
      const extra = options.explain ? await options.explain() : '';
      throw conditionFailed(
        `${what} was not ready after ${Math.round(options.timeoutMs / 1000)}s (last: ${last})${extra ? `\n${extra}` : ''}`,
        options.hint ?? 'Look at the log above or with `cqrsctl logs <service>`; `cqrsctl status` shows every service.',
      );
    }
    options.signal?.throwIfAborted();
    await sleep(options.intervalMs ?? 250);
  }
}
