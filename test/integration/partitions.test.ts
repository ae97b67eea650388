import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.ts';
import { execa } from 'execa';
import { createKafka } from '../../src/lib/kafka-client.ts';
import { silentProgress } from '../../src/progress.ts';
import type { SeedReport } from '../../src/replicas/seed.ts';
import { createNativeRuntime } from '../../src/runtime/native/index.ts';
import { appPid } from '../../src/stack/apps.ts';
import { bin, repoRoot } from '../helpers/cli.ts';
import { ownStack, type OwnPorts } from '../helpers/own-stack.ts';
import { assertNoTornReads, assertSchemaMirrored, databases, transfersWhile, uniqueName } from './replicator-support.ts';

/**
 * A change topic of three partitions, on a stack of its own (PARTITIONS_TEST_HOME and
 * PARTITIONS_TEST_<SETTING> move it): the replicas still apply whole leader transactions in commit order,
 * schema changes among them, across the kill -9 of a replicator.
 */
const defaults: OwnPorts = {
  LEADER_PORT: 22432,
  REPLICA_BASE_PORT: 22433,
  BROKER_PORT: 22092,
  CONTROLLER_PORT: 22093,
  CONNECT_PORT: 22083,
  WRITE_API_PORT: 22080,
  METRICS_PORT: 22464,
  DASHBOARD_PORT: 22090,
};
const { env, run, assertReplicasEqualLeader } = ownStack('PARTITIONS_TEST', defaults);

after(async () => {
  await run(['down', '--purge'], 180_000);
});

/** Partitions per topic, and how many of the change topic's hold records. */
async function layout(config: ReturnType<typeof loadConfig>) {
  const admin = createKafka(config, 'partitions-test').admin();
  await admin.connect();
  try {
    const [changes, transactions] = await Promise.all(['leader.changes', 'leader.transaction'].map((t) => admin.fetchTopicOffsets(t)));
    return { changes: changes.length, used: changes.filter((p) => BigInt(p.high) > 0n).length, transactions: transactions.length };
  } finally {
    await admin.disconnect();
  }
}

test(
  'with --partitions 3 every replica still shows only states the leader had, and ends equal to it, schema changes and a replicator kill included',
  { timeout: 1_200_000 },
  async (t) => {
    await run(['down', '--purge'], 180_000);
    const up = await run(['up', '--detach', '--partitions', '3'], 600_000);
    assert.equal(up.exitCode, 0, up.all);
    const config = loadConfig({ env, cwd: repoRoot });
    const dbs = databases(config);
    const started = new Date();
    try {
      const mig = uniqueName('mig');
      const seen = await transfersWhile(dbs, async () => {
        // Rows spread over every partition, then DDL and data in one transaction, while the transfers go on.
        await dbs.leader.unsafe(`create schema ${mig}; create table ${mig}.items (id int primary key, v int not null)`);
        await dbs.leader.unsafe(`insert into ${mig}.items select g, g from generate_series(1, 300) g`);
        await sleep(2000);
        await dbs.leader.begin(async (tx) => {
          await tx.unsafe(`alter table ${mig}.items add column w int not null default 7`);
          await tx.unsafe(`update ${mig}.items set w = v * 2 where id % 3 = 0`);
        });
        await sleep(2000);
        const pid = appPid(config, 'replicator');
        assert.ok(pid, 'the detached replicator runs');
        process.kill(pid, 'SIGKILL');
        await dbs.leader.unsafe(`alter table ${mig}.items rename column v to value`);
        await dbs.leader.unsafe(`update ${mig}.items set value = value + 1000 where id <= 150`);
        const again = await run(['up', '--detach'], 300_000);
        assert.equal(again.exitCode, 0, again.all);
        await sleep(5000);
      });
      assertNoTornReads(t, seen, { transfers: 300, reads: 100 });
      await assertSchemaMirrored(dbs, seen.bank, 'transfers', started);
      await assertSchemaMirrored(dbs, mig, 'schema changes', started);

      const sim = await run(['simulate', '--count', '1500', '--rate', '0'], 300_000);
      assert.equal(sim.exitCode, 0, sim.all);
      await assertReplicasEqualLeader(3);

      const l = await layout(config);
      assert.deepEqual(l, { changes: 3, used: 3, transactions: 1 }, 'three change partitions, all used, and one of transactions');
    } finally {
      await dbs.end();
    }

    // Another count is refused, running (the recorded settings) or stopped (the topic itself), and loses nothing.
    const running = await run(['up', '--detach', '--partitions', '1'], 120_000);
    assert.equal(running.exitCode, 2, running.all);
    assert.match(running.all, /partitions 3 \(--partitions asks for 1\)/);
    assert.equal((await run(['down'], 180_000)).exitCode, 0);
    const stopped = await run(['up', '--detach', '--partitions', '1'], 300_000);
    assert.equal(stopped.exitCode, 1, stopped.all);
    assert.match(stopped.all, /the change topic leader\.changes has 3 partitions; --partitions 1 cannot apply to it/);
    const adopted = await run(['up', '--detach'], 300_000);
    assert.equal(adopted.exitCode, 0, adopted.all);
    await assertReplicasEqualLeader(3);
  },
);

