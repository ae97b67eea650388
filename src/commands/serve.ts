import type { Command } from 'commander';
import { startWriteApi } from '../writeapi/start.ts';
import { contextOf } from './context.ts';

/** Runs the write/read HTTP API alone until SIGINT or SIGTERM; this is the managed `write-api` app. */
export default async function serve(_opts: object, command: Command) {
  const { config, progress } = contextOf(command);
  const api = await startWriteApi(config, { logLevel: 'warn' });
  progress.info(`write API listening on ${api.url} (commands → ${config.leader.name}, queries → ${config.replicas.map((r) => r.name).join(', ')})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  progress.info('write API stopped');
}
