import type { Command } from 'commander';
import { selectRuntime } from '../runtime/select.ts';
import { startApps } from '../stack/apps.ts';
import { upStack } from '../stack/up.ts';
import { contextOf } from './context.ts';

export default async function up(opts: { detach?: boolean }, command: Command) {
  const { config, progress } = contextOf(command);
  const runtime = await selectRuntime(config);
  const result = await upStack(config, runtime, progress);
  const apps = opts.detach ? startApps(config) : [];
  if (result.started.length === 0 && result.connector === 'unchanged' && apps.length === 0) {
    progress.info(`Everything is already running (${runtime.name} runtime); nothing to do.`);
  } else {
    const started = [...result.started, ...apps];
    progress.info(`Stack is up (${runtime.name} runtime)${started.length ? `; started ${started.join(', ')}` : ''}; connector ${result.connector}.`);
  }
  progress.info('Next: `cqrsctl status` to look around, `cqrsctl logs <service>` to read a log, `cqrsctl down` to stop.');
}
