import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/config.ts';
import { cli } from './cli.ts';

/**
 * The stack every integration test shares. Its settings come from CQRSCTL_* in the environment
 * (.ci/run sets the state directory); `up --detach` is a fast no-op when everything already runs,
 * so each test file can call this first.
 */
export async function ensureStack(): Promise<Config> {
  const r = await cli(['up', '--detach'], { timeoutMs: 600_000 });
  if (r.exitCode !== 0) throw new Error(`cqrsctl up failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return loadConfig();
}
