import type { Command } from 'commander';
import { refuseUnsafeExposure } from '../config/exposure.ts';
import { selectRuntime } from '../runtime/select.ts';
import { appPid, claimApp, openAppLog, replicatorName, startApps, waitForApps } from '../stack/apps.ts';
import { refuseToChangeARunningStack } from '../stack/running-settings.ts';
import { upStack } from '../stack/up.ts';
import { upSummary } from '../ui/stack-summary.ts';
import { startWriteApi } from '../writeapi/start.ts';
import { usageError } from '../errors.ts';
import { contextOf } from './context.ts';
import { runReplicator } from './replicate.ts';

export default async function up(opts: { detach?: boolean }, command: Command) {
  const { config, progress, output } = contextOf(command, { stack: 'report' });
  refuseUnsafeExposure(config);
  if (!opts.detach && config.settings.replicators > 1) {
    throw usageError(
      `--replicators ${config.settings.replicators} needs --detach`,
      'A foreground `up` runs one replicator in-process; `cqrsctl up --detach --replicators N` runs N in the background (or start more with `cqrsctl replicate`).',
    );
  }
  await refuseToChangeARunningStack(config, progress);
  const runtime = await selectRuntime(config);
  const result = await upStack(config, runtime, progress);
  const apps = opts.detach ? startApps(config) : [];
  await waitForApps(config, apps, progress);
  for (const line of upSummary({ runtime: runtime.name, result, apps, dashboardUrl: config.dashboardUrl })) progress.info(line);
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
    const replicator = replicatorName(config, 1);
    if (!appPid(config, replicator)) {
      releases.push(claimApp(config, replicator));
      await runReplicator(config, replicator, output);
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
