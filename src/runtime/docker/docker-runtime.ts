import { allOrFirstFailure } from '../../lib/wait.ts';
import type Docker from 'dockerode';
import type { Config } from '../../config/config.ts';
import { flagName } from '../../config/settings.ts';
import { CqrsError, errorMessage, usageError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import { assertPortFree } from '../ports.ts';
import type { LogOptions, Runtime, ServiceStatus } from '../runtime.ts';
import { loadCompose, type ComposeProject, type ComposeService } from './compose-file.ts';
import { connectEngine, isNotFound, pingEngine, statusOf } from './engine.ts';
import { healthBudgetMs, waitHealthy } from './health.ts';
import { chooseImages, imageId } from './images.ts';
import { containerLogs } from './logs.ts';
import { composeFile, offlineOverrideFile } from './paths.ts';
import { ensureNetworks, ensureVolumes, removeProject } from './resources.ts';
import {
  composeKeyOf,
  composeVariables,
  connectWorkerNames,
  portSettingOf,
  selectServices,
  serviceNameOf,
  serviceNames,
} from './services.ts';
import { containerName, label, startOrder, toContainer } from './translate.ts';

export interface DockerRuntimeOptions {
  /** Compose files; the offline override is added when the stand-in images are used. */
  files?: string[];
  /** Extra override files applied last (tests use one to make a service fail its healthcheck). */
  overrides?: string[];
  env?: NodeJS.ProcessEnv;
  docker?: Docker;
}

/** The compose stack through dockerode: resources named and labelled as `docker compose` does. */
export function createDockerRuntime(
  config: Config,
  reason = 'selected with --runtime docker',
  options: DockerRuntimeOptions = {},
): Runtime {
  const env = options.env ?? process.env;
  const docker = options.docker ?? connectEngine(env);
  const files = options.files ?? [composeFile];
  const s = config.settings;
  let chosen: { project: ComposeProject; why: string } | undefined;

  const load = (offline: boolean) =>
    selectServices(
      loadCompose([...files, ...(offline ? [offlineOverrideFile] : []), ...(options.overrides ?? [])], {
        env: { ...env, ...composeVariables(config) },
        projectName: s.composeProject,
      }),
      config,
    );
  /** Ping, then the project with the image set that is present (or pulled). Memoized per runtime. */
  const prepare = async (progress: Progress): Promise<ComposeProject> => {
    if (chosen) return chosen.project;
    await pingEngine(docker, env);
    const upstream = load(false);
    const pick = await progress.step("Checking the stack's images", (update) => chooseImages(docker, upstream, load(true), update));
    chosen = { project: pick.offline ? load(true) : upstream, why: pick.why };
    return chosen.project;
  };

  /** Creates or starts the service's container unless it already runs with the same config. True when it started it. */
  const ensureContainer = async (p: ComposeProject, svc: ComposeService): Promise<boolean> => {
    const name = containerName(p.name, svc.key);
    const id = await imageId(docker, svc.image);
    if (!id) throw usageError(`image ${svc.image} is missing`, 'Run `cqrsctl images build` (offline stand-ins) or pull it.');
    const body = toContainer(p, svc, id);
    let existing;
    try {
      existing = await docker.getContainer(name).inspect();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (existing && existing.Config.Labels?.[label.configHash] === body.Labels![label.configHash]) {
      if (existing.State.Running) return false;
      await assertPorts(svc);
      await startContainer(docker.getContainer(name), svc);
      return true;
    }
    if (existing) await docker.getContainer(name).remove({ force: true }); // its definition changed: recreate, data stays in the volumes
    await assertPorts(svc);
    await startContainer(await docker.createContainer(body), svc);
    return true;
  };

  const assertPorts = async (svc: ComposeService) => {
    for (const port of svc.ports) {
      if (port.hostPort)
        await assertPortFree(
          port.hostIp || '0.0.0.0',
          Number(port.hostPort),
          serviceNameOf(svc.key),
          portSettingOf(serviceNameOf(svc.key)),
        );
    }
  };

  const startContainer = async (ctr: Docker.Container, svc: ComposeService) => {
    try {
      await ctr.start();
    } catch (e) {
      // Another process may take the port between our check and the engine's bind.
      if (/port is already allocated|address already in use/i.test(errorMessage(e))) {
        await ctr.remove({ force: true }).catch(() => {});
        throw usageError(
          `a host port of ${serviceNameOf(svc.key)} is already in use: ${errorMessage(e)}`,
          `Move it with ${flagName(portSettingOf(serviceNameOf(svc.key)))} or stop what listens there.`,
        );
      }
      if (statusOf(e) !== 304) throw e;
    }
  };

  /** Starts one service after its dependencies reached their depends_on condition, then waits for its health. */
  const bringUp = async (p: ComposeProject, update: (d: string) => void): Promise<string[]> => {
    await ensureNetworks(docker, p);
    await ensureVolumes(docker, p);
    const states = new Map<string, string>();
    const show = () => update([...states].map(([k, v]) => `${k} ${v}`).join(', '));
    const started: string[] = [];
    const done = new Map<string, Promise<void>>();
    for (const key of startOrder(p)) {
      const svc = p.services[key];
      done.set(
        key,
        (async () => {
          await Promise.all(svc.dependsOn.map((d) => done.get(d.service)));
          states.set(key, 'starting');
          show();
          if (await ensureContainer(p, svc)) started.push(serviceNameOf(key));
          await waitHealthy(docker, containerName(p.name, key), serviceNameOf(key), healthBudgetMs(svc), (st) => {
            states.set(key, st.split(';')[0]);
            show();
          });
          states.set(key, 'healthy');
          show();
        })(),
      );
    }
    await allOrFirstFailure(done.values());
    return serviceNames(config).filter((n) => started.includes(n));
  };

  const runtime: Runtime & { leaderFromConnect: { host: string; port: number } } = {
    name: 'docker',
    reason,
    // Connect reaches the leader on the compose network by its service name, not through the host port.
    leaderFromConnect: { host: 'pg-leader', port: 5432 },
    connectWorkerOf(workerId) {
      const workers = connectWorkerNames(config);
      // Alone, a worker advertises its container's address; in a group, its service name (see cluster.ts).
      return workers.length === 1 ? workers[0] : workers.find((name) => workerId === name || workerId.startsWith(`${name}:`));
    },
    async setup(progress) {
      await prepare(progress);
    },
    async up(progress) {
      const p = await prepare(progress);
      const started = await progress.step(`Starting the docker stack (project ${p.name}, ${chosen!.why})`, (update) => bringUp(p, update));
      return { started };
    },
    async down({ purge }, progress) {
      await pingEngine(docker, env);
      await progress.step(`Removing the docker stack (project ${s.composeProject})`, (update) =>
        removeProject(docker, load(false).name, purge, update),
      );
    },
    async startService(name, progress) {
      const p = await prepare(progress);
      const svc = p.services[composeKeyOf(name)];
      if (!svc) throw usageError(`unknown service ${name}`, `Services: ${serviceNames(config).join(', ')}.`);
      await progress.step(`Starting ${name}`, async (update) => {
        await ensureNetworks(docker, p);
        await ensureVolumes(docker, p);
        await ensureContainer(p, svc);
        await waitHealthy(docker, containerName(p.name, svc.key), name, healthBudgetMs(svc), update);
      });
    },
    async stopService(name, progress) {
      await pingEngine(docker, env);
      const container = containerName(load(false).name, composeKeyOf(name));
      await progress.step(`Stopping ${name}`, async () => {
        try {
          await docker.getContainer(container).stop({ t: 10 });
        } catch (e) {
          if (![304, 404].includes(statusOf(e) ?? 0)) throw e;
        }
      });
    },
    async status() {
      await pingEngine(docker, env);
      const p = load(false);
      return Promise.all(serviceNames(config).map((name) => serviceStatus(docker, p, name)));
    },
    async logs(service, options: LogOptions) {
      await pingEngine(docker, env);
      const key = composeKeyOf(service);
      if (!serviceNames(config).includes(service))
        throw usageError(`unknown service ${service}`, `Services: ${serviceNames(config).join(', ')}.`);
      await containerLogs(docker, containerName(load(false).name, key), service, options);
    },
  };
  return runtime;
}

async function serviceStatus(docker: Docker, p: ComposeProject, name: string): Promise<ServiceStatus> {
  const svc = p.services[composeKeyOf(name)];
  const port = svc.ports[0];
  const address = port ? `${port.hostIp || '127.0.0.1'}:${port.hostPort}` : '';
  const container = containerName(p.name, svc.key);
  try {
    const info = await docker.getContainer(container).inspect();
    const health = info.State.Health?.Status;
    const state = !info.State.Running ? 'stopped' : !health || health === 'healthy' ? 'running' : 'unhealthy';
    return {
      name,
      state,
      address,
      pid: info.State.Pid || undefined,
      detail: `container ${container}, ${info.State.Status}${health ? ` (${health})` : ''}, image ${info.Config.Image}`,
    };
  } catch (e) {
    if (!isNotFound(e)) throw new CqrsError(`cannot inspect ${container}: ${errorMessage(e)}`);
    return { name, state: 'stopped', address, detail: `no container ${container}` };
  }
}
