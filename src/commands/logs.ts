import type { Command } from 'commander';
import { parseSince } from '../lib/time.ts';
import { printLogFile } from '../process/log-file.ts';
import { selectRuntime } from '../runtime/select.ts';
import { appPaths, apps, isReplicatorApp } from '../stack/apps.ts';
import { contextOf } from './context.ts';

const DEFAULT_FOLLOW_TAIL = 10;

/** One service's log (or its last --tail lines); -f keeps printing what is appended. */
export default async function logs(service: string, opts: { follow?: boolean; tail?: number; since?: string }, command: Command) {
  const { config, output } = contextOf(command);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  // Following starts from the last lines, as `tail -f` does, not from the beginning of a long log.
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const tail = opts.tail ?? (opts.follow && !since ? DEFAULT_FOLLOW_TAIL : undefined);
  const options = { follow: Boolean(opts.follow), tail, since, out: output.stdout, signal: abort.signal };
  if (apps(config).some((a) => a.name === service) || isReplicatorApp(service)) return printLogFile(appPaths(config, service).log, options);
  const runtime = await selectRuntime(config);
  await runtime.logs(service, options);
}
