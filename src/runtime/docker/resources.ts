import type Docker from 'dockerode';
import { CqrsError } from '../../errors.ts';
import type { ComposeProject } from './compose-file.ts';
import { isNotFound, statusOf } from './engine.ts';
import { label, networkLabels, volumeLabels } from './translate.ts';

/**
 * The project's networks, created with Compose's labels. An existing one is adopted when it is the
 * project's (Compose made it, or we did); one of the same name owned by something else is an error.
 */
export async function ensureNetworks(docker: Docker, p: ComposeProject): Promise<void> {
  for (const [key, name] of Object.entries(p.networks)) {
    try {
      const info = await docker.getNetwork(name).inspect();
      const owner = info.Labels?.[label.project];
      if (owner !== p.name)
        throw new CqrsError(
          `network ${name} exists but does not belong to compose project ${p.name}`,
          `Remove it (\`docker network rm ${name}\`) or pick another project with --compose-project.`,
        );
      continue;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: networkLabels(p.name, key), CheckDuplicate: true });
    } catch (e) {
      if (statusOf(e) !== 409) throw e; // created concurrently by another `up`
    }
  }
}

/** Named volumes, created with Compose's labels; creating an existing one returns it unchanged. */
export async function ensureVolumes(docker: Docker, p: ComposeProject): Promise<void> {
  const used = new Set(Object.values(p.services).flatMap((s) => s.mounts.filter((m) => m.type === 'volume').map((m) => m.source)));
  for (const key of used) {
    await docker.createVolume({ Name: p.volumes[key] ?? `${p.name}_${key}`, Driver: 'local', Labels: volumeLabels(p.name, key) });
  }
}

const projectFilter = (project: string) => ({ label: [`${label.project}=${project}`] });

/**
 * Removes everything labelled with the project, as `docker compose down [-v]` does: containers with
 * their dependents first (the depends_on label gives the order), then networks, then volumes if asked.
 * 404 and 304 are ignored so that `down` can run twice.
 */
export async function removeProject(docker: Docker, project: string, purge: boolean, update: (d: string) => void): Promise<void> {
  let containers = await docker.listContainers({ all: true, filters: projectFilter(project) });
  while (containers.length) {
    const needed = new Set(
      containers.flatMap((c) =>
        (c.Labels[label.dependsOn] ?? '')
          .split(',')
          .filter(Boolean)
          .map((d) => d.split(':')[0]),
      ),
    );
    let batch = containers.filter((c) => !needed.has(c.Labels[label.service]));
    if (!batch.length) batch = containers; // a cycle in foreign labels: remove the rest together
    update(`removing ${batch.map((c) => c.Names[0]?.replace(/^\//, '')).join(', ')}`);
    await Promise.all(
      batch.map(async (c) => {
        const ctr = docker.getContainer(c.Id);
        try {
          await ctr.stop({ t: 10 });
        } catch (e) {
          if (![304, 404].includes(statusOf(e) ?? 0)) throw e;
        }
        try {
          await ctr.remove({ force: true, v: true });
        } catch (e) {
          if (![404, 409].includes(statusOf(e) ?? 0)) throw e;
        }
      }),
    );
    const gone = new Set(batch.map((c) => c.Id));
    containers = containers.filter((c) => !gone.has(c.Id));
  }
  for (const n of await docker.listNetworks({ filters: projectFilter(project) })) {
    try {
      await docker.getNetwork(n.Id).remove();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  if (!purge) return;
  const { Volumes } = await docker.listVolumes({ filters: projectFilter(project) });
  for (const v of Volumes ?? []) {
    update(`removing volume ${v.Name}`);
    try {
      await docker.getVolume(v.Name).remove();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
