import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { conditionFailed } from '../../errors.ts';
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
  const deadline = Date.now() + timeoutMs;
  let last = 'not inspected yet';
  for (;;) {
    const info = await docker.getContainer(container).inspect();
    const st = info.State;
    const health = st.Health?.Status;
    const probe = st.Health?.Log?.at(-1)?.Output?.trim();
    if (st.Status === 'exited' || st.Status === 'dead' || (st.Status === 'restarting' && info.RestartCount > 0)) {
      throw await failed(
        docker,
        container,
        `${service} (container ${container}) exited with code ${st.ExitCode}${st.Error ? `: ${st.Error}` : ''}`,
      );
    }
    if (st.Running && (health === 'healthy' || !st.Health || health === undefined)) return;
    if (health === 'unhealthy') {
      throw await failed(
        docker,
        container,
        `${service} (container ${container}) is unhealthy${probe ? `; healthcheck said: ${probe}` : ''}`,
      );
    }
    last = `${st.Status}${health ? `, ${health}` : ''}${probe ? `; healthcheck said: ${probe.split('\n')[0]}` : ''}`;
    update(last);
    if (Date.now() > deadline) {
      throw await failed(
        docker,
        container,
        `${service} (container ${container}) was not healthy after ${Math.round(timeoutMs / 1000)}s (last: ${last})`,
      );
    }
    await sleep(500);
  }
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
