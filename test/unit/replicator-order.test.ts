import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, ChangeEvent } from '../../src/replicator/decode.ts';
import { Assembler, groupUnits, type Unit } from '../../src/replicator/order.ts';

let offset = 0n;
const base = () => ({ topic: 'leader.changes', partition: 0, offset: offset++, key: null, rawValue: '{}' });
const begin = (tx: string): Change => ({ ...base(), boundary: { status: 'BEGIN', txId: tx, eventCount: null } });
const end = (tx: string, n: number): Change => ({ ...base(), boundary: { status: 'END', txId: tx, eventCount: n } });
const event = (tx: string | null, table = 'orders', extra: Partial<ChangeEvent> = {}): Change => ({
  ...base(),
  event: {
    op: tx ? 'c' : 'r',
    schema: 'public',
    table,
    before: null,
    after: { id: 1 },
    lsn: 1n,
    tsMs: 1,
    txId: tx,
    snapshotLast: false,
    txOrder: null,
    prevCommit: null,
    ...extra,
  },
});
const tombstone = (): Change => ({ ...base(), rawValue: null });
const offsets = (u: Unit) => u.records.map((r) => Number(r.offset));

test('a transaction is complete at its END, however the records are split across fetches', () => {
  offset = 0n;
  const a = new Assembler();
  const records = [begin('7'), event('7'), event('7', 'order_items'), end('7', 2)];
  assert.deepEqual(a.push(records.slice(0, 2)), []);
  assert.equal(a.pending, 2);
  const units = a.push(records.slice(2));
  assert.equal(units.length, 1);
  assert.deepEqual(offsets(units[0]), [0, 1, 2, 3]);
  assert.equal(units[0].kind, 'tx');
  assert.equal(units[0].first, 0n);
  assert.equal(units[0].last, 3n);
  assert.equal(units[0].countMismatch, undefined);
  assert.equal(a.pending, 0);
});

test('snapshot reads form one unit, closed by the read marked last or by the first BEGIN', () => {
  offset = 0n;
  const a = new Assembler();
  const units = a.push([
    event(null),
    event(null),
    event(null, 'x', { snapshotLast: true }),
    event(null),
    begin('9'),
    event('9'),
    end('9', 1),
  ]);
  assert.deepEqual(
    units.map((u) => [u.kind, offsets(u)]),
    [
      ['snapshot', [0, 1, 2]],
      ['snapshot', [3]],
      ['tx', [4, 5, 6]],
    ],
  );
});

test('a transaction without END (connector restarted in its middle) ends at the next BEGIN, marked incomplete', () => {
  offset = 0n;
  const a = new Assembler();
  const units = a.push([begin('1'), event('1'), begin('1'), event('1'), event('1'), end('1', 2)]);
  assert.equal(units.length, 2);
  assert.equal(units[0].incomplete, true);
  assert.deepEqual(offsets(units[1]), [2, 3, 4, 5]);
  assert.equal(units[1].incomplete, undefined);
});

test('an END that disagrees with the events received is flagged, not dropped', () => {
  offset = 0n;
  const [u] = new Assembler().push([begin('3'), event('3'), end('3', 2)]);
  assert.deepEqual(u.countMismatch, { expected: 2, received: 1 });
});

test('records outside any unit (a tombstone between transactions) are units of their own, so positions cover every offset', () => {
  offset = 0n;
  const units = new Assembler().push([tombstone(), begin('4'), event('4'), tombstone(), end('4', 1)]);
  assert.deepEqual(
    units.map((u) => [u.kind, offsets(u)]),
    [
      ['other', [0]],
      ['tx', [1, 2, 3, 4]],
    ],
  );
});

test('events of a transaction whose BEGIN was not read still form that transaction', () => {
  offset = 0n;
  const units = new Assembler().push([event('5'), event('5'), end('5', 2), begin('6')]);
  assert.deepEqual(offsets(units[0]), [0, 1, 2]);
});

test('groups: consecutive transactions share a group; a schema change or the snapshot goes alone; size is bounded', () => {
  offset = 0n;
  const a = new Assembler();
  const tx = (table = 'orders') => {
    const id = String(offset);
    return [begin(id), event(id, table), end(id, 1)];
  };
  const schema = () => {
    const id = String(offset);
    return [
      begin(id),
      { ...event(id, 'schema_changes'), event: { ...event(id).event!, schema: 'cqrsctl', table: 'schema_changes' } },
      end(id, 1),
    ];
  };
  const units = a.push([...tx(), ...tx(), ...schema(), ...tx(), ...tx(), ...tx()]);
  assert.equal(units.length, 6);
  const groups = groupUnits(units, 6);
  assert.deepEqual(
    groups.map((g) => g.length),
    [2, 1, 2, 1],
  );
  const snapshot = new Assembler().push([event(null), event(null, 'x', { snapshotLast: true }), ...tx()]);
  assert.deepEqual(
    groupUnits(snapshot, 100).map((g) => g.map((u) => u.kind)),
    [['snapshot'], ['tx']],
  );
});

test('a transaction sent again after a connector restart (its commit not past one applied) applies nothing but moves the position', () => {
  const committed = (tx: string, n: number, lsn: bigint): Change => ({
    ...base(),
    boundary: { status: 'END', txId: tx, eventCount: n, lsn },
  });
  const a = new Assembler();
  const units = a.push([begin('7'), event('7'), committed('7', 1, 500n), begin('8'), event('8'), committed('8', 1, 600n)]);
  assert.deepEqual(
    units.map((u) => u.resent ?? false),
    [false, false],
  );
  const again = a.push([begin('8'), event('8'), committed('8', 1, 600n), begin('9'), event('9'), committed('9', 1, 700n)]);
  assert.deepEqual(
    again.map((u) => [u.resent ?? false, u.records.filter((r) => r.event).length]),
    [
      [true, 0],
      [false, 1],
    ],
  );
  // Started from a replica whose position records commit 600: the same.
  const [resent] = new Assembler(600n).push([begin('8'), event('8'), committed('8', 1, 600n)]);
  assert.equal(resent.resent, true);
  assert.equal(resent.last - resent.first, 2n, 'its records keep their offsets');
});