/**
 * Retention, as an expired one would do it: every record of every change partition and of the transaction
 * topic that replicas 1 and 2 have applied is deleted (not past that: under load, records they have not read
 * yet would be lost to them too). Replica 3, stopped before, missed records that are gone now.
 */
async function deleteWhatReplicasOneAndTwoApplied(config: ReturnType<typeof loadConfig>, replica3Spine: bigint) {
  const dbs = databases(config);
  const admin = createKafka(config, 'partitions-test').admin();
  await admin.connect();
  try {
    const applied = await Promise.all(
      dbs.replicas
        .slice(0, 2)
        .map(
          (r) =>
            r<{ topic: string; partition: number; offset: string }[]>`select topic, partition, "offset"::text from cqrsctl.applied_offsets`,
        ),
    );
    const upTo = (topic: string, partition: number) => {
      const at = applied.map((rows) => rows.find((x) => x.topic === topic && x.partition === partition)?.offset);
      return at.every((o) => o !== undefined) ? at.map(BigInt).reduce((x, y) => (x < y ? x : y)) + 1n : 0n;
    };
    for (const topic of ['leader.changes', 'leader.transaction']) {
      await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
      const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({
        partition: p.partition,
        offset: upTo(topic, p.partition).toString(),
      }));
      await admin.deleteTopicRecords({ topic, partitions });
    }
    const [spine] = await admin.fetchTopicOffsets('leader.transaction');
    assert.ok(
      BigInt(spine.low) > replica3Spine + 1n,
      `replica-3's next records are gone (earliest ${spine.low}, replica-3 at ${replica3Spine})`,
    );
  } finally {
    await admin.disconnect();
    await dbs.end();
  }
}

test(
  'with three partitions, a replica away past retention is reseeded under writes, and a fourth is added',
  { timeout: 1_200_000 },
  async () => {
    const config = loadConfig({ env, cwd: repoRoot });
    const runtime = createNativeRuntime(config);
    const dbs = databases(config);
    const [at] = await dbs.replicas[2]<{ offset: string }[]>`
      select "offset"::text from cqrsctl.applied_offsets where topic = 'leader.transaction' and partition = 0`;
    await dbs.end();
    const replica3Spine = BigInt(at.offset);
    await runtime.stopService('replica-3', silentProgress);
    const load = execa(bin, ['simulate', '--duration', '50s', '--via', 'sql', '--rate', '200'], {
      cwd: repoRoot,
      env: { ...env, NO_COLOR: '1' },
      reject: false,
    });
    try {
      await sleep(10_000);
      await deleteWhatReplicasOneAndTwoApplied(config, replica3Spine);
      await runtime.startService('replica-3', silentProgress);
      const reseed = await run(['replicas', 'reseed', 'replica-3', '--json']);
      // With more than nine schema changes on the leader (the first test made several): the newest is copied.
      assert.equal(reseed.exitCode, 0, reseed.all);
      const report = JSON.parse(reseed.stdout) as SeedReport;
      assert.equal(report.topic, 'leader.transaction');
      assert.deepEqual(report.partitions.map((p) => `${p.topic}[${p.partition}]`).sort(), [
        'leader.changes[0]',
        'leader.changes[1]',
        'leader.changes[2]',
      ]);
    } finally {
      const sim = await load;
      assert.equal(sim.exitCode, 0, sim.all);
    }
    await assertReplicasEqualLeader(3);

    const added = await run(['replicas', 'add', '--json'], 600_000);
    assert.equal(added.exitCode, 0, added.all);
    const sim = await run(['simulate', '--count', '500', '--via', 'sql', '--rate', '0'], 300_000);
    assert.equal(sim.exitCode, 0, sim.all);
    await assertReplicasEqualLeader(4);
  },
);
