import type { Config } from '../config/config.ts';
import type { Progress } from '../progress.ts';
import { selectRuntime } from '../runtime/select.ts';
import { appStatuses } from './apps.ts';
import { asRunning, describeConflicts, stackConflictError } from './settings-check.ts';

/**
 * A stack that runs keeps the settings it was started with: `up --leader-port 7432` on a stack listening on
 * 6432 would otherwise find its services "already running" and then fail to reach them, and
 * `up --replicas 2` on three replicas would silently ignore the flag. A recorded stack of which nothing
 * runs any more (stopped by a reboot, say) simply starts with the new settings.
 */
export async function refuseToChangeARunningStack(config: Config, progress: Progress): Promise<void> {
  const conflicts = config.stack?.conflicts ?? [];
  if (!conflicts.length) return;
  const running = asRunning(config);
  const runtime = await selectRuntime(running);
  const states = [...(await runtime.status()), ...(await appStatuses(running))];
  if (states.some((s) => s.state !== 'stopped')) throw stackConflictError(config);
  progress.info(
    `The stack in ${config.settings.home} last ran with ${describeConflicts(conflicts)}; nothing of it runs, so it starts with the new settings.`,
  );
}
