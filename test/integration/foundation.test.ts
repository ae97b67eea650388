import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../src/config/config.ts';
import { pgClient } from '../../src/pg/client.ts';
import { portFree } from '../../src/runtime/ports.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

const allPorts = (c: Config) => [
  c.leader.port,
  ...c.replicas.map((r) => r.port),
  c.settings.brokerPort,
  c.settings.controllerPort,
  c.settings.connectPort,
];

describe('native runtime: up, change events, down, up again', () => {
  let config: Config;
  before(async () => {
    config = await ensureStack();
  });

  test('status shows every service running and the connector RUNNING', async () => {
    const r = await cli(['status', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const names = s.services.map((x: { name: string }) => x.name);
    for (const name of ['leader', 'replica-1', 'replica-2', 'replica-3', 'broker', 'connect']) assert.ok(names.includes(name), name);
    for (const svc of s.services.filter((x: { name: string }) => !['replicator', 'write-api'].includes(x.name))) {
      assert.equal(svc.state, 'running', `${svc.name} is ${svc.state}`);
    }
    assert.equal(s.connector.state, 'RUNNING');
    assert.deepEqual(
      s.connector.tasks.map((t: { state: string }) => t.state),
      ['RUNNING'],
    );
    assert.equal(s.slot.active, true);
  });

  test('a row inserted on the leader arrives as a Debezium create event in the change topic, inside its transaction', async () => {
    const table = `found_${Date.now()}`;
    const sql = pgClient(config.leader);
    await sql.unsafe(`create table public.${table} (id int primary key, name text, price numeric(10,2))`);
    await sql.unsafe(`insert into public.${table} values (1, 'tea', 3.50)`);
    await sql.end();

    const kafka = new Kafka({ brokers: config.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `test-${table}` });
    await consumer.connect();
    const topic = `${config.settings.topicPrefix}.changes`;
    await waitForTopic(kafka, topic);
    await consumer.subscribe({ topic, fromBeginning: true });
    const event = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event on ${topic} within 60 s`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value && JSON.parse(message.value.toString());
          if (value?.source?.table !== table || value.op !== 'c') return;
          clearTimeout(timer);
          resolve(value);
        },
      });
    });
    await consumer.disconnect();
    const payload = event.payload ?? event;
    assert.equal(payload.op, 'c');
    assert.equal(payload.after.id, 1);
    assert.equal(payload.after.name, 'tea');
    assert.equal(payload.after.price, '3.50');
    assert.equal(payload.source.table, table);
    assert.match(payload.transaction.id, /^\d+:\d+$/, 'transaction metadata is on');
  });

  test('a second up on a running stack is a no-op that says so', async () => {
    const started = Date.now();
    const r = await cli(['up', '--detach']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /already running/);
    assert.ok(Date.now() - started < 15_000, 'second up should be quick');
  });

  test('down stops everything; up again keeps the data', async () => {
    const marker = `keep_${Date.now()}`;
    const sql = pgClient(config.leader);
    await sql.unsafe(`create table public.${marker} (id int primary key)`);
    await sql.end();

    const down = await cli(['down']);
    assert.equal(down.exitCode, 0, down.stderr);
    for (const port of allPorts(config)) assert.ok(await portFree(config.settings.host, port), `port ${port} still in use after down`);

    const up = await cli(['up', '--detach'], { timeoutMs: 600_000 });
    assert.equal(up.exitCode, 0, up.stderr);
    const again = pgClient(config.leader);
    const [row] = await again`select to_regclass(${'public.' + marker}) as t`;
    await again.end();
    assert.equal(row.t, marker, 'data must survive down/up');
  });

  after(async () => {
    // Leave the stack up for the test files that follow.
    await ensureStack();
  });
});

async function waitForTopic(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let i = 0; i < 120; i++) {
      if ((await admin.listTopics()).includes(topic)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`topic ${topic} never appeared`);
  } finally {
    await admin.disconnect();
  }
}
