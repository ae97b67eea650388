import type { Command } from 'commander';
import { printLogFile } from '../process/log-file.ts';
import { selectRuntime } from '../runtime/select.ts';
import { appPaths, apps } from '../stack/apps.ts';
import { contextOf } from './context.ts';

export default async function logs(service: string, opts: { follow?: boolean; tail?: number }, command: Command) {
  const { config } = contextOf(command);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const options = { follow: Boolean(opts.follow), tail: opts.tail, out: process.stdout, signal: abort.signal };
  if (apps.some((a) => a.name === service)) return printLogFile(appPaths(config, service).log, options);
  const runtime = await selectRuntime(config);
  await runtime.logs(service, options);
}
