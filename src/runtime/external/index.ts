import { connectWorkerName, connectWorkerOf, type Config } from '../../config/config.ts';
import { errorMessage, usageError } from '../../errors.ts';
import { refuseBrokerAccessProblems } from '../../lib/kafka-client.ts';
import { brokerAnswers, connectAnswers, pgAnswers } from '../probes.ts';
import type { Runtime, ServiceStatus } from '../runtime.ts';

interface Check {
  name: string;
  address: string;
  ready: () => Promise<boolean>;
}

/**
 * Services that already run elsewhere (an existing Kafka/Redpanda cluster, Connect cluster and databases):
 * nothing is started or stopped, only checked at the configured addresses. Several Connect URLs are workers
 * of one group, each shown as `connect-N`.
 */
export function createExternalRuntime(config: Config, reason = 'selected with --runtime external'): Runtime {
  const workers: Check[] = config.connectUrls.map((url, i) => ({
    name: connectWorkerName(config.connectUrls.length, i + 1),
    address: url,
    ready: () => connectAnswers(config, url),
  }));
  const checks: Check[] = [
    ...[config.leader, ...config.replicas].map((e) => ({ name: e.name, address: `${e.host}:${e.port}`, ready: () => pgAnswers(e) })),
    // Any bootstrap server that answers speaks for the cluster; `status` lists its brokers one by one.
    { name: 'broker', address: config.brokers.join(','), ready: () => brokerAnswers(config) },
    ...workers,
  ];
  const notManaged = (what: string) => async () => {
    throw usageError(`the external runtime does not ${what} services`, 'They run outside cqrsctl; use the tools of wherever they run.');
  };
  return {
    name: 'external',
    reason,
    setup: async () => {},
    connectWorkerOf: (workerId) => connectWorkerOf(config, workerId),
    // The workers' secrets file is the user's to write; cqrsctl only references it.
    ...(config.settings.connectSecretsFile ? { storeConnectorSecrets: () => config.settings.connectSecretsFile } : {}),
    async up() {
      // Refused credentials or an untrusted certificate say so, rather than "not reachable".
      await refuseBrokerAccessProblems(config);
      const missing = (await this.status()).filter((s) => s.state !== 'running');
      // Any worker answers for its group: one down is for `status` to report, not a reason to refuse.
      const isWorker = (name: string) => workers.some((w) => w.name === name);
      const someWorkerUp = missing.filter((s) => isWorker(s.name)).length < workers.length;
      const down = someWorkerUp ? missing.filter((s) => !isWorker(s.name)) : missing;
      if (down.length > 0) {
        throw usageError(
          `external services not reachable: ${down.map((s) => `${s.name} at ${s.address}`).join(', ')}`,
          'Check the addresses in cqrsctl.config.json (leaderUrl, replicaUrls, brokers, connectUrl).',
        );
      }
      return { started: [] };
    },
    down: async () => {},
    startService: notManaged('start'),
    stopService: notManaged('stop'),
    status: () =>
      Promise.all(
        checks.map(async (c): Promise<ServiceStatus> => {
          // Why it does not answer matters to `status` (refused credentials are not a dead server).
          const trouble = await c.ready().then(
            (ok) => (ok ? undefined : 'no answer'),
            (e: unknown) => errorMessage(e),
          );
          return { name: c.name, address: c.address, state: trouble ? 'unhealthy' : 'running', ...(trouble ? { detail: trouble } : {}) };
        }),
      ),
    logs: notManaged('read logs of'),
  };
}
