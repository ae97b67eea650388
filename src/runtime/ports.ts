import { createServer } from 'node:net';
import { envName, flagName } from '../config/settings.ts';
import { usageError } from '../errors.ts';

/** True when nothing listens on host:port (we can bind it ourselves). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails with the port, the service and the setting that moves it, before anything is started. */
export async function assertPortFree(host: string, port: number, service: string, setting: string): Promise<void> {
  if (await portFree(host, port)) return;
  throw usageError(
    `port ${port} on ${host} is already in use, so ${service} cannot start`,
    `Stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or move ${service} with ${flagName(setting)}, ${envName(setting)} or "${setting}" in cqrsctl.config.json.`,
  );
}
