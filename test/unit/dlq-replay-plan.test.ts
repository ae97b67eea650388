import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredLetter } from '../../src/dlq/letters.ts';
import { planReplay } from '../../src/dlq/replay-plan.ts';
import type { SchemaState } from '../../src/replicator/steps.ts';
import { EMPTY_SNAPSHOT } from '../../src/replicator/schema/diff.ts';

const column = (name: string, type = 'integer') => ({ name, type, kind: 'text', array: false, generated: null, identity: null });
const state = {
  changeId: 1,
  snapshot: {
    ...EMPTY_SNAPSHOT,
    tables: [
      { oid: 1, schema: 'public', name: 'items', columns: [column('id'), column('v', 'text')], primaryKey: ['id'] },
      { oid: 2, schema: 'public', name: 'bag', columns: [column('v', 'text')], primaryKey: [] },
    ],
  },
} as unknown as SchemaState;

let offset = 10;
const letter = (value: unknown, table = 'public.items'): StoredLetter => ({
  replica: 'replica-1',
  reason: 'cannot apply',
  topic: 'leader.changes',
  partition: 0,
  offset: String(offset++),
  lsn: null,
  table,
  key: null,
  deadAt: '',
  replayedAt: null,
  replayOutcome: null,
  value: value === null ? null : typeof value === 'string' ? value : JSON.stringify(value),
});
const event = (op: string, after: object | null, before: object | null = null, table = 'items') => ({
  op,
  before,
  after,
  source: { schema: 'public', table, lsn: 100, ts_ms: 1 },
});

describe('dlq replay plan', () => {
  it("groups a row's letters in their order and plans them with the replicator's exact statements", () => {
    const letters = [
      letter(event('c', { id: 1, v: 'a' })),
      letter(event('c', { id: 2, v: 'b' })),
      letter(event('u', { id: 1, v: 'c' }, { id: 1, v: 'a' })),
      letter(event('d', null, { id: 2, v: 'b' })),
    ];
    const { groups, unreplayable } = planReplay(letters, state);
    assert.deepEqual(unreplayable, []);
    assert.deepEqual(
      groups.map((g) => [g.table, g.key, g.letters.map((l) => l.offset)]),
      [
        ['public.items', ['1'], [letters[0].offset, letters[2].offset]],
        ['public.items', ['2'], [letters[1].offset, letters[3].offset]],
      ],
    );
    assert.equal(groups[0].statements.length, 2);
    assert.match(groups[0].statements[1].sql, /^insert into "public"."items".*on conflict \("id"\) do update/);
    assert.match(groups[1].statements[1].sql, /^delete from "public"."items"/);
  });

  it('says why a letter cannot be replayed', () => {
    const cases: [StoredLetter, RegExp][] = [
      [letter(null), /holds no event/],
      [letter('{not json'), /cannot be decoded/],
      [letter(event('t', null)), /TRUNCATE/],
      [letter(event('c', { v: 'x' }, null, 'bag')), /no primary key.*verify-replicas --repair --table public\.bag/],
      [letter(event('c', { id: 1 }, null, 'gone')), /public\.gone is not in the replica's replicated schema/],
      [letter({ ...event('c', { id: 1 }), source: { schema: 'cqrsctl', table: 'schema_changes' } }), /schema change/],
    ];
    const { groups, unreplayable } = planReplay(
      cases.map(([l]) => l),
      state,
    );
    assert.equal(groups.length, 0);
    for (const [i, [, why]] of cases.entries()) assert.match(unreplayable[i].why, why);
  });
});
