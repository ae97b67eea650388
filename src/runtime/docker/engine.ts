import Docker from 'dockerode';
import { CqrsError, errorMessage } from '../../errors.ts';

/** Where dockerode will connect: DOCKER_HOST, else the default socket (dockerode reads no CLI contexts). */
export const engineAddress = (env: NodeJS.ProcessEnv = process.env) => env.DOCKER_HOST || 'unix:///var/run/docker.sock';

/** A dockerode client for the engine named by DOCKER_HOST (or the default socket). */
export function connectEngine(env: NodeJS.ProcessEnv = process.env): Docker {
  // docker-modem reads DOCKER_HOST itself; passing the env explicitly keeps tests in control.
  const host = env.DOCKER_HOST;
  if (!host) return new Docker({ socketPath: '/var/run/docker.sock' });
  const u = new URL(host);
  if (u.protocol === 'unix:') return new Docker({ socketPath: u.pathname });
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    const tls = u.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1' || u.port === '2376';
    return tls ? new Docker() : new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' });
  }
  return new Docker();
}

/** Fails with a CqrsError naming DOCKER_HOST when the engine does not answer a ping within a few seconds. */
export async function pingEngine(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5s')), 5000).unref()),
    ]);
  } catch (e) {
    throw engineUnreachable(e, env);
  }
}

function engineUnreachable(e: unknown, env: NodeJS.ProcessEnv = process.env): CqrsError {
  const where = env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : 'the default socket /var/run/docker.sock (DOCKER_HOST is not set)';
  return new CqrsError(
    `the Docker engine at ${where} does not answer: ${errorMessage(e)}`,
    'Start the engine (scripts/docker-engine.sh does on Debian), point DOCKER_HOST at a running one, or use `--runtime native`.',
    2,
    { cause: e },
  );
}

/** dockerode errors carry the HTTP status; 404 means "no such object". */
export const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number })?.statusCode;
export const isNotFound = (e: unknown) => statusOf(e) === 404;
