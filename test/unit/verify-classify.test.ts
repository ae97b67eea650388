import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedColumns, compareKeyedRows, compareMultisets } from '../../src/verify/classify.ts';

describe('classifying fetched rows', () => {
  it('splits keyed rows into missing, extra and differing by key and row hash', () => {
    const leader = [
      ['1', 'h1'],
      ['2', 'h2'],
      ['3', 'h3'],
    ];
    const replica = [
      ['2', 'h2'],
      ['3', 'other'],
      ['4', 'h4'],
    ];
    assert.deepEqual(compareKeyedRows(leader, replica), { missing: [['1']], extra: [['4']], differing: [['3']] });
  });

  it('keys composite keys by every key column', () => {
    const d = compareKeyedRows(
      [
        ['a', '1', 'h'],
        ['a', '2', 'h'],
      ],
      [
        ['a', '1', 'h'],
        ['a', '2', 'x'],
      ],
    );
    assert.deepEqual(d.differing, [['a', '2']]);
  });

  it('names the columns whose text differs, NULL included', () => {
    assert.deepEqual(changedColumns(['a', 'b', 'c'], 1, ['k', '1', null, 'x'], ['k', '1', '', 'y']), ['b', 'c']);
  });

  it('compares keyless rows as multisets', () => {
    const leader = [
      ['1', 'h'],
      ['1', 'h'],
      ['2', 'h'],
    ];
    const replica = [
      ['1', 'h'],
      ['3', 'h'],
      ['3', 'h'],
    ];
    assert.deepEqual(compareMultisets(leader, replica), { missing: [['1'], ['2']], extra: [['3'], ['3']] });
  });
});
