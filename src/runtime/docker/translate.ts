import { createHash } from 'node:crypto';
import type { ContainerCreateOptions } from 'dockerode';
import type { ComposeProject, ComposeService } from './compose-file.ts';

/** Compose v2 names: containers `<project>-<service>-<n>`, networks and volumes `<project>_<key>`. */
export const containerName = (project: string, service: string, n = 1) => `${project}-${service}-${n}`;

export const label = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  dependsOn: 'com.docker.compose.depends_on',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  managed: 'dev.cqrsctl.managed',
} as const;

// Informational only; Compose never compares it.
const composeVersion = '2.29.0';

/** Labels of a network: `docker compose up` refuses a network whose `network` label is not its key; no config-hash (Compose then leaves it alone). */
export const networkLabels = (project: string, key: string) => ({
  [label.project]: project,
  [label.network]: key,
  [label.version]: composeVersion,
});

/** Labels of a volume; no config-hash, or Compose offers to recreate it (and drop the data). */
export const volumeLabels = (project: string, key: string) => ({
  [label.project]: project,
  [label.volume]: key,
  [label.version]: composeVersion,
});

/**
 * The Engine API body that creates `service`'s container, with the labels `docker compose` writes so that
 * `docker compose ps/logs/down` see it. `imageId` goes into the config-hash, so a rebuilt image recreates.
 */
export function toContainer(p: ComposeProject, svc: ComposeService, imageId: string): ContainerCreateOptions {
  const name = containerName(p.name, svc.key);
  const network = p.networks[svc.networks[0]];
  const exposed: Record<string, {}> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of svc.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: port.hostPort });
  }
  for (const e of svc.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};

  const body: ContainerCreateOptions = {
    name,
    Image: svc.image,
    Cmd: svc.command,
    Entrypoint: svc.entrypoint,
    Env: Object.entries(svc.environment).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: exposed,
    Healthcheck: svc.healthcheck && {
      Test: svc.healthcheck.test,
      Interval: svc.healthcheck.intervalNs,
      Timeout: svc.healthcheck.timeoutNs,
      Retries: svc.healthcheck.retries,
      StartPeriod: svc.healthcheck.startPeriodNs,
    },
    StopSignal: svc.stopSignal,
    StopTimeout: svc.stopGraceSeconds,
    Labels: { ...svc.labels },
    HostConfig: {
      PortBindings: bindings,
      // Named volumes by their full name: a `Binds` entry by key would make an unlabelled volume.
      Mounts: svc.mounts.map((m) => ({
        Type: m.type,
        Source: m.type === 'volume' ? (p.volumes[m.source] ?? `${p.name}_${m.source}`) : m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      RestartPolicy: restartPolicy(svc.restart),
      NetworkMode: network,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name, svc.key] } } },
  };
  body.Labels = {
    ...svc.labels,
    [label.project]: p.name,
    [label.service]: svc.key,
    [label.number]: '1',
    [label.oneoff]: 'False',
    [label.dependsOn]: svc.dependsOn.map((d) => `${d.service}:${d.condition}:${d.restart}`).join(','),
    [label.workingDir]: p.workingDir,
    [label.configFiles]: p.configFiles.join(','),
    [label.version]: composeVersion,
    [label.image]: imageId,
    [label.managed]: 'true',
    [label.configHash]: configHash(body, imageId),
  };
  return body;
}

/** Our own stable hash of what the container is made from: a change recreates it on the next `up`. */
function configHash(body: ContainerCreateOptions, imageId: string): string {
  return createHash('sha256').update(canonical({ body, imageId })).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as any)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

// compose `restart:` values map one to one, with `on-failure[:N]` carrying its retry count.
function restartPolicy(restart: string): { Name: string; MaximumRetryCount?: number } {
  const [name, count] = restart.split(':');
  if (name === 'on-failure') return { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
  return { Name: ['always', 'unless-stopped', 'no'].includes(name) ? name : 'no' };
}

/** Services in start order (dependencies first); throws on a cycle. */
export function startOrder(p: ComposeProject): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (key: string, path: string[]) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') throw new Error(`depends_on cycle: ${[...path, key].join(' → ')}`);
    const svc = p.services[key];
    if (!svc) throw new Error(`service ${path.at(-1)} depends on ${key}, which the compose file does not define`);
    state.set(key, 'visiting');
    for (const d of svc.dependsOn) visit(d.service, [...path, key]);
    state.set(key, 'done');
    order.push(key);
  };
  for (const key of Object.keys(p.services)) visit(key, []);
  return order;
}
