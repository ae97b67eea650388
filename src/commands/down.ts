import type { Command } from 'commander';
import { removeStackRecordIn } from '../config/stack-record.ts';
import { selectRuntime } from '../runtime/select.ts';
import { stopApps } from '../stack/apps.ts';
import { contextOf } from './context.ts';

/** Stops the stack as it runs, whatever settings this command was given (the state dir remembers them). */
export default async function down(opts: { purge?: boolean }, command: Command) {
  const { config, progress } = contextOf(command, { stack: 'running' });
  const runtime = await selectRuntime(config);
  const apps = await stopApps(config);
  if (apps.length) progress.info(`Stopped ${apps.join(', ')}.`);
  await runtime.down({ purge: Boolean(opts.purge) }, progress);
  removeStackRecordIn(config.settings.home, { purge: Boolean(opts.purge) });
  progress.info(opts.purge ? 'Stack stopped and its data deleted.' : 'Stack stopped; data kept (`cqrsctl down --purge` deletes it).');
}
