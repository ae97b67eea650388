import type { Command } from 'commander';
import { refuseUnsafeExposure } from '../config/exposure.ts';
import { startWriteApi } from '../writeapi/start.ts';
import { contextOf } from './context.ts';

/** Runs the write/read HTTP API alone until SIGINT or SIGTERM; this is the managed `write-api` app. */
export default async function serve(_opts: object, command: Command) {
  const { config, progress, output } = contextOf(command);
  refuseUnsafeExposure(config);
  // Its output is the write-api log: one line per request there.
  const api = await startWriteApi(config, { logLevel: 'warn', requestLog: (line) => output.out(`${line}\n`) });
  progress.info(
    `${new Date().toISOString()} write API listening on ${api.url} (commands → ${config.leader.name}, queries → ${config.replicas.map((r) => r.name).join(', ')})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  progress.info(`${new Date().toISOString()} write API stopped`);
}
