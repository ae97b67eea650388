import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change } from '../../src/replicator/decode.ts';
import { Assembler } from '../../src/replicator/order.ts';
import { Merger, sequencer } from '../../src/replicator/merge.ts';
import { tpKey } from '../../src/replicator/topics.ts';

const DATA = 'leader.changes';
const SPINE = 'leader.transaction';

/** Commit end LSN of transaction xid n in these tests: 100·n; its changes carry the previous one's. */
const commitOf = (xid: string) => BigInt(Number(xid) * 100);

const boundary = (offset: number, status: 'BEGIN' | 'END', xid: string, eventCount: number | null = null): Change => ({
  topic: SPINE,
  partition: 0,
  offset: BigInt(offset),
  key: null,
  rawValue: '{}',
  boundary: { status, txId: xid, eventCount, ...(status === 'END' ? { lsn: commitOf(xid) } : {}) },
});

const change = (
  partition: number,
  offset: number,
  xid: string | null,
  order: number | null,
  o: { last?: boolean; prevXid?: string } = {},
): Change => ({
  topic: DATA,
  partition,
  offset: BigInt(offset),
  key: `{"id":${offset}}`,
  rawValue: '{}',
  event: {
    op: xid ? 'u' : 'r',
    schema: 'public',
    table: 't',
    before: null,
    after: { id: offset },
    lsn: null,
    tsMs: null,
    txId: xid,
    snapshotLast: o.last ?? false,
    txOrder: order,
    prevCommit: xid ? commitOf(o.prevXid ?? String(Number(xid) - 1)) : null,
  },
});

const ends = (p0: number, p1: number, spine = 0) =>
  new Map([
    [tpKey(DATA, 0), BigInt(p0)],
    [tpKey(DATA, 1), BigInt(p1)],
    [tpKey(SPINE, 0), BigInt(spine)],
  ]);

const merger = (start = new Map<string, bigint>(), e = ends(0, 0)) => new Merger({ topic: SPINE, partition: 0 }, start, e);

/** What a unit applies, as "xid/order" per change event, in its order. */
const applied = (records: Change[]) => records.filter((r) => r.event).map((r) => `${r.event!.txId ?? 'r'}/${r.event!.txOrder ?? r.offset}`);

test('a transaction spread over two partitions waits for all its changes, then applies them in total_order', () => {
  const m = merger();
  assert.deepEqual(m.push([boundary(0, 'BEGIN', '5'), boundary(1, 'END', '5', 3)]), [], 'END alone: the changes are not here yet');
  assert.deepEqual(m.push([change(1, 0, '5', 2)]), [], 'two of three changes missing');
  const [u, ...rest] = m.push([change(0, 0, '5', 3), change(0, 1, '5', 1)]);
  assert.equal(rest.length, 0);
  assert.equal(u.kind, 'tx');
  assert.deepEqual(applied(u.records), ['5/1', '5/2', '5/3']);
  assert.deepEqual([u.topic, u.partition, u.first, u.last], [SPINE, 0, 0n, 1n]);
  assert.deepEqual(
    u.tails?.sort((a, b) => a.partition - b.partition),
    [
      { topic: DATA, partition: 0, last: 1n },
      { topic: DATA, partition: 1, last: 0n },
    ],
  );
  assert.equal(u.countMismatch, undefined);
  assert.equal(m.pending, 0);
});

test('transactions come out in the spine order whatever order the partitions arrive in; each takes only its own changes', () => {
  const m = merger();
  // Partition 1 holds a change of 6 and then of 7; partition 0 one of 6 only.
  assert.deepEqual(m.push([change(1, 0, '6', 1), change(1, 1, '7', 1, { prevXid: '6' })]), []);
  assert.deepEqual(
    m.push([boundary(0, 'BEGIN', '6'), boundary(1, 'END', '6', 2), boundary(2, 'BEGIN', '7'), boundary(3, 'END', '7', 1)]),
    [],
  );
  const units = m.push([change(0, 0, '6', 2)]);
  assert.deepEqual(
    units.map((u) => applied(u.records)),
    [['6/1', '6/2'], ['7/1']],
  );
  assert.deepEqual(
    units.map((u) => [u.first, u.last]),
    [
      [0n, 1n],
      [2n, 3n],
    ],
  );
  assert.deepEqual(units[1].tails, [{ topic: DATA, partition: 1, last: 1n }]);
});

test('a redelivered change of an earlier transaction is taken but not applied again (its sequence[0] lies below the commit)', () => {
  const m = merger();
  m.push([boundary(0, 'BEGIN', '8'), boundary(1, 'END', '8', 1)]);
  assert.equal(m.push([change(0, 0, '8', 1)]).length, 1);
  // The connector restarted and sent 8's change again, then 9's.
  m.push([boundary(2, 'BEGIN', '9'), boundary(3, 'END', '9', 1)]);
  const [u] = m.push([change(0, 1, '8', 1), change(0, 2, '9', 1)]);
  assert.deepEqual(applied(u.records), ['9/1']);
  assert.deepEqual(u.tails, [{ topic: DATA, partition: 0, last: 2n }], 'the redelivered offset is taken with it');
});

