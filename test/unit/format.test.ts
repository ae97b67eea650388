import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatMs } from '../../src/lib/format.ts';

test('byte counts in powers of 1024, one decimal past bytes', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 kB'],
    [5 * 2 ** 20, '5.0 MB'],
    [3 * 2 ** 30, '3.0 GB'],
  ];
  for (const [n, text] of cases) assert.equal(formatBytes(n), text, String(n));
});

test('milliseconds below 10 s, seconds below 2 min, then minutes', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [9_999, '9999 ms'],
    [10_000, '10 s'],
    [119_400, '119 s'],
    [120_000, '2 min'],
    [600_000, '10 min'],
  ];
  for (const [ms, text] of cases) assert.equal(formatMs(ms), text, String(ms));
});
