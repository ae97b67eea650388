import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthOf } from '../../src/runtime/docker/health.ts';

type Info = Parameters<typeof healthOf>[2];
const inspected = (state: Partial<Info['State']>, restarts = 0): Info =>
  ({ State: { Status: 'running', Running: true, ExitCode: 0, Error: '', ...state }, RestartCount: restarts }) as Info;
const healthcheck = (Status: string, Output = '') => ({ Status, FailingStreak: 0, Log: [{ Start: '', End: '', ExitCode: 1, Output }] });

describe("a container's health, as `up` waits for it", () => {
  it('is ready when running and healthy, or running with no healthcheck', () => {
    assert.deepEqual(healthOf('c', 'leader', inspected({ Health: healthcheck('healthy') })), { ready: true });
    assert.deepEqual(healthOf('c', 'leader', inspected({})), { ready: true });
  });

  it('waits while starting, with the healthcheck’s first line of output', () => {
    assert.deepEqual(healthOf('c', 'leader', inspected({ Health: healthcheck('starting', 'no answer\nmore') })), {
      waiting: 'running, starting; healthcheck said: no answer',
    });
    assert.deepEqual(healthOf('c', 'leader', inspected({ Status: 'created', Running: false })), { waiting: 'created' });
  });

  it('fails at once when the container exited, restarts after a crash or turns unhealthy', () => {
    assert.deepEqual(healthOf('p-leader-1', 'leader', inspected({ Status: 'exited', Running: false, ExitCode: 3, Error: 'oom' })), {
      failed: 'leader (container p-leader-1) exited with code 3: oom',
    });
    assert.ok('failed' in healthOf('c', 'leader', inspected({ Status: 'restarting', Running: false }, 1)));
    assert.deepEqual(healthOf('c', 'broker', inspected({ Health: healthcheck('unhealthy', 'refused') })), {
      failed: 'broker (container c) is unhealthy; healthcheck said: refused',
    });
  });
});
