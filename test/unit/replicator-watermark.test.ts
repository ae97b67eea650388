import assert from 'node:assert/strict';
import { test } from 'node:test';
import { satisfiedCandidate, type Candidate } from '../../src/replicator/watermark.ts';

const cand = (lsn: bigint, ends: Record<string, bigint>): Candidate => ({ lsn, ends: new Map(Object.entries(ends)) });
const appliedFrom = (m: Record<string, bigint>) => (tp: string) => m[tp] ?? null;

test('no candidates: nothing to claim', () => {
  assert.equal(satisfiedCandidate([], appliedFrom({ a: 100n })), undefined);
});

test('the newest candidate wins when every one is satisfied', () => {
  const cs = [cand(10n, { a: 1n }), cand(20n, { a: 2n }), cand(30n, { a: 3n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 2n }))?.lsn, 30n);
});

test('a partition is applied through when its applied offset reaches end - 1 (the last message), not end', () => {
  const cs = [cand(10n, { a: 5n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 4n }))?.lsn, 10n);
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 3n })), undefined);
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 9n }))?.lsn, 10n);
});

test('falls back to an older candidate when the newer ones are not yet applied', () => {
  const cs = [cand(10n, { a: 3n, b: 1n }), cand(20n, { a: 5n, b: 1n }), cand(30n, { a: 8n, b: 2n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 4n, b: 0n }))?.lsn, 20n);
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 2n, b: 0n }))?.lsn, 10n);
});

test('every partition must be applied: one lagging partition blocks the candidate', () => {
  const cs = [cand(10n, { a: 3n, b: 7n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 2n, b: 5n })), undefined);
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 1n, b: 6n })), undefined);
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 2n, b: 6n }))?.lsn, 10n);
});

test('a partition with messages but nothing applied (null) blocks the candidate', () => {
  assert.equal(satisfiedCandidate([cand(10n, { a: 1n })], appliedFrom({})), undefined);
});

test('an empty partition (end 0) needs nothing applied', () => {
  assert.equal(satisfiedCandidate([cand(10n, { a: 0n, b: 2n })], appliedFrom({ b: 1n }))?.lsn, 10n);
  assert.equal(satisfiedCandidate([cand(10n, {})], appliedFrom({}))?.lsn, 10n);
});

test('a partition that appeared after a candidate was sampled does not affect that candidate', () => {
  const cs = [cand(10n, { a: 2n }), cand(20n, { a: 2n, b: 4n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 1n }))?.lsn, 10n);
});

test('returns the candidate object itself (the caller records its lsn)', () => {
  const cs = [cand(10n, { a: 1n })];
  assert.equal(satisfiedCandidate(cs, appliedFrom({ a: 0n })), cs[0]);
});
