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
    const term = (h: ReturnType<typeof hashedValue>) => ('term' in h ? h.term : `row: ${h.inRow}`);
    assert.match(term(hashedValue('n', 'integer', 'integer', 0)), /^coalesce\(hashint8extended\("n", 0\), -?\d+\)$/);
    assert.match(term(hashedValue('s', 'character varying(20)', 'character varying(20)', 1)), /hashtextextended\("s" collate "C", 1\)/);
    assert.match(
      term(hashedValue('t', 'timestamp(3) with time zone', 'timestamp(3) with time zone', 2)),
      /timestamp_hash_extended\("t"::timestamp, 2\)/,
    );
    // numeric: the scale too (1.0 and 1.00 hash alike natively); floats: a zero as text (-0 and 0 hash alike natively).
    assert.match(
      term(hashedValue('n', 'numeric(38,10)', 'numeric(38,10)', 3)),
      /hash_numeric_extended\("n", 3\) # coalesce\(hashint8extended\(scale\("n"\), 3\)/,
    );
    assert.match(
      term(hashedValue('f', 'double precision', 'double precision', 4)),
      /case when "f" = 0 then hashtextextended\("f"::text, 4\) else hashfloat8extended/,
    );
    for (const type of ['jsonb', 'json', 'integer[]', 'text[]', 'character varying(3)[]'])
      assert.match(term(hashedValue('x', type, type, 5)), /hashtextextended\("x"::text, 5\)/);
    assert.match(term(hashedValue('x', 'integer', 'bigint', 6)), /hashtextextended\("x"::text, 6\)/);
    assert.equal(term(hashedValue('b', 'bytea', 'bytea', 7)), 'row: "b"');
    // Distinct null stand-ins per position: a NULL moving to another column changes the row hash.
    assert.notEqual(
      term(hashedValue('n', 'integer', 'integer', 0))
        .split(', ')
        .at(-1),
      term(hashedValue('n', 'integer', 'integer', 1))
        .split(', ')
        .at(-1),
    );
  });
});
