import type { ChalkInstance } from 'chalk';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../config/config.ts';
import { CqrsError, errorMessage, usageError } from '../errors.ts';
import { isBug } from '../replicator/failures.ts';
import { appPid, claimApp, freeReplicatorName, isReplicatorApp, replicatorMetricsPort } from '../stack/apps.ts';
import { formatMs } from '../lib/format.ts';
import { refuseBrokerAccessProblems } from '../lib/kafka-client.ts';
import { startMetricsServer } from '../replicator/metrics-server.ts';
import { Replicator, type ReplicaStats } from '../replicator/replicator.ts';
import type { Output } from '../ui/output.ts';
import { contextOf } from './context.ts';

/**
 * `cqrsctl replicate`: a replicator in the foreground (also what `up --detach` runs as each replicator app).
 * Beside running ones it joins their group under the next free name rather than refusing.
 */
export default async function replicate(opts: { as?: string }, command: Command) {
  const { config, output } = contextOf(command);
  if (opts.as !== undefined && !isReplicatorApp(opts.as))
    throw usageError(`--as ${opts.as}: not a replicator name`, 'Use replicator or replicator-N (N from 1).');
  const name = opts.as ?? freeReplicatorName(config);
  const running = appPid(config, name);
  if (running && running !== process.pid) {
    throw usageError(
      `${name} already runs for this stack (pid ${running})`,
      'Leave out --as: a replicator started without it takes the next free name and joins the others.',
    );
  }
  const release = claimApp(config, name);
  try {
    await runReplicator(config, name, output);
  } finally {
    release();
  }
}

/**
 * Runs the replicator until SIGINT/SIGTERM: the first signal finishes the batch in flight and stops; a second
 * one exits at once (open transactions roll back, so a replica still holds whole batches only). On a
 * terminal a live line shows events/s and each replica's lag; elsewhere (a log file) a line every 10 s.
 */
export async function runReplicator(config: Config, name: string, output: Output): Promise<void> {
  const color = output.errColor;
  const interactive = output.canRedraw();
  const stamp = () => new Date().toISOString();
  let live = '';
  const log = (line: string) => {
    if (live) output.err('\r\x1b[K');
    output.err(`${color.dim(stamp())} ${line}\n`);
    if (live) output.err(live);
  };
  await refuseBrokerAccessProblems(config);
  const replicator = new Replicator(config, log, { member: `${name}@${hostname()}/${process.pid}` });
  const metricsPort = replicatorMetricsPort(config, name);
  const metricsServer = await startMetricsServer({ ...config, settings: { ...config.settings, metricsPort } }, replicator, log);
  let signalled = false;
  const stopping = new Promise<void>((resolve) => {
    const onSignal = () => {
      if (signalled) process.exit(130);
      signalled = true;
      log('stopping: finishing the batch in flight (Ctrl-C again to abandon it)');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const { done } = await replicator.start().catch(async (e: unknown) => {
    await metricsServer.close();
    throw e;
  });
  log(
    `${name} joined the replicators' group, replicating to the replicas it owns (of ${config.replicas.map((r) => r.name).join(', ')}); metrics at ${metricsServer.url}`,
  );
  let last = { at: Date.now(), events: 0 };
  let ticks = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((replicator.events - last.events) * 1000) / Math.max(1, now - last.at);
    last = { at: now, events: replicator.events };
    const replicas = replicator.stats().map((r) => formatReplica(r, color));
    const line = `${Math.round(rate)} events/s · ${replicas.join(' · ')}`;
    if (interactive) {
      live = line;
      output.err(`\r\x1b[K${line}`);
    } else if (++ticks % 10 === 0) {
      output.err(`${color.dim(stamp())} ${line}\n`);
    }
  }, 1000);
  try {
    await Promise.race([
      stopping,
      done.catch((e: unknown) => {
        if (isBug(e)) throw e;
        throw new CqrsError(
          `the replicator's Kafka consumer failed: ${errorMessage(e)}`,
          'Check the broker (`cqrsctl status`, `cqrsctl logs broker`) and start it again; replicas resume from their own records.',
          1,
        );
      }),
    ]);
  } finally {
    clearInterval(timer);
    if (live) output.err('\n');
    live = '';
    await replicator.stop();
    await metricsServer.close();
    log('replicator stopped');
  }
}

function formatReplica(s: ReplicaStats, color: ChalkInstance): string {
  const state = s.state === 'attached' ? color.green('ok') : s.state === 'down' ? color.red('down') : color.yellow('catching up');
  return `${s.name} ${state} lag ${s.lagEvents} ev/${s.lagMs === null ? '–' : formatMs(s.lagMs)}`;
}
