import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { selectRuntime, stackFile } from '../runtime/select.ts';
import { stopApps } from '../stack/apps.ts';
import { contextOf } from './context.ts';

export default async function down(opts: { purge?: boolean }, command: Command) {
  const { config, progress } = contextOf(command);
  const runtime = await selectRuntime(config);
  const apps = await stopApps(config);
  if (apps.length) progress.info(`Stopped ${apps.join(', ')}.`);
  await runtime.down({ purge: Boolean(opts.purge) }, progress);
  rmSync(stackFile(config), { force: true });
  progress.info(opts.purge ? 'Stack stopped and its data deleted.' : 'Stack stopped; data kept (`cqrsctl down --purge` deletes it).');
}
