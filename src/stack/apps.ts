import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { envName } from '../config/settings.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { packagePath } from '../lib/package-root.ts';
import { waitUntil } from '../lib/wait.ts';
import type { Progress } from '../progress.ts';
import { commandLine, livePid, spawnDaemon, stopPid } from '../process/daemon.ts';
import { tailFile } from '../process/log-file.ts';
import type { ServiceStatus } from '../runtime/runtime.ts';

const bin = packagePath('bin', 'cqrsctl');

interface App {
  name: string;
  args: string[];
  address: (c: Config) => string;
  answersAt: (c: Config) => string;
}

const writeApi: App = { name: 'write-api', args: ['serve'], address: (c) => c.writeApiUrl, answersAt: (c) => `${c.writeApiUrl}/health` };

/**
 * Replicator apps are `replicator` when the stack runs one, `replicator-1..N` when it runs several (setting
 * replicators); `replicator-N` serves its metrics on metricsPort+N-1. A `cqrsctl replicate` started by hand
 * beside them takes the next free name (replicate.ts), so status and down see it too.
 */
export const replicatorName = (config: Config, n: number) =>
  config.settings.replicators === 1 && n === 1 ? 'replicator' : `replicator-${n}`;
export const isReplicatorApp = (name: string) => /^replicator(-[1-9][0-9]*)?$/.test(name);
export const replicatorMetricsPort = (config: Config, name: string) =>
  config.settings.metricsPort + (name === 'replicator' ? 0 : Number(name.slice('replicator-'.length)) - 1);

const replicatorApp = (name: string): App => ({
  name,
  args: ['replicate', '--as', name],
  address: (c) => `${c.brokers.join(',')} → ${c.replicas.length} replicas`,
  // Its metrics server listens once the replicator has started (and joined the replicators' group).
  answersAt: (c) => `http://${c.settings.host}:${replicatorMetricsPort(c, name)}/metrics`,
});

/** cqrsctl's own long-running parts, run as managed background processes by `up --detach`. */
const configuredApps = (config: Config): App[] => [
  writeApi,
  ...Array.from({ length: config.settings.replicators }, (_, i) => replicatorApp(replicatorName(config, i + 1))),
];

/** The configured apps and every other replicator that has a state dir here (one started by hand, or by an earlier `up`). */
export function apps(config: Config): App[] {
  const known = configuredApps(config);
  const others = existsSync(config.settings.home)
    ? readdirSync(config.settings.home).filter((d) => isReplicatorApp(d) && !known.some((a) => a.name === d) && appPid(config, d))
    : [];
  return [...known, ...others.sort().map(replicatorApp)];
}

/** A name for one more replicator: the first configured one not running, else the first free replicator-N. */
export function freeReplicatorName(config: Config): string {
  for (let n = 1; ; n++) {
    const name = n <= config.settings.replicators ? replicatorName(config, n) : `replicator-${n}`;
    if (!appPid(config, name)) return name;
  }
}

export const appPaths = (config: Config, name: string) => ({
  dir: join(config.settings.home, name),
  log: join(config.settings.home, name, `${name}.log`),
  pid: join(config.settings.home, name, `${name}.pid`),
});

/** The pid of the process running an app (a background one, or a foreground `up` that runs it in-process). */
export const appPid = (config: Config, name: string) => livePid(appPaths(config, name).pid, 'cqrsctl');

/**
 * Records this process as the one running an app in-process (foreground `up`), so `status` shows it and
 * `down` stops it like a background one. Returns the release, which leaves a pid file it no longer owns.
 */
export function claimApp(config: Config, name: string): () => void {
  const { dir, pid } = appPaths(config, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(pid, `${process.pid}\n`);
  return () => {
    if (existsSync(pid) && readFileSync(pid, 'utf8').trim() === String(process.pid)) rmSync(pid, { force: true });
  };
}

/** Appends to an app's log file, for an app run in-process by a foreground `up`. */
export function openAppLog(config: Config, name: string): WriteStream {
  const { dir, log } = appPaths(config, name);
  mkdirSync(dir, { recursive: true });
  return createWriteStream(log, { flags: 'a' });
}

/** Every resolved setting as CQRSCTL_* variables, so a child process resolves exactly the same config. */
const settingsAsEnv = (config: Config) =>
  Object.fromEntries(Object.entries(config.settings).map(([name, value]) => [envName(name), String(value)]));

/** Starts each app (of `names`, default all) that is not running. */
export function startApps(config: Config, names = configuredApps(config).map((a) => a.name)): string[] {
  const started: string[] = [];
  for (const app of configuredApps(config)) {
    if (!names.includes(app.name) || appPid(config, app.name)) continue;
    const paths = appPaths(config, app.name);
    spawnDaemon({
      command: process.execPath,
      args: [bin, ...app.args, '--home', config.settings.home],
      pidFile: paths.pid,
      logFile: paths.log,
      env: { ...process.env, ...settingsAsEnv(config), NO_COLOR: '1' },
    });
    started.push(app.name);
  }
  return started;
}

/**
 * Waits until each just-started app answers, so `up --detach` returns only once they work; one that exits
 * instead (a port taken, another replicator running) is reported at once with the end of its log, rather
 * than left for `status` to find later.
 */
export async function waitForApps(config: Config, names: string[], progress: Progress): Promise<void> {
  for (const app of apps(config).filter((a) => names.includes(a.name))) {
    const { log } = appPaths(config, app.name);
    await progress.step(`Waiting for the ${app.name} to answer`, () =>
      waitUntil(
        app.name,
        async () => {
          if (!appPid(config, app.name)) {
            throw new CqrsError(
              `${app.name} exited right after starting; last lines of ${log}:\n${tailFile(log, 10)}`,
              `Fix the cause shown above, then \`cqrsctl up --detach\` again; \`cqrsctl logs ${app.name}\` shows the whole log.`,
              ExitCode.failed,
            );
          }
          await fetch(app.answersAt(config), { signal: AbortSignal.timeout(2000) });
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 500, hint: `See why with \`cqrsctl logs ${app.name}\`.` },
      ),
    );
  }
}

export async function stopApps(config: Config): Promise<string[]> {
  const stopped: string[] = [];
  for (const app of apps(config)) {
    const pid = appPid(config, app.name);
    if (!pid) continue;
    await stopPid(pid, 30_000);
    stopped.push(app.name);
  }
  return stopped;
}

/**
 * Restarts the background apps so they take new settings (the replicas they apply to and read from), and
 * waits until they answer. An app run in-process by a foreground `up` is not stopped from here: it is
 * returned in `foreground` for the caller to tell the user.
 */
export async function restartApps(config: Config, progress: Progress): Promise<{ restarted: string[]; foreground: string[] }> {
  const restarted: string[] = [];
  const foreground: string[] = [];
  for (const app of apps(config)) {
    const pid = appPid(config, app.name);
    if (!pid) continue;
    if (!` ${commandLine(pid)} `.includes(` ${app.args.join(' ')} `)) {
      foreground.push(app.name);
      continue;
    }
    await progress.step(`Stopping the ${app.name} (pid ${pid})`, () => stopPid(pid, 30_000));
    restarted.push(app.name);
  }
  await waitForApps(config, startApps(config, restarted), progress);
  return { restarted, foreground };
}

export async function appStatuses(config: Config): Promise<ServiceStatus[]> {
  return apps(config).map((app) => {
    const pid = appPid(config, app.name);
    return { name: app.name, state: pid ? 'running' : 'stopped', address: app.address(config), pid };
  });
}
