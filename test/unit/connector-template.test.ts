import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { connectorConfig, renderTemplate, templatePath } from '../../src/connect/template.ts';
import { CqrsError } from '../../src/errors.ts';

test('the connector template renders with the configured names and addresses', () => {
  const config = loadConfig({ env: { CQRSCTL_CDC_PASSWORD: 'pa"ss\\word' }, cwd: '/' });
  const c = connectorConfig(config, { host: 'pg-leader', port: 5432 });
  assert.equal(c['connector.class'], 'io.debezium.connector.postgresql.PostgresConnector');
  assert.equal(c['plugin.name'], 'pgoutput');
  assert.equal(c['database.hostname'], 'pg-leader');
  assert.equal(c['database.port'], '5432');
  assert.equal(c['database.password'], 'pa"ss\\word', 'quotes and backslashes survive JSON interpolation');
  assert.equal(c['topic.prefix'], 'leader');
  assert.equal(c['slot.name'], 'cqrsctl_leader_cdc');
  for (const [k, v] of Object.entries(c)) assert.equal(typeof v, 'string', k);
});

test('an unknown variable is an error, not an empty value', () => {
  assert.throws(
    () => renderTemplate('{"a": "${NOPE}"}', {}),
    (e: unknown) => e instanceof CqrsError && /unknown variable \$\{NOPE\}/.test(e.message),
  );
  assert.ok(readFileSync(templatePath, 'utf8').includes('${LEADER_HOST}'));
});

test("the change topic's replication factor: min(3, brokers) of cqrsctl's cluster, an external cluster's own default", () => {
  const factor = (env: NodeJS.ProcessEnv) =>
    connectorConfig(loadConfig({ env, cwd: '/' }), { host: 'h', port: 1 })['topic.creation.default.replication.factor'];
  assert.equal(factor({}), '1');
  assert.equal(factor({ CQRSCTL_BROKER_COUNT: '5' }), '3');
  assert.equal(factor({ CQRSCTL_BROKERS: 'k1:9092,k2:9092' }), '-1');
});

test('with several partitions the transaction topic stays out of the change topic (it orders the commits)', () => {
  const routed = (env: NodeJS.ProcessEnv) => {
    const c = connectorConfig(loadConfig({ env, cwd: '/' }), { host: 'h', port: 1 });
    const re = new RegExp(
      `^(?:${c['transforms.stream.regex'].replace(/\\Q(.*?)\\E/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))})$`,
    );
    return {
      partitions: c['topic.creation.default.partitions'],
      table: re.test('leader.public.orders'),
      tx: re.test('leader.transaction'),
    };
  };
  assert.deepEqual(routed({}), { partitions: '1', table: true, tx: true });
  assert.deepEqual(routed({ CQRSCTL_PARTITIONS: '3' }), { partitions: '3', table: true, tx: false });
});
