import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepBytes, slotWarning } from '../../src/pg/slot.ts';

const MiB = 1024 ** 2;

test('max_slot_wal_keep_size as current_setting shows it, in bytes; -1 is unlimited', () => {
  assert.equal(keepBytes('-1'), null);
  assert.equal(keepBytes('1024MB'), 1024 * MiB);
  assert.equal(keepBytes('10GB'), 10 * 1024 * MiB);
  assert.equal(keepBytes('512kB'), 512 * 1024);
  assert.equal(keepBytes('64'), 64 * MiB);
});

test('no warning below half of the limit, nor without a limit', () => {
  assert.equal(slotWarning({ walStatus: 'reserved', walRetainedBytes: 100 * MiB, maxKeepBytes: 1024 * MiB }), null);
  assert.equal(slotWarning({ walStatus: 'reserved', walRetainedBytes: 512 * MiB, maxKeepBytes: 1024 * MiB }), null);
  assert.equal(slotWarning({ walStatus: 'extended', walRetainedBytes: 50_000 * MiB, maxKeepBytes: null }), null);
});

test('a warning past half of the limit, naming both sizes', () => {
  const w = slotWarning({ walStatus: 'reserved', walRetainedBytes: 513 * MiB, maxKeepBytes: 1024 * MiB });
  assert.match(w ?? '', /513\.0 MiB is past half of max_slot_wal_keep_size \(1024\.0 MiB\)/);
});

test('wal_status unreserved or lost warns whatever the sizes', () => {
  assert.match(slotWarning({ walStatus: 'unreserved', walRetainedBytes: 0, maxKeepBytes: null }) ?? '', /about to lose WAL/);
  assert.match(slotWarning({ walStatus: 'lost', walRetainedBytes: 0, maxKeepBytes: 1024 }) ?? '', /snapshot again/);
});
