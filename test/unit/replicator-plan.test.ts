import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Column, TableMeta } from '../../src/replicator/catalog.ts';
import type { ChangeEvent, Row } from '../../src/replicator/decode.ts';
import { PLACEHOLDER } from '../../src/replicator/pg-text.ts';
import { buildStatements } from '../../src/replicator/plan.ts';

function meta(table: string, cols: [string, string, Column['kind']?][], primaryKey: string[]): TableMeta {
  const columns = new Map(
    cols.map(([name, type, kind]): [string, Column] => [name, { name, type, kind: kind ?? 'text', array: type.endsWith('[]') }]),
  );
  return { schema: 'public', table, qualified: `"public"."${table.replace(/"/g, '""')}"`, columns, primaryKey, overriding: false };
}

const orders = meta(
  'orders',
  [
    ['id', 'bigint'],
    ['note', 'text'],
    ['paid', 'boolean', 'bool'],
    ['big', 'text'],
  ],
  ['id'],
);
const lines = meta(
  'lines',
  [
    ['order_id', 'bigint'],
    ['n', 'integer'],
    ['qty', 'integer'],
  ],
  ['order_id', 'n'],
);
const metas = new Map([orders, lines].map((m) => [m.table, m]));
const metaOf = (e: ChangeEvent) => metas.get(e.table)!;

const ev = (op: ChangeEvent['op'], row: Row | null, table = 'orders'): ChangeEvent => ({
  op,
  schema: 'public',
  table,
  before: op === 'd' ? row : null,
  after: op === 'd' || op === 't' ? null : row,
  lsn: null,
  tsMs: null,
  txId: null,
  snapshotLast: false,
  txOrder: null,
  prevCommit: null,
});
const keyOf = (row: Row | null, table = 'orders') =>
  row === null ? '' : JSON.stringify(Object.fromEntries(metas.get(table)!.primaryKey.map((k) => [k, row[k]])));
const change = (op: ChangeEvent['op'], row: Row | null, table = 'orders') => ({ key: keyOf(row, table), event: ev(op, row, table) });

const UPSERT_ALL =
  'insert into "public"."orders" ("id", "note", "paid", "big") select u.c0::bigint, u.c1::text, u.c2::boolean, u.c3::text from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(c0, c1, c2, c3) on conflict ("id") do update set "note" = excluded."note", "paid" = excluded."paid", "big" = excluded."big"';
const DELETE = 'delete from "public"."orders" t using unnest($1::text[]) as u(c0) where t."id" = u.c0::bigint';

test('several new rows become one multi-row upsert: one text[] parameter per column, row i at index i', () => {
  const s = buildStatements(
    [
      change('c', { id: 1, note: 'a', paid: true, big: 'x' }),
      change('r', { id: 2, note: null, paid: false, big: 'y' }),
      change('c', { id: '9223372036854775807', note: 'c', paid: null, big: 'z' }),
    ],
    metaOf,
  );
  assert.equal(s.length, 1);
  assert.equal(s[0].sql, UPSERT_ALL);
  assert.deepEqual(s[0].params, [
    ['1', '2', '9223372036854775807'],
    ['a', null, 'c'],
    ['t', 'f', null],
    ['x', 'y', 'z'],
  ]);
});

test('changes of one key collapse to the last one', () => {
  const s = buildStatements(
    [
      change('c', { id: 1, note: 'v1', paid: false, big: 'b' }),
      change('u', { id: 1, note: 'v2', paid: false, big: 'b' }),
      change('c', { id: 2, note: 'other', paid: true, big: 'b' }),
      change('u', { id: 1, note: 'v3', paid: true, big: 'b' }),
    ],
    metaOf,
  );
  assert.equal(s.length, 1);
  assert.deepEqual(s[0].params, [
    ['1', '2'],
    ['v3', 'other'],
    ['t', 't'],
    ['b', 'b'],
  ]);
});

test('insert then delete of a key in one batch leaves only the delete', () => {
  const s = buildStatements([change('c', { id: 1, note: 'a', paid: true, big: 'b' }), change('d', { id: 1 })], metaOf);
  assert.deepEqual(s, [{ sql: DELETE, params: [['1']] }]);
});

