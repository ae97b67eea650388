import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change } from '../../src/replicator/decode.ts';
import { parseXidSnapshot, ResumeSearch, visibleIn } from '../../src/replicas/resume-point.ts';

let offset = 0n;
const at = () => ({ topic: 'leader.changes', partition: 0, offset: offset++, key: null, rawValue: null });
const begin = (xid: string, lsn: bigint): Change => ({ ...at(), boundary: { status: 'BEGIN', txId: xid, eventCount: null, lsn } });
const end = (xid: string, lsn: bigint, n = 1): Change => ({ ...at(), boundary: { status: 'END', txId: xid, eventCount: n, lsn, tsMs: 7 } });
const event = (xid: string | null, op: 'c' | 'r' = 'c'): Change => ({
  ...at(),
  event: {
    op,
    schema: 'public',
    table: 't',
    before: null,
    after: { id: 1 },
    lsn: 1n,
    tsMs: 1,
    txId: xid,
    snapshotLast: false,
    txOrder: null,
    prevCommit: null,
  },
});
/** A whole transaction: BEGIN (its LSN is the first change's), one event, END (the end of its commit record). */
const tx = (xid: string, commitEnd: bigint) => [begin(xid, commitEnd - 100n), event(xid), end(xid, commitEnd)];

test('the resume point is the BEGIN of the first transaction whose commit ends after the point', () => {
  offset = 0n;
  const search = new ResumeSearch(1000n);
  assert.equal(search.push([...tx('1', 900n), ...tx('2', 1000n)]), undefined, 'commits ending at the point are in the snapshot');
  // The next one began before the point (BEGIN LSN 950) but committed after it: it is not in the snapshot.
  const found = search.push([...tx('3', 1050n), ...tx('4', 1100n)]);
  assert.deepEqual(found, {
    offset: 6n,
    first: { xid: '3', commitLsn: 1050n, tsMs: 7 },
    last: { xid: '2', commitLsn: 1000n, tsMs: 7 },
    clean: true,
  });
});

test('the answer can span batches, and records between transactions go with the next one', () => {
  offset = 0n;
  const search = new ResumeSearch(500n);
  assert.equal(search.push(tx('1', 400n)), undefined);
  const lone: Change = { ...at(), poison: 'undecodable' };
  assert.equal(search.push([lone, begin('2', 450n), event('2')]), undefined, 'no END yet: undecided');
  const found = search.push([end('2', 600n)]);
  assert.equal(found?.offset, 3n, 'from the record after the last END in the snapshot');
  assert.equal(found?.clean, true);
});

test('a scan that starts inside a transaction after the point says it cannot start there cleanly', () => {
  offset = 10n;
  const search = new ResumeSearch(500n);
  const found = search.push([event('9'), end('9', 700n), ...tx('10', 800n)]);
  assert.equal(found?.offset, 10n);
  assert.equal(found?.clean, false, 'its BEGIN is not in the topic any more');
  assert.equal(found?.last, undefined, 'no transaction before the point was seen');
});

test("the connector's initial snapshot reads come before every transaction", () => {
  offset = 0n;
  const search = new ResumeSearch(500n);
  const found = search.push([event(null, 'r'), event(null, 'r'), ...tx('5', 900n)]);
  assert.equal(found?.offset, 2n);
  assert.equal(found?.clean, true);
});

test('an END without an LSN cannot be placed', () => {
  offset = 0n;
  const search = new ResumeSearch(500n);
  assert.throws(() => search.push([{ ...at(), boundary: { status: 'END', txId: '1', eventCount: 0 } }]), /no LSN/);
});

test('xid visibility in pg_current_snapshot() text, with 32-bit xids widened next to xmax', () => {
  const s = parseXidSnapshot('100:110:103,105');
  assert.deepEqual(s, { xmin: 100n, xmax: 110n, xip: [103n, 105n] });
  assert.equal(visibleIn(s, '99'), true, 'before xmin');
  assert.equal(visibleIn(s, '104'), true, 'between, not in progress');
  assert.equal(visibleIn(s, '103'), false, 'in progress when taken');
  assert.equal(visibleIn(s, '110'), false, 'at xmax');
  assert.equal(visibleIn(parseXidSnapshot('837:837:'), '836'), true);
  // Epoch 1: xmax 2^32 + 5. xid 4294967290 is from epoch 0 (before), xid 7 from epoch 1 (after).
  const wrapped = parseXidSnapshot(`${2n ** 32n + 2n}:${2n ** 32n + 5n}:`);
  assert.equal(visibleIn(wrapped, '4294967290'), true);
  assert.equal(visibleIn(wrapped, '7'), false);
  assert.throws(() => parseXidSnapshot('nonsense'), /not a snapshot/);
});
