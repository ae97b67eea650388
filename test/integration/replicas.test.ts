import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import postgres from 'postgres';
import { loadConfig } from '../../src/config/load.ts';
import { createKafka } from '../../src/lib/kafka-client.ts';
import type { ReplicaLine } from '../../src/replicas/replicas.ts';
import type { SeedReport } from '../../src/replicas/seed.ts';
import { createNativeRuntime } from '../../src/runtime/native/index.ts';
import { silentProgress } from '../../src/progress.ts';
import { bin, cli, repoRoot } from '../helpers/cli.ts';
import { ownStack, type OwnPorts } from '../helpers/own-stack.ts';

/**
 * A stack of its own (state dir and ports; RESEED_TEST_HOME and RESEED_TEST_<SETTING> move them), since
 * these tests rewrite replicas, delete the change topic's records and add a fourth replica.
 */
const defaults: OwnPorts = {
  LEADER_PORT: 24532,
  REPLICA_BASE_PORT: 24533,
  BROKER_PORT: 24192,
  CONTROLLER_PORT: 24193,
  CONNECT_PORT: 24183,
  WRITE_API_PORT: 24180,
  METRICS_PORT: 24564,
  DASHBOARD_PORT: 24290,
};
const { env, port, run, assertReplicasEqualLeader } = ownStack('RESEED_TEST', defaults);

const open = (p: number) => postgres({ host: '127.0.0.1', port: p, user: 'postgres', password: 'postgres', database: 'cqrs', max: 1 });
const replicaPort = (n: number) => port('REPLICA_BASE_PORT') + n - 1;

const writes = async (count: number) => {
  const sim = await run(['simulate', '--count', String(count), '--via', 'sql', '--rate', '0']);
  assert.equal(sim.exitCode, 0, sim.all);
};

/** Retention, as an expired one would do it: every record of the change topic so far deleted. */
async function deleteTheChangeTopicSoFar(config: ReturnType<typeof loadConfig>) {
  const admin = createKafka(config, 'reseed-test').admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: ['leader.changes'] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic: 'leader.changes', partitions: [{ partition: 0, offset: '-1' }] });
    const [p] = await admin.fetchTopicOffsets('leader.changes');
    assert.ok(BigInt(p.low) > 0n, `old events are gone (earliest offset ${p.low})`);
  } finally {
    await admin.disconnect();
  }
}

before(async () => {
  // A stack left by an interrupted run would keep its old settings (four replicas); start from nothing.
  await run(['down', '--purge'], 180_000);
  const up = await run(['up', '--detach'], 600_000);
  assert.equal(up.exitCode, 0, up.all);
  await writes(300);
});

after(async () => {
  await run(['down', '--purge'], 180_000);
});

test('an unknown replica is a usage error naming the known ones', { timeout: 60_000 }, async () => {
  const r = await run(['replicas', 'reseed', 'replica-9']);
  assert.equal(r.exitCode, 2, r.all);
  assert.match(r.stderr, /unknown replica "replica-9"/);
  assert.match(r.stderr, /replica-1, replica-2, replica-3/);
});