test('the initial snapshot is complete once its last read arrived and every partition was read to its end', () => {
  const m = merger(new Map(), ends(2, 1));
  assert.deepEqual(m.push([change(1, 0, null, null, { last: true })]), [], 'partition 0 still has reads to come');
  m.push([boundary(0, 'BEGIN', '2'), boundary(1, 'END', '2', 1)]);
  const units = m.push([change(0, 0, null, null), change(0, 1, null, null), change(0, 2, '2', 1)]);
  assert.deepEqual(
    units.map((u) => [u.kind, applied(u.records)]),
    [
      ['snapshot', ['r/0', 'r/0', 'r/1']],
      ['tx', ['2/1']],
    ],
  );
  assert.deepEqual([units[0].first, units[0].last], [-1n, -1n], 'a snapshot sits before the spine start');
  assert.deepEqual([units[1].first, units[1].last], [0n, 1n]);
});

test('a connector restart: what was applied is skipped when sent again, and a transaction cut off takes its first copy', () => {
  const m = merger();
  // Before the restart: 10 and 11 whole; 12's END and all of 13's spine records were lost, but p0 holds a first
  // copy of 12's and of 13's change. After it the connector sends 10..13 again, in commit order.
  const first = [
    boundary(0, 'BEGIN', '10'),
    boundary(1, 'END', '10', 2),
    boundary(2, 'BEGIN', '11'),
    boundary(3, 'END', '11', 1),
    boundary(4, 'BEGIN', '12'),
  ];
  const again = [
    boundary(5, 'BEGIN', '10'),
    boundary(6, 'END', '10', 2),
    boundary(7, 'BEGIN', '11'),
    boundary(8, 'END', '11', 1),
    boundary(9, 'BEGIN', '12'),
    boundary(10, 'END', '12', 1),
    boundary(11, 'BEGIN', '13'),
    boundary(12, 'END', '13', 1),
  ];
  const units = [
    ...m.push([change(0, 0, '10', 1), change(0, 1, '12', 1), change(0, 2, '13', 1)]),
    ...m.push([change(1, 0, '10', 2), change(1, 1, '11', 1)]),
    ...m.push(first),
    ...m.push(again),
    ...m.push([change(0, 3, '10', 1), change(0, 4, '12', 1), change(0, 5, '13', 1)]),
    ...m.push([change(1, 2, '10', 2), change(1, 3, '11', 1)]),
  ];
  assert.deepEqual(
    units.map((u) => [`${u.first}..${u.last}`, applied(u.records)]),
    [
      ['0..1', ['10/1', '10/2']],
      ['2..3', ['11/1']],
      ['4..4', []],
      ['5..6', []],
      ['7..8', []],
      ['9..10', ['12/1']],
      ['11..12', ['13/1']],
    ],
  );
  assert.equal(m.pending, 5, 'the copies sent again wait at the heads');
  m.push([boundary(13, 'BEGIN', '14'), boundary(14, 'END', '14', 1)]);
  const [next] = m.push([change(1, 4, '14', 1)]);
  assert.deepEqual(applied(next.records), ['14/1'], 'the next transaction takes the copies without applying them');
  assert.deepEqual(
    next.tails?.sort((a, b) => a.partition - b.partition).map((t) => t.last),
    [5n, 4n],
  );
});

test('a merger started from a replica skips what its recorded commit covers', () => {
  const m = new Merger({ topic: SPINE, partition: 0 }, new Map([[tpKey(SPINE, 0), 20n]]), ends(0, 0), commitOf('11'));
  const units = m.push([
    boundary(20, 'BEGIN', '11'),
    boundary(21, 'END', '11', 1),
    boundary(22, 'BEGIN', '12'),
    boundary(23, 'END', '12', 1),
  ]);
  assert.deepEqual(
    units.map((u) => u.first),
    [20n],
  );
  const [u] = m.push([change(0, 0, '11', 1, { prevXid: '10' }), change(0, 1, '12', 1)]);
  assert.deepEqual(applied(u.records), ['12/1']);
});

test('a restart starts from recorded positions: the spine and every partition resume where the replica stopped', () => {
  const start = new Map([
    [tpKey(SPINE, 0), 10n],
    [tpKey(DATA, 0), 5n],
  ]);
  const m = merger(start, ends(6, 0, 12));
  const [u] = m.push([boundary(10, 'BEGIN', '20'), boundary(11, 'END', '20', 1)]);
  assert.equal(u, undefined);
  const [v] = m.push([change(0, 5, '20', 1)]);
  assert.deepEqual([v.first, v.last, v.tails], [10n, 11n, [{ topic: DATA, partition: 0, last: 5n }]]);
});

test('the sequencer is a Merger when the transaction topic is read, an Assembler otherwise', () => {
  assert.ok(sequencer([DATA, SPINE], SPINE, new Map(), new Map(), null) instanceof Merger);
  assert.ok(sequencer([DATA], SPINE, new Map(), new Map(), null) instanceof Assembler);
});

test('records handed out again (a reader refetching after a leader change) are taken once', () => {
  const m = merger();
  const spine = [boundary(0, 'BEGIN', '5'), boundary(1, 'END', '5', 1), boundary(2, 'BEGIN', '6'), boundary(3, 'END', '6', 1)];
  m.push(spine.slice(0, 2));
  assert.equal(m.push([change(0, 0, '5', 1)]).length, 1);
  // The spine from its start again, then 6's change: 5 is not reopened (its change is gone), 6 applies.
  assert.deepEqual(m.push(spine), []);
  assert.deepEqual(m.push([change(0, 0, '5', 1)]), []);
  const units = m.push([change(1, 0, '6', 1, { prevXid: '5' })]);
  assert.deepEqual(
    units.map((u) => [u.first, u.last, u.incomplete ?? false, applied(u.records)]),
    [[2n, 3n, false, ['6/1']]],
  );
});
