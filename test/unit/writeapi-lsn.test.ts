import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCents, toCents } from '../../src/writeapi/commands.ts';
import { formatLsn, parseLsn } from '../../src/pg/lsn.ts';

test('LSN text and decimal tokens parse to the same position and format back', () => {
  assert.equal(parseLsn('0/16B3748'), 0x16b3748n);
  assert.equal(parseLsn('1/0'), 1n << 32n);
  assert.equal(parseLsn(String((1n << 32n) + 5n)), (1n << 32n) + 5n);
  assert.equal(formatLsn(parseLsn('AB/CDEF0123')!), 'AB/CDEF0123');
  assert.equal(formatLsn(0n), '0/0');
});

test('malformed tokens are refused', () => {
  for (const bad of ['', 'x/1', '0/', '/1', '123456789/0', '1.5', '-1', '99999999999999999999999'])
    assert.equal(parseLsn(bad), undefined, bad);
});

test('money adds up exactly in cents', () => {
  assert.equal(toCents('12.5'), 1250n);
  assert.equal(toCents('0.07'), 7n);
  assert.equal(toCents('3'), 300n);
  assert.equal(formatCents(toCents('0.1') + toCents('0.2')), '0.30');
  assert.equal(formatCents(123456789012n), '1234567890.12');
});
