import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { renderTable } from '../../src/ui/table.ts';

test('columns of numbers (with units, or a placeholder for none) are right-aligned; text stays left', () => {
  const lines = renderTable(
    ['replica', 'applied', 'lag', 'note'],
    [
      ['replica-1', 41, '338 ms', 'x'],
      ['replica-2', 1041, '–', 'longer'],
      ['replica-3', 'down', '2 min', 'y'],
    ],
    new Chalk({ level: 0 }),
  ).split('\n');
  assert.equal(lines[1], '│ REPLICA   │ APPLIED │    LAG │ NOTE   │');
  assert.equal(lines[2], '│ replica-1 │      41 │ 338 ms │ x      │');
  assert.equal(lines[3], '│ replica-2 │    1041 │      – │ longer │');
  assert.equal(lines[4], '│ replica-3 │    down │  2 min │ y      │');
});