test('delete then re-insert of a key leaves only the upsert (no delete of the new row)', () => {
  const s = buildStatements([change('d', { id: 7 }), change('c', { id: 7, note: 'reborn', paid: false, big: 'b' })], metaOf);
  assert.equal(s.length, 1);
  assert.equal(s[0].sql, UPSERT_ALL);
  assert.deepEqual(s[0].params, [['7'], ['reborn'], ['f'], ['b']]);
});

test('a primary-key update (Debezium: delete of the old key + create of the new) deletes old, upserts new, deletes first', () => {
  const s = buildStatements(
    [
      change('c', { id: 5, note: 'n', paid: false, big: 'b' }),
      change('d', { id: 5, note: null, paid: null, big: null }), // old key's before under FULL identity
      change('c', { id: 1005, note: 'n', paid: false, big: 'b' }),
    ],
    metaOf,
  );
  assert.equal(s.length, 2);
  assert.deepEqual(s[0], { sql: DELETE, params: [['5']] }); // only key columns are bound
  assert.equal(s[1].sql, UPSERT_ALL);
  assert.deepEqual(s[1].params[0], ['1005']);
});

test('deletes of several keys are one statement; composite keys match on every key column', () => {
  const s = buildStatements([change('d', { order_id: 1, n: 1, qty: 3 }, 'lines'), change('d', { order_id: 1, n: 2 }, 'lines')], metaOf);
  assert.deepEqual(s, [
    {
      sql: 'delete from "public"."lines" t using unnest($1::text[], $2::text[]) as u(c0, c1) where t."order_id" = u.c0::bigint and t."n" = u.c1::integer',
      params: [
        ['1', '1'],
        ['1', '2'],
      ],
    },
  ]);
});

test('composite keys collapse per whole key, not per column', () => {
  const s = buildStatements(
    [
      change('c', { order_id: 1, n: 1, qty: 1 }, 'lines'),
      change('c', { order_id: 1, n: 2, qty: 2 }, 'lines'),
      change('u', { order_id: 1, n: 1, qty: 10 }, 'lines'),
    ],
    metaOf,
  );
  assert.equal(s.length, 1);
  assert.match(s[0].sql, / on conflict \("order_id", "n"\) do update set "qty" = excluded\."qty"$/);
  assert.deepEqual(s[0].params, [
    ['1', '1'],
    ['1', '2'],
    ['10', '2'],
  ]);
});

test('TRUNCATE runs first and drops what came before it in the batch, but not what came after', () => {
  const s = buildStatements(
    [
      change('c', { id: 1, note: 'gone', paid: true, big: 'b' }),
      change('d', { id: 2 }),
      change('t', null),
      change('c', { id: 3, note: 'kept', paid: true, big: 'b' }),
    ],
    metaOf,
  );
  assert.equal(s.length, 2);
  assert.deepEqual(s[0], { sql: 'truncate table "public"."orders"', params: [] });
  assert.equal(s[1].sql, UPSERT_ALL);
  assert.deepEqual(s[1].params[0], ['3']);
});

test('a TRUNCATE only affects its own table', () => {
  const s = buildStatements([change('c', { order_id: 1, n: 1, qty: 1 }, 'lines'), change('t', null, 'orders')], metaOf);
  assert.equal(s.length, 2);
  assert.match(s[0].sql, /^insert into "public"\."lines" /);
  assert.equal(s[1].sql, 'truncate table "public"."orders"');
});

test('an unchanged-TOAST placeholder column is left out of the statement, so the replica keeps its value', () => {
  const s = buildStatements([change('u', { id: 4, note: 'n', paid: true, big: PLACEHOLDER })], metaOf);
  assert.equal(s.length, 1);
  assert.equal(
    s[0].sql,
    'insert into "public"."orders" ("id", "note", "paid") select u.c0::bigint, u.c1::text, u.c2::boolean from unnest($1::text[], $2::text[], $3::text[]) as u(c0, c1, c2) on conflict ("id") do update set "note" = excluded."note", "paid" = excluded."paid"',
  );
  assert.deepEqual(s[0].params, [['4'], ['n'], ['t']]);
  assert.ok(!JSON.stringify(s).includes(PLACEHOLDER));
});

