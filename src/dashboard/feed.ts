import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import { errorMessage } from '../errors.ts';
import { followChanges, summarizeChange, type ChangeSummary } from '../replicator/follow.ts';

export interface FeedState {
  /** The newest changes, oldest first. */
  recent: ChangeSummary[];
  /** Why the feed is not following right now (the broker is down, say), or null. */
  error: string | null;
}

const KEEP = 100;
const RETRY_MS = 5000;

/**
 * The live change feed: follows the change topic from its end with the same follower as `events tail` and
 * keeps the newest changes. A broker that goes away does not end it: it says why and follows again.
 */
export function startFeed(
  config: Config,
  signal: AbortSignal,
  on: { change: (c: ChangeSummary) => void; state: (s: FeedState) => void },
): { state: FeedState; done: Promise<void> } {
  const state: FeedState = { recent: [], error: null };
  return { state, done: follow(config, signal, state, on) };
}

async function follow(
  config: Config,
  signal: AbortSignal,
  state: FeedState,
  on: { change: (c: ChangeSummary) => void; state: (s: FeedState) => void },
): Promise<void> {
  while (!signal.aborted) {
    try {
      await followChanges(config, {
        name: 'cqrsctl-dashboard',
        signal,
        onChange: (c) => {
          const s = summarizeChange(c);
          if (!s) return;
          if (state.error) on.state(Object.assign(state, { error: null }));
          state.recent.push(s);
          if (state.recent.length > KEEP) state.recent.shift();
          on.change(s);
        },
      });
    } catch (e) {
      state.error = `not following the change topic: ${errorMessage(e)}; trying again`;
      on.state(state);
      await sleep(RETRY_MS, undefined, { signal }).catch(() => {});
    }
  }
}
