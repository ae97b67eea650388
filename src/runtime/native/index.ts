import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../../config/config.ts';
import { CqrsError, errorMessage, usageError } from '../../errors.ts';
import { printLogFile } from '../../process/log-file.ts';
import type { Progress } from '../../progress.ts';
import { assertPortFree } from '../ports.ts';
import { brokerAnswers, connectAnswers, pgAnswers } from '../probes.ts';
import type { LogOptions, Runtime, ServiceStatus } from '../runtime.ts';
import { allOrFirstFailure, waitUntil } from '../../lib/wait.ts';
import { brokerNodes, connectWorkerName, connectWorkerOf } from '../../config/config.ts';
import { connectSecretsPath, connectService } from './connect.ts';
import type { JavaService } from './java-service.ts';
import { propertiesValue } from './kafka-properties.ts';
import { brokerService } from './kafka.ts';
import { layout } from './layout.ts';
import { NativeCluster } from './postgres.ts';
import { setupNative } from './setup.ts';

interface NativeService {
  name: string;
  address: string;
  /** Services that must be ready before this one starts (Connect keeps its state in the broker). */
  after?: string[];
  /** The addresses it listens on, with the setting that moves each. */
  ports: [host: string, port: number, setting: string][];
  pid(): number | undefined;
  start(): Promise<void>;
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
      ports: [[e.host, e.port, setting]],
      async start() {
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

  const jvm = (
    name: string,
    address: string,
    svc: JavaService,
    ready: () => Promise<boolean>,
    ports: [host: string, port: number, setting: string][],
    before?: () => Promise<void>,
    timeoutMs = 90_000,
  ): NativeService => ({
    name,
    address,
    pid: () => svc.pid(),
    ports,
    async start() {
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

  // The nodes of a cluster start together: none answers before a majority of the controller quorum runs.
  const brokers = brokerNodes(s).map((node) => {
    const broker = brokerService(config, paths, node);
    return jvm(
      node.name,
      node.address,
      broker,
      () => brokerAnswers(config, [node.address]),
      [
        [s.host, node.port, 'brokerPort'],
        [s.host, node.controllerPort, 'controllerPort'],
      ],
      () => broker.format(),
    );
  });
  const workers = config.connectUrls.map((url, i) => ({
    ...jvm(
      connectWorkerName(s.connectWorkers, i + 1),
      url,
      connectService(config, paths, i + 1),
      () => connectAnswers(config, url),
      [[s.host, s.connectPort + i, 'connectPort']],
      undefined,
      180_000,
    ),
    after: brokers.map((b) => b.name),
  }));

  const services: NativeService[] = [...clusters, ...brokers, ...workers];

  const find = (name: string) => {
    const svc = services.find((x) => x.name === name);
    if (!svc)
      throw usageError(`unknown service "${name}"`, `Valid services: ${services.map((x) => x.name).join(', ')}, replicator, write-api.`);
    return svc;
  };

  /**
   * Starts the services at once, each as soon as those it comes after are ready: on a cold start the
   * PostgreSQL servers and the broker overlap, and Connect follows the broker without waiting for them.
   */
  const startTogether = async (todo: NativeService[], update: (detail: string) => void): Promise<void> => {
    const t0 = Date.now();
    const states = new Map(todo.map((svc) => [svc.name, 'waiting']));
    const show = () => update([...states].map(([name, state]) => `${name} ${state}`).join(', '));
    // Every port is checked before anything starts, so a taken one leaves no half-started stack behind.
    await assertPortsFree(todo);
    const done = new Map<string, Promise<void>>();
    for (const svc of todo) {
      done.set(
        svc.name,
        (async () => {
          await Promise.all((svc.after ?? []).map((name) => done.get(name)));
          states.set(svc.name, 'starting');
          show();
          await svc.start();
          states.set(svc.name, `ready ${((Date.now() - t0) / 1000).toFixed(1)}s`);
          show();
        })(),
      );
    }
    await allOrFirstFailure(done.values());
  };

  const assertPortsFree = async (todo: NativeService[]) => {
    for (const svc of todo) for (const [host, port, setting] of svc.ports) await assertPortFree(host, port, svc.name, setting);
  };

  const startOne = async (svc: NativeService, progress: Progress) => {
    await progress.step(`Starting ${svc.name} on ${svc.address}`, async () => {
      await assertPortsFree([svc]);
      await svc.start();
    });
  };

  return {
    name: 'native',
    reason,
    // A stack whose every service runs has what it needs; the check itself costs a JVM start (java -version).
    setup: async (progress) => (services.every((svc) => svc.pid()) ? undefined : setupNative(config, progress)),
    connectWorkerOf: (workerId) => connectWorkerOf(config, workerId),
    storeConnectorSecrets(secrets) {
      const path = connectSecretsPath(paths);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(
        path,
        Object.entries(secrets)
          .map(([k, v]) => `${k}=${propertiesValue(v)}\n`)
          .join(''),
        { mode: 0o600 },
      );
      chmodSync(path, 0o600);
      return path;
    },
    async up(progress) {
      const todo = services.filter((svc) => !svc.pid());
      if (!todo.length) return { started: [] };
      await progress.step(`Starting ${todo.map((svc) => svc.name).join(', ')}`, (update) => startTogether(todo, update));
      return { started: todo.map((svc) => svc.name) };
    },
    async down({ purge }, progress) {
      // The Connect workers first (they flush their offsets to the brokers), then everything else at once:
      // one by one, the last nodes of a Kafka cluster would wait out their controlled shutdown without a quorum.
      for (const tier of [workers, [...brokers, ...clusters]]) {
        const running = tier.filter((svc) => svc.pid());
        if (!running.length) continue;
        await progress.step(`Stopping ${running.map((svc) => svc.name).join(', ')}`, () =>
          allOrFirstFailure(running.map((svc) => svc.stop())),
        );
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
