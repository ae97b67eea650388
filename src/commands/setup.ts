import type { Command } from 'commander';
import { selectRuntime } from '../runtime/select.ts';
import { contextOf } from './context.ts';

export default async function setup(_opts: object, command: Command) {
  const { config, progress } = contextOf(command, { stack: 'report' });
  const runtime = await selectRuntime(config);
  await runtime.setup(progress);
  progress.info(`The ${runtime.name} runtime has everything it needs. Next: cqrsctl up`);
}
