import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TableInfo } from '../../src/verify/catalog.ts';
import { comparedColumns, diffSchema, schemaDiffers } from '../../src/verify/schema-diff.ts';
import { hashedValue } from '../../src/verify/row-sql.ts';

const table = (columns: [string, string][], primaryKey: string[]): TableInfo => ({
  schema: 'public',
  name: 't',
  id: 'public.t',
  primaryKey,
  estimatedRows: 0,
  columns: columns.map(([name, type]) => ({ name, type, notNull: false })),
});

describe('table definitions', () => {
  it('reports missing and extra columns, type and key differences', () => {
    const d = diffSchema(
      table(
        [
          ['id', 'integer'],
          ['a', 'text'],
          ['b', 'numeric'],
        ],
        ['id'],
      ),
      table(
        [
          ['b', 'numeric(10,2)'],
          ['id', 'integer'],
          ['z', 'text'],
        ],
        [],
      ),
    );
    assert.deepEqual(d, {
      missingColumns: ['a'],
      extraColumns: ['z'],
      typeMismatches: [{ column: 'b', leader: 'numeric', replica: 'numeric(10,2)' }],
      primaryKey: { leader: ['id'], replica: [] },
    });
    assert.equal(schemaDiffers(d), true);
  });

  it('ignores column order and compares common columns sorted by name', () => {
    const l = table(
      [
        ['id', 'integer'],
        ['b', 'text'],
        ['a', 'text'],
      ],
      ['id'],
    );
    const r = table(
      [
        ['a', 'text'],
        ['id', 'integer'],
        ['b', 'text'],
      ],
      ['id'],
    );
    assert.equal(schemaDiffers(diffSchema(l, r)), false);
    assert.deepEqual(comparedColumns(l, r), ['a', 'b', 'id']);
  });

  it('hashes values natively only where that cannot hide a textual difference', () => {
    assert.equal(hashedValue('n', 'integer', 'integer'), '"n"');
    assert.equal(hashedValue('s', 'character varying(20)', 'character varying(20)'), '("s" collate "C")');
    assert.equal(hashedValue('t', 'timestamp(3) with time zone', 'timestamp(3) with time zone'), '"t"');
    assert.equal(hashedValue('n', 'numeric(38,10)', 'numeric(38,10)'), '"n", scale("n")');
    for (const type of ['double precision', 'jsonb', 'json', 'integer[]']) assert.equal(hashedValue('x', type, type), '"x"::text');
    assert.equal(hashedValue('x', 'integer', 'bigint'), '"x"::text');
  });
});
