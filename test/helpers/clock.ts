import type { Clock } from '../../src/lib/wait.ts';

/**
 * Time that passes only when the code under test sleeps, so a test of a wait neither sleeps nor depends on
 * the machine's speed. `slept` lists every pause asked for; `onSleep` may act between two polls (abort, change
 * what the next probe sees).
 */
export function fakeClock(onSleep?: (now: number) => void): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept.push(ms);
      now += ms;
      onSleep?.(now);
    },
  };
}
