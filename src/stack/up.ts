import type { Config } from '../config/config.ts';
import { flagName } from '../config/settings.ts';
import { recordedSettings, writeStackRecordIn } from '../config/stack-record.ts';
import { usageError } from '../errors.ts';
import { registerConnector } from '../connect/register.ts';
import { cdcPasswordKey } from '../connect/template.ts';
import { refuseBrokerAccessProblems } from '../lib/kafka-client.ts';
import type { Progress } from '../progress.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { readStackRecord } from '../runtime/select.ts';
import { applyMigrations } from '../schema/migrate.ts';
import { partitionsMismatch, prepareChangeTopics } from './change-topics.ts';
import { prepareLeader } from './leader.ts';

export interface UpResult {
  started: string[];
  connector: 'created' | 'updated' | 'unchanged';
}

/**
 * Brings the infrastructure up and makes the pipeline flow: services started and ready, the leader
 * prepared for Debezium, the demo schema migrated, the connector registered and running. Each step is a
 * no-op when already done.
 */
export async function upStack(config: Config, runtime: Runtime, progress: Progress): Promise<UpResult> {
  refuseClusterElsewhere(config, runtime);
  await runtime.setup(progress);
  recordStack(config, runtime);
  const { started } = await runtime.up(progress);
  await refuseBrokerAccessProblems(config);
  await (started.includes('leader')
    ? progress.step('Preparing the leader for change data capture', () => prepareLeader(config))
    : prepareLeader(config));
  const migrated = await applyMigrations(config.leader);
  if (migrated.length) progress.info(`Applied schema migrations ${migrated.join(', ')} to the leader.`);
  const found = await prepareChangeTopics(config);
  if (found) {
    // The topic is what the stack has: recorded, the next `up` without the flag adopts it.
    recordStack(config, runtime, { partitions: found.partitions });
    throw partitionsMismatch(config, found);
  }
  const secretsFile = runtime.storeConnectorSecrets?.({ [cdcPasswordKey]: config.settings.cdcPassword });
  const connector = await registerConnector(config, runtime.leaderFromConnect ?? config.leader, progress, secretsFile);
  return { started, connector };
}

/** The external runtime starts no brokers or Connect workers, so counts of them would be ignored there. */
function refuseClusterElsewhere(config: Config, runtime: Runtime): void {
  if (runtime.name !== 'external') return;
  const asked = (['brokerCount', 'connectWorkers'] as const).filter((name) => config.settings[name] > 1);
  if (!asked.length) return;
  throw usageError(
    `the external runtime starts no brokers or Connect workers; ${asked.map((n) => `${flagName(n)} ${config.settings[n]}`).join(', ')} cannot apply`,
    'An external cluster is as large as it is: list its brokers in `brokers` and leave brokerCount and connectWorkers out.',
  );
}

/**
 * Remembers, before anything starts, the runtime and the settings the stack runs with, so later commands
 * find it as it is (`found`: what the stack turned out to have, overriding what was asked). A runtime kept from an earlier record keeps that record's reason (it does not nest).
 */
function recordStack(config: Config, runtime: Runtime, found: Partial<Config['settings']> = {}): void {
  const previous = readStackRecord(config);
  const kept = previous?.runtime === runtime.name && config.settings.runtime === 'auto';
  writeStackRecordIn(config.settings.home, {
    runtime: runtime.name,
    reason: kept ? previous.reason : runtime.reason,
    since: kept ? previous.since : new Date().toISOString(),
    settings: Object.fromEntries(recordedSettings.map((name) => [name, found[name] ?? config.settings[name]])),
  });
}
