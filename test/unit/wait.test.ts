import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CqrsError, ExitCode } from '../../src/errors.ts';
import { every, poll, waitUntil } from '../../src/lib/wait.ts';
import { fakeClock } from '../helpers/clock.ts';

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
    assert.deepEqual(clock.slept, [300, 300, 300, 100]);
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

describe('poll', () => {
  it('makes its last call at the deadline and then answers undefined', async () => {
    const clock = fakeClock();
    const calls: number[] = [];
    const r = await poll(async () => void calls.push(clock.now()), { timeoutMs: 700, intervalMs: 250, clock });
    assert.equal(r, undefined);
    assert.deepEqual(calls, [0, 250, 500, 700]);
  });

  it('lets errors through as they are: the caller decides what to retry', async () => {
    const clock = fakeClock();
    await assert.rejects(
      poll(() => Promise.reject(refused()), { timeoutMs: 1000, clock }),
      (e: Error) => /ECONNREFUSED/.test(e.message) && !(e instanceof CqrsError),
    );
    assert.deepEqual(clock.slept, []);
  });

  it('stops when its signal aborts between two calls', async () => {
    const stop = new AbortController();
    const clock = fakeClock((now) => now >= 500 && stop.abort());
    let calls = 0;
    await assert.rejects(
      poll(async () => void calls++, { timeoutMs: 10_000, intervalMs: 250, clock, signal: stop.signal }),
      { name: 'AbortError' },
    );
    assert.equal(calls, 3);
  });
});

describe('every', () => {
  it('runs at once, then after each pause, until aborted; an abort in a pause ends it quietly', async () => {
    const stop = new AbortController();
    const clock = fakeClock();
    const runs: number[] = [];
    await every(
      2000,
      () => {
        runs.push(clock.now());
        if (runs.length === 3) stop.abort();
      },
      { signal: stop.signal, clock },
    );
    assert.deepEqual(runs, [0, 2000, 4000]);
    assert.deepEqual(clock.slept, [2000, 2000]);
  });

  it('ends without a run when aborted during a pause', async () => {
    const stop = new AbortController();
    const clock = fakeClock(() => stop.abort());
    let runs = 0;
    await every(1000, () => void runs++, { signal: stop.signal, clock });
    assert.equal(runs, 1);
  });

  it('lets a failing run end the loop with its error', async () => {
    const clock = fakeClock();
    await assert.rejects(
      every(1000, () => Promise.reject(new Error('look failed')), { signal: new AbortController().signal, clock }),
      /look failed/,
    );
  });
});
