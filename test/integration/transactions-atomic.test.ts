import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { appPid } from '../../src/stack/apps.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';
import { assertSchemaMirrored, databases, uniqueName } from './replicator-support.ts';

let config: Config;
let dbs: ReturnType<typeof databases>;
const started = new Date();
before(async () => {
  config = await ensureStack();
  dbs = databases(config);
});
after(() => dbs.end());

const ACCOUNTS = 50;
const TOTAL = ACCOUNTS * 2 * 1000;

test('a reader of a replica never sees half of a leader transaction: transfers across two tables, read continuously, across kill -9 of the replicator', { timeout: 300_000 }, async (t) => {
  const bank = uniqueName('bank');
  await dbs.leader.unsafe(`
    create schema ${bank};
    create table ${bank}.a (id int primary key, balance bigint not null);
    create table ${bank}.b (id int primary key, balance bigint not null);
    insert into ${bank}.a select g, 1000 from generate_series(1, ${ACCOUNTS}) g;
    insert into ${bank}.b select g, 1000 from generate_series(1, ${ACCOUNTS}) g`);
  let writing = true;
  let transfers = 0;
  // Three writers move money from a row of one table to a row of the other, one transaction each time.
  const writers = [0, 1, 2].map(async () => {
    while (writing) {
      const [from, to] = Math.random() < 0.5 ? ['a', 'b'] : ['b', 'a'];
      const amount = 1 + Math.floor(Math.random() * 50);
      const ok = await dbs.leader.begin(async (tx) => {
        await tx.unsafe(`update ${bank}.${from} set balance = balance - ${amount} where id = ${1 + Math.floor(Math.random() * ACCOUNTS)}`);
        await tx.unsafe(`update ${bank}.${to} set balance = balance + ${amount} where id = ${1 + Math.floor(Math.random() * ACCOUNTS)}`);
      }).then(() => true, (e) => {
        // Concurrent transfers can deadlock on the leader; PostgreSQL rolls one back, which is no transfer at all.
        if (e.code !== '40P01') throw e;
        return false;
      });
      if (ok) transfers++;
    }
  });
  const reads = { total: 0, torn: [] as string[] };
  const readers = dbs.replicas.map(async (replica, i) => {
    while (writing) {
      const [r] = await replica.unsafe(`
        select (select count(*) from ${bank}.a) + (select count(*) from ${bank}.b) as n,
               (select coalesce(sum(balance), 0) from ${bank}.a) + (select coalesce(sum(balance), 0) from ${bank}.b) as total`).catch(() => [{ n: '0', total: '0' }]);
      if (Number(r.n) === 0) continue; // the tables are not there yet
      reads.total++;
      if (Number(r.n) !== ACCOUNTS * 2 || Number(r.total) !== TOTAL) reads.torn.push(`replica-${i + 1}: ${r.n} rows, total ${r.total}`);
    }
  });
  try {
    for (let kill = 0; kill < 2; kill++) {
      await sleep(4000);
      const pid = appPid(config, 'replicator');
      assert.ok(pid, 'the detached replicator runs');
      process.kill(pid, 'SIGKILL');
      await sleep(300);
      const r = await cli(['up', '--detach']);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    await sleep(4000);
  } finally {
    writing = false;
    await Promise.all([...writers, ...readers]);
  }
  t.diagnostic(`${transfers} transfers, ${reads.total} reads of the replicas, ${reads.torn.length} torn`);
  assert.ok(transfers > 500, `only ${transfers} transfers were written`);
  assert.ok(reads.total > 300, `only ${reads.total} reads of the replicas`);
  assert.deepEqual(reads.torn, [], `${reads.torn.length} of ${reads.total} reads saw a state the leader never had`);
  await assertSchemaMirrored(dbs, bank, 'transfers', started);
});