test('rows with and without placeholders go to separate statements, each row in the right one', () => {
  const s = buildStatements(
    [
      change('u', { id: 1, note: 'a', paid: true, big: PLACEHOLDER }),
      change('c', { id: 2, note: 'b', paid: true, big: 'full' }),
      change('u', { id: 3, note: 'c', paid: false, big: PLACEHOLDER }),
    ],
    metaOf,
  );
  assert.equal(s.length, 2);
  const withBig = s.find((x) => x.sql.includes('"big"'))!;
  const withoutBig = s.find((x) => !x.sql.includes('"big"'))!;
  assert.deepEqual(withBig.params, [['2'], ['b'], ['t'], ['full']]);
  assert.deepEqual(withoutBig.params, [
    ['1', '3'],
    ['a', 'c'],
    ['t', 'f'],
  ]);
});

test('a placeholder takes the real value an earlier change of the same key in the batch carried', () => {
  const s = buildStatements(
    [
      change('u', { id: 4, note: 'n', paid: false, big: 'toast toast toast' }),
      change('u', { id: 4, note: 'n', paid: true, big: PLACEHOLDER }),
    ],
    metaOf,
  );
  assert.equal(s.length, 1);
  assert.equal(s[0].sql, UPSERT_ALL);
  assert.deepEqual(s[0].params, [['4'], ['n'], ['t'], ['toast toast toast']]);
});

test('a placeholder is not filled across a delete, nor from another placeholder', () => {
  const afterDelete = buildStatements(
    [
      change('c', { id: 4, note: 'n', paid: false, big: 'old' }),
      change('d', { id: 4 }),
      change('u', { id: 4, note: 'n', paid: true, big: PLACEHOLDER }),
    ],
    metaOf,
  );
  assert.equal(afterDelete.length, 1);
  assert.doesNotMatch(afterDelete[0].sql, /"big"/);
  const twice = buildStatements(
    [change('u', { id: 4, note: 'a', paid: false, big: PLACEHOLDER }), change('u', { id: 4, note: 'b', paid: true, big: PLACEHOLDER })],
    metaOf,
  );
  assert.equal(twice.length, 1);
  assert.doesNotMatch(twice[0].sql, /"big"/);
  assert.deepEqual(twice[0].params, [['4'], ['b'], ['t']]);
});

test('a column the replica table does not know is ignored', () => {
  const s = buildStatements([change('c', { id: 1, note: 'a', paid: true, big: 'b', dropped_col: 'zzz' })], metaOf);
  assert.equal(s[0].sql, UPSERT_ALL);
  assert.ok(!JSON.stringify(s[0].params).includes('zzz'));
});

test('a row of key columns only inserts and does nothing on conflict (there is nothing to update)', () => {
  const keyOnly = meta(
    'tags',
    [
      ['a', 'text'],
      ['b', 'integer'],
    ],
    ['a', 'b'],
  );
  const s = buildStatements([{ key: 'k', event: { ...ev('c', { a: 'x', b: 1 }), table: 'tags' } }], () => keyOnly);
  assert.equal(
    s[0].sql,
    'insert into "public"."tags" ("a", "b") select u.c0::text, u.c1::integer from unnest($1::text[], $2::text[]) as u(c0, c1) on conflict ("a", "b") do nothing',
  );
});

test('identifiers are quoted and their double quotes doubled', () => {
  const odd = meta(
    'odd "name"',
    [
      ['Region; Code', 'text'],
      ['Value "q"', 'text'],
    ],
    ['Region; Code'],
  );
  const s = buildStatements([{ key: 'k', event: { ...ev('c', { 'Region; Code': 'r1', 'Value "q"': 'v' }), table: 'odd' } }], () => odd);
  assert.equal(
    s[0].sql,
    'insert into "public"."odd ""name""" ("Region; Code", "Value ""q""") select u.c0::text, u.c1::text from unnest($1::text[], $2::text[]) as u(c0, c1) on conflict ("Region; Code") do update set "Value ""q""" = excluded."Value ""q"""',
  );
});

test('values are converted to PostgreSQL text by column (bytea base64 → hex, arrays → literals)', () => {
  const m = meta(
    'blobs',
    [
      ['id', 'integer'],
      ['b', 'bytea', 'bytea'],
      ['ia', 'integer[]'],
    ],
    ['id'],
  );
  const s = buildStatements([{ key: 'k', event: { ...ev('c', { id: 1, b: 'AP8Q', ia: [1, null] }), table: 'blobs' } }], () => m);
  assert.deepEqual(s[0].params, [['1'], ['\\x00ff10'], ['{"1",NULL}']]);
});

test('an empty batch (or only internal events filtered out upstream) produces no statements', () => {
  assert.deepEqual(buildStatements([], metaOf), []);
});
