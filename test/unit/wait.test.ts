import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CqrsError, ExitCode } from '../../src/errors.ts';
import { waitUntil, type Clock } from '../../src/lib/wait.ts';

/** Time that passes only when the wait sleeps, so the test neither sleeps nor depends on the machine's speed. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 1 });

describe('waitUntil', () => {
  it('polls at the interval until the probe answers, retrying retriable failures', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await waitUntil(
      'db',
      async () => {
        calls++;
        if (calls < 3) throw refused();
        return calls === 3 ? undefined : 'up';
      },
      { timeoutMs: 10_000, intervalMs: 100, clock },
    );
    assert.equal(value, 'up');
    assert.equal(calls, 4);
    assert.deepEqual(clock.slept, [100, 100, 100]);
  });

  it('gives up after the timeout (exit 1), naming the last failure and the explanation', async () => {
    const clock = fakeClock();
    await assert.rejects(
      waitUntil('broker', async () => Promise.reject(refused()), { timeoutMs: 1000, intervalMs: 300, clock, explain: () => 'log tail' }),
      (e: CqrsError) => {
        assert.equal(e.exitCode, ExitCode.failed);
        assert.match(e.message, /^broker was not ready after 1s \(last: connect ECONNREFUSED 127\.0\.0\.1:1\)\nlog tail$/);
        return true;
      },
    );
    assert.equal(clock.slept.length, 4);
  });

  it('ends at once on an error waiting cannot fix: a final CqrsError, a PostgreSQL refusal, a bug', async () => {
    for (const [thrown, check] of [
      [new CqrsError('connector FAILED', 'fix it', ExitCode.failed), (e: CqrsError) => e.message === 'connector FAILED'],
      [
        Object.assign(new Error('permission denied'), { name: 'PostgresError', code: '42501' }),
        (e: CqrsError) => e instanceof CqrsError && /42501/.test(e.message),
      ],
      [new TypeError('x is not a function'), (e: Error) => e instanceof TypeError],
    ] as const) {
      const clock = fakeClock();
      await assert.rejects(
        waitUntil('x', () => Promise.reject(thrown), { timeoutMs: 10_000, clock }),
        (e: any) => check(e),
      );
      assert.deepEqual(clock.slept, [], String(thrown));
    }
  });

  it('retries a CqrsError marked retriable', async () => {
    const clock = fakeClock();
    let calls = 0;
    const r = await waitUntil(
      'connect',
      async () => {
        if (++calls === 1) throw new CqrsError("couldn't reach Kafka Connect", undefined, ExitCode.usage, { retriable: true });
        return true;
      },
      { timeoutMs: 5000, clock },
    );
    assert.equal(r, true);
    assert.equal(calls, 2);
  });
});
