import { rmSync } from 'node:fs';
import type { Config } from '../../config/config.ts';
import { CqrsError, errorMessage, usageError } from '../../errors.ts';
import { printLogFile } from '../../process/log-file.ts';
import type { Progress } from '../../progress.ts';
import { assertPortFree } from '../ports.ts';
import { brokerAnswers, connectAnswers, pgAnswers } from '../probes.ts';
import type { LogOptions, Runtime, ServiceStatus } from '../runtime.ts';
import { waitUntil } from '../../lib/wait.ts';
import { connectService } from './connect.ts';
import { brokerService } from './kafka.ts';
import { layout } from './layout.ts';
import { NativeCluster } from './postgres.ts';
import { setupNative } from './setup.ts';

interface NativeService {
  name: string;
  address: string;
  pid(): number | undefined;
  start(progress: Progress): Promise<void>;
  stop(): Promise<void>;
  ready(): Promise<boolean>;
  log: string;
}

/** The stack as local processes: PostgreSQL clusters via pg_ctl, Kafka and Connect as JVMs from cached jars. */
export function createNativeRuntime(config: Config, reason = 'selected with --runtime native'): Runtime {
  const paths = layout(config);
  const s = config.settings;

  const clusters = [config.leader, ...config.replicas].map((e): NativeService => {
    const cluster = new NativeCluster(e, paths);
    const setting = e.name === 'leader' ? 'leaderPort' : 'replicaBasePort';
    return {
      name: e.name,
      address: `${e.host}:${e.port}`,
      pid: () => cluster.pid(),
      async start() {
        await assertPortFree(e.host, e.port, e.name, setting);
        await cluster.start();
        await waitUntil(e.name, async () => ((await pgAnswers(e)) ? true : undefined), {
          timeoutMs: 60_000,
          explain: () => cluster.logTail(10),
        });
      },
      stop: () => cluster.stop(),
      ready: () => pgAnswers(e),
      log: cluster.log,
    };
  });

  const broker = brokerService(config, paths);
  const connect = connectService(config, paths);
  const jvm = (
    name: string,
    address: string,
    svc: typeof connect,
    ready: () => Promise<boolean>,
    ports: [number, string][],
    before?: () => Promise<void>,
    timeoutMs = 90_000,
  ): NativeService => ({
    name,
    address,
    pid: () => svc.pid(),
    async start() {
      for (const [port, setting] of ports) await assertPortFree(s.host, port, name, setting);
      await before?.();
      svc.start();
      await waitUntil(
        name,
        async () => {
          if (!svc.pid())
            throw new CqrsError(`the ${name} process exited; last lines of ${svc.log}:\n${svc.logTail(15)}`, `See ${svc.log}.`);
          return (await ready()) ? true : undefined;
        },
        { timeoutMs, intervalMs: 500, explain: () => `last lines of ${svc.log}:\n${svc.logTail(15)}` },
      );
    },
    stop: () => svc.stop(),
    ready,
    log: svc.log,
  });

  const services: NativeService[] = [
    ...clusters,
    jvm(
      'broker',
      config.brokers.join(','),
      broker,
      () => brokerAnswers(config.brokers),
      [
        [s.brokerPort, 'brokerPort'],
        [s.controllerPort, 'controllerPort'],
      ],
      () => broker.format(),
    ),
    jvm(
      'connect',
      config.connectUrl,
      connect,
      () => connectAnswers(config.connectUrl),
      [[s.connectPort, 'connectPort']],
      undefined,
      180_000,
    ),
  ];

  const find = (name: string) => {
    const svc = services.find((x) => x.name === name);
    if (!svc)
      throw usageError(`unknown service "${name}"`, `Valid services: ${services.map((x) => x.name).join(', ')}, replicator, write-api.`);
    return svc;
  };

  const startOne = async (svc: NativeService, progress: Progress) => {
    await progress.step(`Starting ${svc.name} on ${svc.address}`, () => svc.start(progress));
  };

  return {
    name: 'native',
    reason,
    setup: (progress) => setupNative(config, progress),
    async up(progress) {
      const started: string[] = [];
      for (const svc of services) {
        if (svc.pid()) continue;
        await startOne(svc, progress);
        started.push(svc.name);
      }
      return { started };
    },
    async down({ purge }, progress) {
      for (const svc of [...services].reverse()) {
        if (!svc.pid()) continue;
        await progress.step(`Stopping ${svc.name}`, () => svc.stop());
      }
      if (purge) await progress.step(`Deleting ${paths.home}`, async () => rmSync(paths.home, { recursive: true, force: true }));
    },
    startService: async (name, progress) => {
      const svc = find(name);
      if (!svc.pid()) await startOne(svc, progress);
    },
    stopService: async (name, progress) => {
      const svc = find(name);
      if (svc.pid()) await progress.step(`Stopping ${name}`, () => svc.stop());
    },
    async status() {
      return Promise.all(
        services.map(async (svc): Promise<ServiceStatus> => {
          const pid = svc.pid();
          if (!pid) return { name: svc.name, state: 'stopped', address: svc.address };
          // Why it does not answer matters to `status` (a refused password is not a dead server).
          const trouble = await svc.ready().then(
            (ok) => (ok ? undefined : 'no answer'),
            (e: unknown) => errorMessage(e),
          );
          return {
            name: svc.name,
            state: trouble === undefined ? 'running' : 'unhealthy',
            address: svc.address,
            pid,
            ...(trouble ? { detail: trouble } : {}),
          };
        }),
      );
    },
    async logs(service: string, options: LogOptions) {
      await printLogFile(find(service).log, options);
    },
  };
}
