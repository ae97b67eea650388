import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, ChangeEvent } from '../../src/replicator/decode.ts';
import { countApplied, metrics, observeApplied, reasonKind, registry, setState } from '../../src/replicator/metrics.ts';
import type { Unit } from '../../src/replicator/order.ts';

const event = (table: string, op: ChangeEvent['op'], tsMs: number): ChangeEvent => ({
  op,
  schema: 'public',
  table,
  before: null,
  after: {},
  lsn: 100n,
  tsMs,
  txId: '1',
  snapshotLast: false,
  txOrder: null,
  prevCommit: null,
});
const change = (offset: number, e?: ChangeEvent): Change => ({
  topic: 'leader.changes',
  partition: 0,
  offset: BigInt(offset),
  key: null,
  rawValue: '{}',
  ...(e ? { event: e } : {}),
});
const unit = (records: Change[]): Unit => ({
  kind: 'tx',
  records,
  topic: records[0].topic,
  partition: 0,
  first: records[0].offset,
  last: records[records.length - 1].offset,
});

const units = [
  unit([
    change(0),
    change(1, event('orders', 'c', 1_000)),
    change(2, event('order_items', 'c', 1_000)),
    change(3, event('order_items', 'c', 1_000)),
    change(4),
  ]),
  unit([change(5), change(6, event('orders', 'u', 2_000)), change(7)]),
];

const value = async (series: string) => {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('applied events are counted per table and op; boundary records and rejected offsets are not', () => {
  const counts = [...countApplied(units, new Set([3n]))].map(([k, n]) => `${k.table} ${k.op} ${n}`).sort();
  assert.deepEqual(counts, ['public.order_items c 1', 'public.orders c 1', 'public.orders u 1']);
});

test('dead-letter reasons become a few kinds, never the text', () => {
  assert.equal(reasonKind('cannot apply: duplicate key value violates unique constraint "x"'), 'apply-failed');
  assert.equal(reasonKind('cannot mirror schema change 4 (CREATE INDEX) with `create index ...`: x'), 'schema-change');
  assert.equal(reasonKind('cannot reload rewritten rows: x'), 'reload-failed');
  assert.equal(reasonKind('table public.x is not in the replicated schema as of this change (...)'), 'unknown-table');
  assert.equal(reasonKind('undecodable: Unexpected token'), 'undecodable');
  assert.equal(reasonKind('something new'), 'other');
});

test('a committed replica transaction moves the counters and histograms of its replica', async () => {
  const rejected = [{ change: units[0].records[3], reason: 'cannot apply: boom' }];
  observeApplied('replica-t', units, rejected, 0.02, 3_000);
  assert.equal(await value('cqrsctl_events_applied_total{replica="replica-t",table="public.orders",op="c"}'), 1);
  assert.equal(await value('cqrsctl_events_applied_total{replica="replica-t",table="public.order_items",op="c"}'), 1);
  assert.equal(await value('cqrsctl_dead_letters_total{replica="replica-t",reason="apply-failed"}'), 1);
  assert.equal(await value('cqrsctl_apply_batch_events_sum{replica="replica-t"}'), 8);
  assert.equal(await value('cqrsctl_apply_batch_seconds_count{replica="replica-t"}'), 1);
  // One observation per leader transaction: 2 s and 1 s after their commits.
  assert.equal(await value('cqrsctl_commit_to_visible_seconds_count{replica="replica-t"}'), 2);
  assert.equal(await value('cqrsctl_commit_to_visible_seconds_sum{replica="replica-t"}'), 3);
});

test('a state gauge has 1 for the current state and 0 for the others, an unknown state included', async () => {
  setState(metrics.replicaState, { replica: 'replica-s' }, 'state', ['attached', 'down'], 'attached');
  assert.equal(await value('cqrsctl_replica_state{replica="replica-s",state="attached"}'), 1);
  assert.equal(await value('cqrsctl_replica_state{replica="replica-s",state="down"}'), 0);
  setState(metrics.replicaState, { replica: 'replica-s' }, 'state', ['attached', 'down'], 'weird');
  assert.equal(await value('cqrsctl_replica_state{replica="replica-s",state="weird"}'), 1);
  assert.equal(await value('cqrsctl_replica_state{replica="replica-s",state="attached"}'), 0);
});