test('reseed under 200 writes/s replaces a damaged replica by the leader and streams on', { timeout: 900_000 }, async () => {
  // Damage replica-2 behind the replicator's back: lost rows, a changed row and a table the leader lacks.
  const r2 = open(replicaPort(2));
  try {
    await r2`delete from public.orders where id in (select id from public.orders order by id limit 20)`;
    await r2`update public.customers set name = 'not the leader''s' where id = (select min(id) from public.customers)`;
    await r2`create table public.stray (id int primary key)`;
  } finally {
    await r2.end();
  }
  assert.equal((await run(['verify-replicas', '--replica', 'replica-2'])).exitCode, 1, 'replica-2 differs before the reseed');

  const load = execa(bin, ['simulate', '--duration', '45s', '--via', 'sql', '--rate', '200'], {
    cwd: repoRoot,
    env: { ...env, NO_COLOR: '1' },
    reject: false,
  });
  try {
    await new Promise((r) => setTimeout(r, 8000));
    const reseed = await run(['replicas', 'reseed', 'replica-2', '--json']);
    assert.equal(reseed.exitCode, 0, reseed.all);
    const report = JSON.parse(reseed.stdout) as SeedReport;
    assert.equal(report.replica, 'replica-2');
    assert.equal(report.topic, 'leader.changes');
    assert.ok(BigInt(report.resumeOffset) > 0n, report.resumeOffset);
    assert.ok(report.rows > 0 && report.tables.some((t) => t.table === 'public.orders' && t.rows > 0), JSON.stringify(report.tables));
    assert.ok(
      report.definitions.some((d) => /DROP TABLE .*stray/i.test(d)),
      `the stray table is dropped: ${report.definitions.join('; ')}`,
    );
  } finally {
    const sim = await load;
    assert.equal(sim.exitCode, 0, sim.all);
  }
  await assertReplicasEqualLeader(3);
});

test('a replica away past the change topic retention is reseeded and keeps streaming', { timeout: 900_000 }, async () => {
  const config = loadConfig({ env });
  const runtime = createNativeRuntime(config);
  await runtime.stopService('replica-3', silentProgress);
  try {
    await writes(300);
    assert.equal((await run(['verify-replicas', '--replica', 'replica-1', '--wait=180s'])).exitCode, 0);
    await deleteTheChangeTopicSoFar(config);
  } finally {
    await runtime.startService('replica-3', silentProgress);
  }

  // The replicator cannot bring it back: the events it misses are gone.
  await new Promise((r) => setTimeout(r, 10_000));
  assert.equal((await run(['verify-replicas', '--replica', 'replica-3'])).exitCode, 1, 'replica-3 is behind for good');

  const reseed = await run(['replicas', 'reseed', 'replica-3']);
  assert.equal(reseed.exitCode, 0, reseed.all);
  assert.match(reseed.stderr, /Copying the leader's tables into replica-3/, 'progress on stderr');
  assert.match(reseed.stdout, /Seeded replica-3: \d+ tables, [\d,]+ rows as of leader LSN [0-9A-F]+\/[0-9A-F]+/);
  await writes(300);
  await assertReplicasEqualLeader(3);
});

test('replicas add starts a fourth replica, seeds it and the replicator applies to it', { timeout: 900_000 }, async () => {
  // A count pinned in the environment would contradict the stack after the add: refused, nothing started.
  const pinned = await cli(['replicas', 'add'], { env: { ...env, CQRSCTL_REPLICAS: '3' } });
  assert.equal(pinned.exitCode, 2, pinned.stderr);
  assert.match(pinned.stderr, /set by CQRSCTL_REPLICAS/);

  const added = await run(['replicas', 'add', '--json'], 600_000);
  assert.equal(added.exitCode, 0, added.all);
  const report = JSON.parse(added.stdout) as { replica: string; replicas: number; restarted: string[]; seed: SeedReport };
  assert.equal(report.replica, 'replica-4');
  assert.equal(report.replicas, 4);
  assert.ok(report.restarted.includes('replicator'), JSON.stringify(report.restarted));
  assert.ok(report.seed.rows > 0);

  await writes(300);
  await assertReplicasEqualLeader(4);
  const list = await run(['replicas', 'list', '--json']);
  assert.equal(list.exitCode, 0, list.all);
  const { replicas } = JSON.parse(list.stdout) as { replicas: ReplicaLine[] };
  assert.deepEqual(
    replicas.map((r) => [r.name, r.address, r.state]),
    [1, 2, 3, 4].map((n) => [`replica-${n}`, `127.0.0.1:${replicaPort(n)}`, 'running']),
  );
  // The count is the stack's now: `up` asking for the old one is told, not obeyed silently.
  const up = await run(['up', '--detach', '--replicas', '3']);
  assert.equal(up.exitCode, 2, up.all);
});
