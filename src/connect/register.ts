import type { Config } from '../config/config.ts';
import { conditionFailed } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { waitUntil } from '../lib/wait.ts';
import { ConnectClient, ConnectHttpError, type ConnectorStatus } from './client.ts';
import { connectorConfig } from './template.ts';

/**
 * Registers (or updates) the Debezium connector from connectors/leader-cdc.json and waits until the
 * connector and its task run. Unchanged config on a running connector is a no-op.
 */
export async function registerConnector(
  config: Config,
  leaderFromConnect: { host: string; port: number },
  progress: Progress,
): Promise<'created' | 'updated' | 'unchanged'> {
  const client = new ConnectClient(config.connectUrls);
  const name = config.settings.connectorName;
  const desired = connectorConfig(config, leaderFromConnect);
  let outcome: 'created' | 'updated' | 'unchanged' = 'created';
  if (await client.exists(name)) {
    const current = await client.config(name);
    const same = Object.entries(desired).every(([k, v]) => current[k] === v);
    outcome = same ? 'unchanged' : 'updated';
  }
  if (outcome !== 'unchanged') {
    await progress.step(`${outcome === 'created' ? 'Registering' : 'Updating'} connector ${name}`, () => client.putConfig(name, desired));
  }
  await progress.step(`Waiting for connector ${name} to run`, (update) => waitForRunning(client, name, update));
  return outcome;
}

export async function waitForRunning(
  client: ConnectClient,
  name: string,
  update: (detail: string) => void = () => {},
  timeoutMs = 120_000,
): Promise<ConnectorStatus> {
  return waitUntil(
    `connector ${name}`,
    async () => {
      let status: ConnectorStatus;
      try {
        status = await client.status(name);
      } catch (e) {
        if (e instanceof ConnectHttpError && e.status === 404) return undefined;
        throw e;
      }
      const failed = failure(status);
      if (failed) throw failed;
      update(`connector ${status.connector.state}, tasks ${status.tasks.map((t) => t.state).join(',') || 'not assigned yet'}`);
      const running = status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
      return running ? status : undefined;
    },
    { timeoutMs, intervalMs: 500, hint: 'See `cqrsctl logs connect` for why it does not start.' },
  );
}

/** A FAILED connector or task, as an error with the first line of its trace and what to do about it. */
export function failure(status: ConnectorStatus) {
  const bad = status.connector.state === 'FAILED' ? status.connector : status.tasks.find((t) => t.state === 'FAILED');
  if (!bad) return undefined;
  const first = (bad.trace ?? 'no trace').split('\n')[0];
  return conditionFailed(
    `connector ${status.name} ${'id' in bad ? `task ${bad.id}` : ''} FAILED: ${first}`.replace('  ', ' '),
    'Fix the cause (often the leader is unreachable, or the slot is in use by another connector), then `cqrsctl connector restart`. Full trace: `cqrsctl connector status --json`.',
  );
}
