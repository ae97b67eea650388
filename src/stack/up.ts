import { mkdirSync, writeFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { registerConnector } from '../connect/register.ts';
import type { Progress } from '../progress.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { stackFile } from '../runtime/select.ts';
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
  const { started } = await runtime.up(progress);
  mkdirSync(config.settings.home, { recursive: true });
  writeFileSync(stackFile(config), JSON.stringify({ runtime: runtime.name, reason: runtime.reason, since: new Date().toISOString() }, null, 2));
  await (started.includes('leader') ? progress.step('Preparing the leader for change data capture', () => prepareLeader(config)) : prepareLeader(config));
  const migrated = await applyMigrations(config.leader);
  if (migrated.length) progress.info(`Applied schema migrations ${migrated.join(', ')} to the leader.`);
  const connector = await registerConnector(config, runtime.leaderFromConnect ?? config.leader, progress);
  return { started, connector };
}
