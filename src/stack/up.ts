import type { Config } from '../config/config.ts';
import { recordedSettings, writeStackRecordIn } from '../config/stack-record.ts';
import { registerConnector } from '../connect/register.ts';
import { cdcPasswordKey } from '../connect/template.ts';
import { refuseBrokerAccessProblems } from '../lib/kafka-client.ts';
import type { Progress } from '../progress.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { readStackRecord } from '../runtime/select.ts';
import { applyMigrations } from '../schema/migrate.ts';
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
  await runtime.setup(progress);
  recordStack(config, runtime);
  const { started } = await runtime.up(progress);
  await refuseBrokerAccessProblems(config);
  await (started.includes('leader')
    ? progress.step('Preparing the leader for change data capture', () => prepareLeader(config))
    : prepareLeader(config));
  const migrated = await applyMigrations(config.leader);
  if (migrated.length) progress.info(`Applied schema migrations ${migrated.join(', ')} to the leader.`);
  const secretsFile = runtime.storeConnectorSecrets?.({ [cdcPasswordKey]: config.settings.cdcPassword });
  const connector = await registerConnector(config, runtime.leaderFromConnect ?? config.leader, progress, secretsFile);
  return { started, connector };
}

/**
 * Remembers, before anything starts, the runtime and the settings the stack runs with, so later commands
 * find it as it is. A runtime kept from an earlier record keeps that record's reason (it does not nest).
 */
function recordStack(config: Config, runtime: Runtime): void {
  const previous = readStackRecord(config);
  const kept = previous?.runtime === runtime.name && config.settings.runtime === 'auto';
  writeStackRecordIn(config.settings.home, {
    runtime: runtime.name,
    reason: kept ? previous.reason : runtime.reason,
    since: kept ? previous.since : new Date().toISOString(),
    settings: Object.fromEntries(recordedSettings.map((name) => [name, config.settings[name]])),
  });
}
