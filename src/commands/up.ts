import type { Command } from 'commander';
import type { Config } from '../config/config.ts';
import type { Progress } from '../progress.ts';
import { selectRuntime } from '../runtime/select.ts';
import { appPid, appStatuses, claimApp, openAppLog, startApps, waitForApps } from '../stack/apps.ts';
import { asRunning, describeConflicts, stackConflictError } from '../stack/settings-check.ts';
import { upStack } from '../stack/up.ts';
import { startWriteApi } from '../writeapi/start.ts';
import { contextOf } from './context.ts';
import { runReplicator } from './replicate.ts';

export default async function up(opts: { detach?: boolean }, command: Command) {
  const { config, progress } = contextOf(command, { stack: 'report' });
  await refuseToChangeARunningStack(config, progress);
  const runtime = await selectRuntime(config);
  const result = await upStack(config, runtime, progress);
  const apps = opts.detach ? startApps(config) : [];
  await waitForApps(config, apps, progress);
  if (result.started.length === 0 && result.connector === 'unchanged' && apps.length === 0) {
    progress.info(`Everything is already running (${runtime.name} runtime); nothing to do.`);
  } else {
    const started = [...result.started, ...apps];
    progress.info(
      `Stack is up (${runtime.name} runtime)${started.length ? `; started ${started.join(', ')}` : ''}; connector ${result.connector}.`,
    );
  }
  progress.info('Next: `cqrsctl status` to look around, `cqrsctl logs <service>` to read a log, `cqrsctl down` to stop.');
  // Foreground: serve the API and run the replicator (live line) from this process until Ctrl-C, each unless
  // a detached one already runs.
  if (opts.detach) return;
  const releases: (() => void)[] = [];
  try {
    // In the foreground too, the write API's request lines go to its log (`cqrsctl logs write-api -f`).
    const requests = appPid(config, 'write-api') ? undefined : openAppLog(config, 'write-api');
    const api = requests && (await startWriteApi(config, { logLevel: 'warn', requestLog: (line) => requests.write(`${line}\n`) }));
    if (api) {
      releases.push(claimApp(config, 'write-api'), () => requests!.end());
      requests!.write(
        `${new Date().toISOString()} write API listening on ${api.url} (in the foreground \`cqrsctl up\`, pid ${process.pid})\n`,
      );
      progress.info(`Write API on ${api.url}; Ctrl-C stops it (the services stay up). Its requests: \`cqrsctl logs write-api -f\`.`);
    }
    if (!appPid(config, 'replicator')) {
      releases.push(claimApp(config, 'replicator'));
      await runReplicator(config);
    } else if (api) {
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    await api?.close();
  } finally {
    for (const release of releases) release();
  }
}

/**
 * A stack that runs keeps the settings it was started with: `up --leader-port 7432` on a stack listening on
 * 6432 would otherwise find its services "already running" and then fail to reach them, and
 * `up --replicas 2` on three replicas would silently ignore the flag. A recorded stack of which nothing
 * runs any more (stopped by a reboot, say) simply starts with the new settings.
 */
async function refuseToChangeARunningStack(config: Config, progress: Progress): Promise<void> {
  const conflicts = config.stack?.conflicts ?? [];
  if (!conflicts.length) return;
  const running = asRunning(config);
  const runtime = await selectRuntime(running);
  const states = [...(await runtime.status()), ...(await appStatuses(running))];
  if (states.some((s) => s.state !== 'stopped')) throw stackConflictError(config);
  progress.info(
    `The stack in ${config.settings.home} last ran with ${describeConflicts(conflicts)}; nothing of it runs, so it starts with the new settings.`,
  );
}
