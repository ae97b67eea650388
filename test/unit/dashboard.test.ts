import assert from 'node:assert/strict';
import { test } from 'node:test';
import { History } from '../../src/dashboard/history.ts';
import { parseCommitToVisible } from '../../src/dashboard/latency.ts';
import type { Change, ChangeEvent } from '../../src/replicator/decode.ts';
import { summarizeChange } from '../../src/replicator/follow.ts';
import type { ReplicaProgress } from '../../src/replicator/status.ts';
import type { StatusReport } from '../../src/stack/status.ts';

const replica = (name: string, appliedEvents: number, lagEvents: number | null, extra: Partial<ReplicaProgress> = {}): ReplicaProgress => ({
  name,
  appliedEvents,
  lastLsn: null,
  appliedThrough: '0',
  lagEvents,
  lagMs: 60_000,
  deadLettered: 0,
  lastDeadLetter: null,
  partitions: [],
  owner: null,
  ...extra,
});
const report = (...replication: ReplicaProgress[]): StatusReport => ({
  runtime: { name: 'native', reason: 'test' },
  services: [],
  connector: { name: 'c', state: 'RUNNING', tasks: [] },
  slot: null,
  replication,
  replicators: [],
  healthy: true,
  problems: [],
});

test('history turns event counts into rates and keeps only its window', () => {
  const h = new History(10_000);
  const first = h.add(report(replica('replica-1', 100, 0), replica('replica-2', 90, 10)), 0);
  assert.equal(first.eventsPerSec, null, 'no rate from one sample');
  assert.equal(first.logEvents, 100);
  const second = h.add(report(replica('replica-1', 300, 0), replica('replica-2', 150, 150)), 2000);
  assert.equal(second.eventsPerSec, 100);
  assert.deepEqual(
    second.replicas.map((r) => r.appliedPerSec),
    [100, 30],
  );
  h.add(report(replica('replica-1', 300, 0), replica('replica-2', 300, 0)), 11_000);
  assert.deepEqual(
    h.samples().map((s) => s.at),
    [2000, 11_000],
  );
});

test("a replica's lag is status's lag while changes wait, else the mean commit-to-visible time since the last sample", () => {
  const h = new History(60_000);
  const totals = (sum: number, count: number) => new Map([['replica-1', { sum, count }]]);
  assert.equal(h.add(report(replica('replica-1', 10, 0)), 0, totals(1, 10)).replicas[0].lagMs, 0, 'no earlier totals');
  assert.equal(h.add(report(replica('replica-1', 20, 0)), 2000, totals(3, 20)).replicas[0].lagMs, 200);
  assert.equal(h.add(report(replica('replica-1', 20, 0)), 4000, totals(3, 20)).replicas[0].lagMs, 0, 'idle: nothing behind');
  assert.equal(h.add(report(replica('replica-1', 20, 5)), 6000, totals(3, 20)).replicas[0].lagMs, 60_000, 'changes waiting');
  assert.equal(h.add(report(replica('replica-1', 20, 5)), 8000, null).replicas[0].lagMs, 60_000, 'no replicator metrics');
  const down = h.add(report(replica('replica-1', 0, null, { error: 'ECONNREFUSED' })), 10_000, null);
  assert.deepEqual([down.replicas[0].lagMs, down.replicas[0].appliedEvents, down.logEvents], [null, null, null]);
});

test('commit-to-visible totals are read per replica from the Prometheus text', () => {
  const text = [
    '# TYPE cqrsctl_commit_to_visible_seconds histogram',
    'cqrsctl_commit_to_visible_seconds_bucket{le="0.005",replica="replica-1"} 3',
    'cqrsctl_commit_to_visible_seconds_sum{replica="replica-1"} 12.5',
    'cqrsctl_commit_to_visible_seconds_count{replica="replica-1"} 40',
    'cqrsctl_commit_to_visible_seconds_sum{replica="replica-2"} 1',
    'cqrsctl_commit_to_visible_seconds_count{replica="replica-2"} 2',
    'cqrsctl_apply_batch_seconds_sum{replica="replica-1"} 99',
  ].join('\n');
  assert.deepEqual(
    [...parseCommitToVisible(text)],
    [
      ['replica-1', { sum: 12.5, count: 40 }],
      ['replica-2', { sum: 1, count: 2 }],
    ],
  );
});

const change = (e: Partial<ChangeEvent>, key: string | null = '{"id":1}'): Change => ({
  topic: 'leader.changes',
  partition: 0,
  offset: 0n,
  key,
  rawValue: '{}',
  event: {
    op: 'c',
    schema: 'public',
    table: 'orders',
    before: null,
    after: null,
    lsn: 1n,
    tsMs: 5,
    txId: '1',
    snapshotLast: false,
    txOrder: null,
    prevCommit: null,
    ...e,
  },
});

test('a change is summarised with the columns that changed; bookkeeping rows and other tables are left out', () => {
  assert.deepEqual(
    summarizeChange(change({ op: 'u', before: { id: 1, status: 'placed', note: 'x' }, after: { id: 1, status: 'paid', note: 'x' } })),
    {
      at: 5,
      table: 'public.orders',
      op: 'update',
      key: '{"id":1}',
      columns: [['status', '"paid"']],
    },
  );
  assert.deepEqual(summarizeChange(change({ op: 'c', after: { id: 2, note: 'y'.repeat(100) } }))?.columns, [
    ['id', '2'],
    ['note', `"${'y'.repeat(56)}…`],
  ]);
  assert.deepEqual(summarizeChange(change({ op: 'd', before: { id: 1 } }))?.columns, []);
  assert.equal(summarizeChange(change({}), 'public.customers'), null);
  assert.equal(summarizeChange(change({ schema: 'cqrsctl', table: 'applied_offsets' })), null);
  const ddl = change({ schema: 'cqrsctl', table: 'schema_changes', after: { tag: 'ALTER TABLE' } }, null);
  assert.deepEqual(summarizeChange(ddl), { at: 5, table: 'ALTER TABLE', op: 'schema change', key: null, columns: [] });
  assert.equal(summarizeChange(ddl, 'public.orders'), null, 'a table filter leaves schema changes out');
  assert.equal(summarizeChange({ ...change({}), event: undefined }), null, 'tombstone');
});
