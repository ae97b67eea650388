import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCqrsError } from '../../src/errors.ts';
import { parseSimulateFlags } from '../../src/simulate/options.ts';
import { percentile } from '../../src/simulate/stats.ts';

test('defaults: 1000 commands through the API at 200/s, 8 at a time', () => {
  const o = parseSimulateFlags({ seed: '5' });
  assert.deepEqual(o, { count: 1000, durationMs: undefined, rate: 200, concurrency: 8, via: 'api', seed: 5, checkReads: false });
});

test('durations take units, a bare number is seconds', () => {
  assert.equal(parseSimulateFlags({ duration: '90' }).durationMs, 90_000);
  assert.equal(parseSimulateFlags({ duration: '1.5m' }).durationMs, 90_000);
  assert.equal(parseSimulateFlags({ duration: '250ms' }).durationMs, 250);
  assert.equal(parseSimulateFlags({ duration: '2h' }).durationMs, 7_200_000);
});

test('bad flags are usage errors (exit 2) naming the flag', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ count: '10', duration: '5s' }, /--count or --duration, not both/],
    [{ via: 'kafka' }, /--via: "kafka" is not api or sql/],
    [{ count: '0' }, /--count: "0" is not a whole number of at least 1/],
    [{ rate: 'fast' }, /--rate: "fast"/],
    [{ duration: '5 minutes' }, /--duration: "5 minutes" is not a duration/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => parseSimulateFlags(flags),
      (e) => isCqrsError(e) && e.exitCode === 2 && message.test(e.message),
    );
  }
});

test('percentiles are nearest-rank', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});
