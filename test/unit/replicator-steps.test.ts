import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, ChangeEvent } from '../../src/replicator/decode.ts';
import { Assembler } from '../../src/replicator/order.ts';
import type { Snapshot, TableDef } from '../../src/replicator/schema/snapshot.ts';
import { EMPTY_SNAPSHOT } from '../../src/replicator/schema/diff.ts';
import { planGroup } from '../../src/replicator/steps.ts';
import { column } from '../helpers/schema-fixtures.ts';

const table = (oid: number, name: string, columns = [column(1, 'id')]): TableDef => ({
  oid,
  schema: 'public',
  name,
  kind: 'table',
  partitionKey: null,
  partitionOf: null,
  columns,
  primaryKey: ['id'],
  constraints: [],
  indexes: [],
});
const snapshot = (...tables: TableDef[]): Snapshot => ({ schemas: [{ oid: 2200, name: 'public' }], types: [], sequences: [], tables });

let offset = 0n;
const record = (event: Partial<ChangeEvent>, tx: string | null = '1'): Change => ({
  topic: 'leader.changes',
  partition: 0,
  offset: offset++,
  key: null,
  rawValue: '{}',
  event: {
    op: 'c',
    schema: 'public',
    table: 't',
    before: null,
    after: { id: 1 },
    lsn: 1n,
    tsMs: 1,
    txId: tx,
    snapshotLast: false,
    txOrder: null,
    prevCommit: null,
    ...event,
  },
});
const schemaChange = (id: number, s: Snapshot, rewritten: number[] = [], tx: string | null = '1') =>
  record(
    {
      schema: 'cqrsctl',
      table: 'schema_changes',
      op: tx ? 'c' : 'r',
      after: { id, tag: 'ALTER TABLE', snapshot: JSON.stringify(s), rewritten },
    },
    tx,
  );
const unitsOf = (records: Change[]) =>
  new Assembler().push([
    ...records,
    { ...record({}, '999'), event: undefined, boundary: { status: 'BEGIN', txId: 'next', eventCount: null } },
  ]);

test('rows are read with the schema of their place in the stream: a column added mid-transaction is written only after it exists', () => {
  offset = 0n;
  const before = snapshot(table(10, 't'));
  const after = snapshot(table(10, 't', [column(1, 'id'), column(2, 'v', 'text')]));
  const units = unitsOf([record({ after: { id: 1 } }), schemaChange(5, after), record({ after: { id: 2, v: 'x' } })]);
  const plan = planGroup(units, { changeId: 4, snapshot: before }, false);
  assert.deepEqual(
    plan.steps.map((s) => s.kind),
    ['rows', 'schema', 'rows'],
  );
  const [first, ddl, second] = plan.steps;
  assert.ok(first.kind === 'rows' && !first.statements[0].sql.includes('"v"'));
  assert.ok(
    ddl.kind === 'schema' && ddl.statements.some((x) => /add column "v" text/i.test(x)),
    ddl.kind === 'schema' ? ddl.statements.join('; ') : '',
  );
  assert.ok(second.kind === 'rows' && second.statements[0].sql.includes('"v"'));
  assert.deepEqual(plan.state, { changeId: 5, snapshot: after });
  assert.deepEqual(plan.rejected, []);
});

test('a schema change the replica already holds is skipped (replay after a crash)', () => {
  offset = 0n;
  const s = snapshot(table(10, 't'));
  const plan = planGroup(unitsOf([schemaChange(5, s)]), { changeId: 5, snapshot: s }, false);
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.state.changeId, 5);
});

test('in the snapshot the newest recorded schema goes first, whatever order the connector read tables in', () => {
  offset = 0n;
  const old = snapshot(table(10, 't'));
  const newest = snapshot(table(10, 't'), table(11, 'u'));
  const units = new Assembler().push([
    record({ table: 'u', op: 'r' }, null),
    schemaChange(1, old, [], null),
    schemaChange(2, newest, [], null),
    { ...record({ table: 'u', op: 'r' }, null), event: { ...record({ table: 'u', op: 'r' }, null).event!, snapshotLast: true } },
  ]);
  const plan = planGroup(units, { changeId: 0, snapshot: EMPTY_SNAPSHOT }, false);
  assert.deepEqual(
    plan.steps.map((s) => s.kind),
    ['schema', 'rows'],
  );
  assert.equal(plan.state.changeId, 2);
  assert.deepEqual(plan.rejected, []);
});

test('a rewritten table is truncated before the DDL and reloaded from the shipped rows', () => {
  offset = 0n;
  const before = snapshot(table(10, 't'));
  const after = snapshot(table(10, 't', [column(1, 'id'), column(2, 'u', 'uuid')]));
  const chunk = record({
    schema: 'cqrsctl',
    table: 'rewrite_rows',
    after: { change_id: 6, relid: 10, chunk: 0, rows: '[{"id": 1, "u": "a"}]' },
  });
  const plan = planGroup(unitsOf([schemaChange(6, after, [10]), chunk]), { changeId: 5, snapshot: before }, false);
  const [ddl, reload] = plan.steps;
  assert.ok(ddl.kind === 'schema');
  assert.deepEqual(ddl.truncate, ['truncate table "public"."t"']);
  assert.ok(reload.kind === 'reload' && /jsonb_populate_recordset\(null::"public"\."t", \$1::text::jsonb\)/.test(reload.statement.sql));
  assert.deepEqual(reload.kind === 'reload' && reload.statement.params, ['[{"id": 1, "u": "a"}]']);
});

test('a row of a table outside the replicated schema is rejected with the reason, the rest applies', () => {
  offset = 0n;
  const plan = planGroup(unitsOf([record({ table: 'elsewhere' }), record({})]), { changeId: 1, snapshot: snapshot(table(10, 't')) }, false);
  assert.equal(plan.rejected.length, 1);
  assert.match(plan.rejected[0].reason, /elsewhere is not in the replicated schema/);
  assert.equal(plan.steps.length, 1);
});

test('exact plans carry the change each statement applies, so a failure names it', () => {
  offset = 0n;
  const units = unitsOf([record({ after: { id: 1 } }), record({ after: { id: 2 } })]);
  const plan = planGroup(units, { changeId: 1, snapshot: snapshot(table(10, 't')) }, true);
  const rows = plan.steps[0];
  assert.ok(rows.kind === 'rows');
  assert.deepEqual(
    rows.statements.map((s) => s.source?.offset),
    [0n, 1n],
  );
});

test('a row that lacks a column its table has is applied with what it carries, and named', () => {
  offset = 0n;
  const s = snapshot(table(10, 't', [column(1, 'id'), column(2, 'v', 'text')]));
  const plan = planGroup(
    unitsOf([record({ after: { id: 1 } }), record({ after: { id: 2, v: 'x' } })]),
    { changeId: 1, snapshot: s },
    false,
  );
  assert.equal(plan.steps.length, 1);
  assert.deepEqual(
    plan.rejected.map((r) => [r.change.offset, r.reason]),
    [[0n, 'the event has no value for v of public.t (a type the connector cannot send); the replica keeps its previous value there']],
  );
});
