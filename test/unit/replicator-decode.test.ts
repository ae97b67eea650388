import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/replicator/decode.ts';

const TOPIC = 'cqrs.public.orders';
const source = {
  version: '3.6.1.Final',
  connector: 'postgresql',
  name: 'cqrs',
  ts_ms: 1718000000123,
  snapshot: null,
  db: 'app',
  sequence: '["24023928","24023928"]',
  schema: 'public',
  table: 'orders',
  txId: 771,
  lsn: 24023928,
  xmin: null,
};
const msg = (value: unknown, key: unknown = { id: 1 }, offset = '7') => ({
  offset,
  key: key === null ? null : Buffer.from(JSON.stringify(key)),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const envelope = (op: string, before: unknown, after: unknown, src: Record<string, unknown> = source) => ({
  before,
  after,
  source: src,
  transaction: null,
  op,
  ts_ms: 1718000000456,
});

test('create (c) decodes to an upsert-shaped event: after row, table from source, lsn and commit time', () => {
  const c = decode(TOPIC, 0, msg(envelope('c', null, { id: 1, total: '12.50' })));
  assert.equal(c.poison, undefined);
  assert.deepEqual(c.event, {
    op: 'c',
    schema: 'public',
    table: 'orders',
    before: null,
    after: { id: 1, total: '12.50' },
    lsn: 24023928n,
    tsMs: 1718000000123,
    txId: null,
    snapshotLast: false,
    txOrder: null,
    prevCommit: 24023928n,
  });
  assert.equal(c.topic, TOPIC);
  assert.equal(c.partition, 0);
  assert.equal(c.offset, 7n);
  assert.equal(c.key, '{"id":1}');
});

test('snapshot read (r) and update (u, before null under REPLICA IDENTITY DEFAULT) carry their after row', () => {
  const r = decode(TOPIC, 0, msg(envelope('r', null, { id: 2 }, { ...source, snapshot: 'last', lsn: null })));
  assert.equal(r.event?.op, 'r');
  assert.deepEqual(r.event?.after, { id: 2 });
  assert.equal(r.event?.lsn, null);
  const u = decode(TOPIC, 0, msg(envelope('u', null, { id: 2, total: '1' })));
  assert.equal(u.event?.op, 'u');
  assert.deepEqual(u.event?.after, { id: 2, total: '1' });
  assert.equal(u.event?.before, null);
});

test('the table comes from source, not the topic name (Debezium rewrites odd characters in topics)', () => {
  const c = decode('cqrs.public.odd_name_', 0, msg(envelope('c', null, { id: 1 }, { ...source, table: 'odd name;' })));
  assert.equal(c.event?.table, 'odd name;');
});

test('delete (d) carries the before row (key columns) and no after', () => {
  const d = decode(TOPIC, 0, msg(envelope('d', { id: 1, total: null }, null)));
  assert.equal(d.event?.op, 'd');
  assert.deepEqual(d.event?.before, { id: 1, total: null });
  assert.equal(d.event?.after, null);
});

test('truncate (t): null key, no rows, still a table event', () => {
  const t = decode(TOPIC, 0, msg({ source, op: 't', ts_ms: 1 }, null));
  assert.equal(t.poison, undefined);
  assert.equal(t.key, null);
  assert.deepEqual(t.event, {
    op: 't',
    schema: 'public',
    table: 'orders',
    before: null,
    after: null,
    lsn: 24023928n,
    tsMs: 1718000000123,
    txId: null,
    snapshotLast: false,
    txOrder: null,
    prevCommit: 24023928n,
  });
});

test('a tombstone (null value) is neither an event nor poison, and keeps its offset', () => {
  const t = decode(TOPIC, 3, msg(null, { id: 1 }, '41'));
  assert.equal(t.event, undefined);
  assert.equal(t.poison, undefined);
  assert.equal(t.rawValue, null);
  assert.equal(t.offset, 41n);
  assert.equal(t.partition, 3);
  assert.equal(t.key, '{"id":1}');
});

test('int8 values beyond 2^53 survive decoding exactly', () => {
  const text = `{"before":null,"after":{"id":9223372036854775807,"n":-9007199254740993},"source":${JSON.stringify(source)},"op":"c"}`;
  const c = decode(TOPIC, 0, msg(text));
  assert.deepEqual(c.event?.after, { id: '9223372036854775807', n: '-9007199254740993' });
});

test('Kafka offsets beyond 2^53 are exact bigints', () => {
  assert.equal(decode(TOPIC, 0, msg(null, null, '9007199254740993')).offset, 9007199254740993n);
});

test('the schemas-enabled form {schema, payload} decodes like the bare envelope', () => {
  const c = decode(TOPIC, 0, msg({ schema: { type: 'struct', fields: [] }, payload: envelope('c', null, { id: 5 }) }));
  assert.equal(c.poison, undefined);
  assert.equal(c.event?.op, 'c');
  assert.deepEqual(c.event?.after, { id: 5 });
});

test('a row whose column is named "payload" or "schema" is not mistaken for the wrapper', () => {
  const c = decode(TOPIC, 0, msg(envelope('c', null, { payload: 'p', schema: 's' })));
  assert.deepEqual(c.event?.after, { payload: 'p', schema: 's' });
});

test('undecodable messages become poison with a reason, keeping the raw value for the dead-letter topic', () => {
  const cases: [unknown, RegExp][] = [
    ['{"op":"c",', /^undecodable: /],
    ['"just a string"', /not a JSON object/],
    ['null', /not a JSON object/],
    [envelope('m', null, null), /unknown op "m"/],
    [{ op: 'c', after: { id: 1 } }, /source\.schema/],
    [envelope('c', null, { id: 1 }, { ...source, table: undefined }), /source\.schema\/source\.table/],
    [envelope('c', null, null), /op c without an "after" row/],
    [envelope('u', { id: 1 }, null), /op u without an "after" row/],
    [envelope('r', null, 'x'), /op r without an "after" row/],
    [envelope('d', null, null), /delete without a "before" row/],
  ];
  for (const [value, reason] of cases) {
    const m = msg(value);
    const c = decode(TOPIC, 0, m);
    assert.equal(c.event, undefined, JSON.stringify(value));
    assert.match(c.poison ?? '', /^undecodable: /);
    assert.match(c.poison ?? '', reason);
    assert.equal(c.rawValue, m.value!.toString());
    assert.equal(c.offset, 7n);
  }
});

test('transaction metadata records decode to boundaries keyed by xid; events carry their transaction', () => {
  const begin = decode(
    TOPIC,
    0,
    msg({ status: 'BEGIN', id: '735:26535192', event_count: null, data_collections: null, ts_ms: 1 }, { id: '735:26535192' }),
  );
  assert.deepEqual(begin.boundary, { status: 'BEGIN', txId: '735', eventCount: null, lsn: 26535192n, tsMs: 1 });
  assert.equal(begin.event, undefined);
  // END's id carries a later LSN than BEGIN's: only the xid part is shared.
  const end = decode(TOPIC, 0, msg({ status: 'END', id: '735:26535808', event_count: 2, data_collections: [], ts_ms: 1 }));
  assert.deepEqual(end.boundary, { status: 'END', txId: '735', eventCount: 2, lsn: 26535808n, tsMs: 1 });
  const c = decode(
    TOPIC,
    0,
    msg({ ...envelope('c', null, { id: 1 }), transaction: { id: '735:26535192', total_order: 1, data_collection_order: 1 } }),
  );
  assert.equal(c.event?.txId, '735');
  const last = decode(TOPIC, 0, msg(envelope('r', null, { id: 2 }, { ...source, snapshot: 'last' })));
  assert.equal(last.event?.snapshotLast, true);
  assert.equal(last.event?.txId, null);
});

test('a streamed change carries its place in the transaction and the previous commit (source.sequence[0])', () => {
  const value = {
    ...envelope('u', null, { id: 3 }, { ...source, sequence: '["26682272","26679768"]' }),
    transaction: { id: '844:26679768', total_order: 2, data_collection_order: 1 },
  };
  const c = decode(TOPIC, 0, msg(value));
  assert.equal(c.event?.txId, '844');
  assert.equal(c.event?.txOrder, 2);
  assert.equal(c.event?.prevCommit, 26682272n);
});
