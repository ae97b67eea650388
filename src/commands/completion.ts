import type { Command } from 'commander';
import { brokerNodes, connectWorkerName } from '../config/config.ts';
import { usageError } from '../errors.ts';
import { apps } from '../stack/apps.ts';
import { completionScript, shells, type Shell } from '../ui/completion.ts';
import { contextOf } from './context.ts';

/** `cqrsctl completion bash|zsh|fish`: prints the shell's completion script. */
export default async function completion(shell: string, _opts: object, command: Command) {
  if (!shells.includes(shell as Shell)) throw usageError(`completion: "${shell}" is not one of ${shells.join(', ')}`);
  const { config } = contextOf(command, { stack: 'report' });
  const services = [
    'leader',
    ...config.replicas.map((r) => r.name),
    ...brokerNodes(config.settings).map((b) => b.name),
    ...config.connectUrls.map((_, i) => connectWorkerName(config.connectUrls.length, i + 1)),
    ...apps.map((a) => a.name),
  ];
  let program = command;
  while (program.parent) program = program.parent;
  process.stdout.write(completionScript(shell as Shell, program, { logs: services, completion: shells }));
}
