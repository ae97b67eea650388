import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { silentProgress } from '../../src/progress.ts';
import { createKafka } from '../../src/lib/kafka-client.ts';
import { replicationStatus } from '../../src/replicator/status.ts';
import { changeTopic, deadLetterTopic } from '../../src/replicator/topics.ts';
import { selectRuntime } from '../../src/runtime/select.ts';
import { ensureStack } from '../helpers/stack.ts';
import { databases, fingerprints, uniqueName, killReplicator, waitApplied } from './replicator-support.ts';

let config: Config;
let dbs: ReturnType<typeof databases>;
before(async () => {
  config = await ensureStack();
  dbs = databases(config);
});
after(() => dbs.end());

async function assertEqual(qualified: string, orderBy: string, timeoutMs = 90_000) {
  await waitApplied(dbs.leader, dbs.replicas, timeoutMs);
  const f = await fingerprints(dbs, qualified, orderBy);
  for (const [i, x] of f.slice(1).entries()) assert.equal(x, f[0], `replica-${i + 1} differs from the leader on ${qualified}`);
  return f[0];
}

/** Steady writes until stopped: inserts into an append-only log (gaps or duplicates would show) and updates of a hot set. */
function load(t: string) {
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      await dbs.leader.begin(async (tx) => {
        await tx.unsafe(`insert into ${t} (seq, v) select coalesce(max(seq), 0) + 1, 0 from ${t} where seq < 1000000`);
        await tx.unsafe(`insert into ${t} (seq, v) values (${1_000_000 + (n % 50)}, ${n}) on conflict (seq) do update set v = excluded.v`);
      });
      n++;
      await sleep(5);
    }
  })();
  return { stop: async () => ((running = false), await done, n) };
}

test('kill -9 of the replicator five times under load: equal, no duplicates, no gaps', { timeout: 240_000 }, async () => {
  const t = uniqueName('killed');
  await dbs.leader.unsafe(`create table ${t} (seq bigint primary key, v bigint)`);
  const writer = load(t);
  try {
    for (let i = 0; i < 5; i++) {
      await sleep(1000 + Math.random() * 3000);
      await killReplicator(config);
    }
  } finally {
    const writes = await writer.stop();
    assert.ok(writes > 50, `the load wrote (${writes} transactions)`);
  }
  const f = await assertEqual(t, 'seq');
  const [{ n, max }] = await dbs.replicas[0].unsafe(`select count(*)::int as n, max(seq)::int as max from ${t} where seq < 1000000`);
  assert.equal(n, max, 'the append-only log has no gaps');
  assert.match(f, /^\d+:/);
});

test('one replica stopped 30 s: the others keep up, it catches up when back', { timeout: 240_000 }, async () => {
  const t = uniqueName('outage');
  await dbs.leader.unsafe(`create table ${t} (seq bigint primary key, v bigint)`);
  const runtime = await selectRuntime(config);
  const writer = load(t);
  const stopped = config.replicas[1].name;
  let worstOthersMs = 0;
  try {
    await runtime.stopService(stopped, silentProgress);
    const until = Date.now() + 30_000;
    await sleep(5_000); // let the failure be noticed and the first lag samples settle
    while (Date.now() < until) {
      const s = await replicationStatus(config);
      for (const r of s) if (r.name !== stopped && r.lagMs !== null) worstOthersMs = Math.max(worstOthersMs, r.lagMs);
      await sleep(1000);
    }
  } finally {
    await runtime.startService(stopped, silentProgress);
    await writer.stop();
  }
  assert.ok(worstOthersMs < 5_000, `the running replicas lagged at most ${worstOthersMs} ms`);
  await assertEqual(t, 'seq', 120_000);
});

test('a poison event goes to the dead-letter topic and later events still apply', { timeout: 120_000 }, async () => {
  const t = uniqueName('poison');
  await dbs.leader.unsafe(`create table ${t} (id int primary key, v text)`);
  await dbs.leader.unsafe(`insert into ${t} values (1, 'before')`);
  await assertEqual(t, 'id');
  const deadBefore = (await replicationStatus(config)).map((r) => r.deadLettered);
  const kafka = createKafka(config, 'cqrsctl-test');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: changeTopic(config), messages: [{ key: '{"id":2}', value: `this is not json (${t})` }] });
  await producer.disconnect();
  await dbs.leader.unsafe(`insert into ${t} values (3, 'after')`);
  await assertEqual(t, 'id');
  const deadAfter = (await replicationStatus(config)).map((r) => r.deadLettered);
  assert.deepEqual(
    deadAfter,
    deadBefore.map((n) => n + 1),
    'each replica dead-lettered it once',
  );

  const consumer = kafka.consumer({ groupId: uniqueName('dlq-check') });
  await consumer.connect();
  await consumer.subscribe({ topic: deadLetterTopic(config), fromBeginning: true });
  const seen: Record<string, string>[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const h = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      if (String(message.value).includes(t)) seen.push(h);
    },
  });
  for (let i = 0; i < 50 && seen.length < config.replicas.length; i++) await sleep(200);
  await consumer.disconnect();
  assert.equal(seen.length, config.replicas.length);
  assert.match(seen[0]['cqrsctl.reason'], /undecodable/);
  assert.ok(seen[0]['cqrsctl.source.offset']);
});
