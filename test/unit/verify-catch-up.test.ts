import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLsn } from '../../src/pg/lsn.ts';
import { waitForCatchUp } from '../../src/verify/catch-up.ts';
import { differingSegments, firstLevelBits } from '../../src/verify/segments.ts';
import { fakeClock } from '../helpers/clock.ts';

describe('waiting for the replicas', () => {
  it('waits until every replica has applied the target position', async () => {
    let applied = 90n;
    const probes = [
      { name: 'replica-1', applied: async () => 100n },
      { name: 'replica-2', applied: async () => (applied += 5n) },
    ];
    const clock = fakeClock();
    const r = await waitForCatchUp(100n, probes, 5000, { intervalMs: 250, clock });
    assert.equal(r.caughtUp, true);
    assert.deepEqual(clock.slept, [250]);
    assert.deepEqual(
      r.lag.map((l) => l.behindBytes),
      [0, 0],
    );
  });

  it('gives up at the deadline and reports the lag', async () => {
    const clock = fakeClock();
    const r = await waitForCatchUp(0x1_0000_0100n, [{ name: 'replica-1', applied: async () => 0x1_0000_0000n }], 1000, {
      intervalMs: 400,
      clock,
    });
    assert.equal(r.caughtUp, false);
    assert.deepEqual(clock.slept, [400, 400, 200]);
    assert.deepEqual(r.lag, [{ replica: 'replica-1', appliedLsn: '1/0', behindBytes: 256 }]);
    assert.equal(formatLsn(0x16b_3e40n), '0/16B3E40');
  });
});

describe('segments', () => {
  it('sizes the first level at about a thousand rows per segment', () => {
    assert.deepEqual([0, 1000, 1_000_000, 1e12].map(firstLevelBits), [0, 0, 10, 20]);
  });

  it('finds segments whose count or sum differ, on either side', () => {
    const a = new Map([
      ['1', { rows: 3, sum: '10' }],
      ['2', { rows: 1, sum: '5' }],
      ['3', { rows: 1, sum: '7' }],
    ]);
    const b = new Map([
      ['1', { rows: 3, sum: '10' }],
      ['2', { rows: 1, sum: '6' }],
      ['4', { rows: 9, sum: '1' }],
    ]);
    assert.deepEqual(differingSegments(a, b), [
      { id: '2', rows: 1 },
      { id: '3', rows: 1 },
      { id: '4', rows: 9 },
    ]);
  });
});
