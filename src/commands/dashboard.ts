import type { Command } from 'commander';
import { startDashboard } from '../dashboard/server.ts';
import { selectRuntime } from '../runtime/select.ts';
import { contextOf } from './context.ts';

/** Serves the dashboard page on 127.0.0.1 until Ctrl-C (or SIGTERM); the stack itself is left as it is. */
export default async function dashboard(_opts: object, command: Command) {
  const { config, progress } = contextOf(command);
  const runtime = await selectRuntime(config);
  const board = await startDashboard(config, runtime, (line) => progress.info(`${new Date().toISOString()} ${line}`));
  progress.info(`Dashboard on ${board.url} (${runtime.name} runtime); Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await board.close();
}
