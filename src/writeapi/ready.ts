import type { Config } from '../config/config.ts';
import type { Progress } from '../progress.ts';
import { waitUntil } from '../lib/wait.ts';

/** Waits until a just-started write API answers, so `up --detach` returns only once it can take commands. */
export function waitForWriteApi(config: Config, progress: Progress): Promise<true> {
  return progress.step('Waiting for the write API to answer', () =>
    waitUntil('write-api', () => fetch(`${config.writeApiUrl}/health`, { signal: AbortSignal.timeout(2000) }).then(() => true), {
      timeoutMs: 30_000,
      hint: 'See why with `cqrsctl logs write-api`.',
    }),
  );
}
