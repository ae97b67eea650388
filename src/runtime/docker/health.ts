import type Docker from 'dockerode';
import { conditionFailed } from '../../errors.ts';
import { poll } from '../../lib/wait.ts';
import { demuxBuffer } from './demux.ts';
import type { ComposeService } from './compose-file.ts';
import { isNotFound } from './engine.ts';

/** The container's last log lines, for error messages. */
async function logTail(docker: Docker, container: string, lines = 20): Promise<string> {
  try {
    const buf = (await docker
      .getContainer(container)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxBuffer(buf).trimEnd();
  } catch (e) {
    return isNotFound(e) ? '(no container)' : `(log unavailable: ${(e as Error).message})`;
  }
}

/**
 * How long `up` waits for a service: what its healthcheck allows (start period plus every retry), within
 * 60 s and 5 min. A service with no healthcheck only has to be running.
 */
export function healthBudgetMs(svc: ComposeService): number {
  const h = svc.healthcheck;
  if (!h || h.test[0] === 'NONE') return 60_000;
  const allowed = ((h.startPeriodNs ?? 0) + (h.intervalNs ?? 30e9) * (h.retries ?? 3)) / 1e6;
  return Math.min(Math.max(allowed + 10_000, 60_000), 300_000);
}

/** What a container's inspection says about its health: ready, failed for good, or not yet. */
export type Health = { ready: true } | { failed: string } | { waiting: string };

/** The container is ready when running and healthy (running, when it has no healthcheck). */
export function healthOf(container: string, service: string, info: Pick<Docker.ContainerInspectInfo, 'State' | 'RestartCount'>): Health {
  const st = info.State;
  const health = st.Health?.Status;
  const probe = st.Health?.Log?.at(-1)?.Output?.trim();
  if (st.Status === 'exited' || st.Status === 'dead' || (st.Status === 'restarting' && info.RestartCount > 0))
    return { failed: `${service} (container ${container}) exited with code ${st.ExitCode}${st.Error ? `: ${st.Error}` : ''}` };
  if (st.Running && (health === 'healthy' || !st.Health || health === undefined)) return { ready: true };
  if (health === 'unhealthy')
    return { failed: `${service} (container ${container}) is unhealthy${probe ? `; healthcheck said: ${probe}` : ''}` };
  return { waiting: `${st.Status}${health ? `, ${health}` : ''}${probe ? `; healthcheck said: ${probe.split('\n')[0]}` : ''}` };
}

/**
 * Polls the container every 500 ms (as Compose's waitDependency does) until it is healthy, or running
 * when it has no healthcheck. Fails at once when it exits or turns unhealthy, and on timeout; every
 * failure names the service and shows the healthcheck's last output and the container's last log lines.
 */
export async function waitHealthy(
  docker: Docker,
  container: string,
  service: string,
  timeoutMs: number,
  update: (state: string) => void = () => {},
): Promise<void> {
  let last = 'not inspected yet';
  const ready = await poll(
    async () => {
      const health = healthOf(container, service, await docker.getContainer(container).inspect());
      if ('failed' in health) throw await failed(docker, container, health.failed);
      if ('ready' in health) return true;
      last = health.waiting;
      update(last);
      return undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
  if (!ready)
    throw await failed(
      docker,
      container,
      `${service} (container ${container}) was not healthy after ${Math.round(timeoutMs / 1000)}s (last: ${last})`,
    );
}

async function failed(docker: Docker, container: string, message: string) {
  const tail = await logTail(docker, container);
  return conditionFailed(
    `${message}\nlast log lines of ${container}:\n${tail
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}`,
    `Read the whole log with \`cqrsctl logs <service>\` (or \`docker logs ${container}\`); \`cqrsctl down\` cleans up.`,
  );
}
