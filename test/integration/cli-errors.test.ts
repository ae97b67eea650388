import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli } from '../helpers/cli.ts';

/** A scratch stack: its own state dir and ports nobody else uses, so these tests touch nothing real. */
const scratch = () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-err-'));
  return {
    home,
    env: {
      CQRSCTL_HOME: home,
      CQRSCTL_RUNTIME: 'native',
      CQRSCTL_LEADER_PORT: '45432',
      CQRSCTL_REPLICA_BASE_PORT: '45433',
      CQRSCTL_BROKER_PORT: '49092',
      CQRSCTL_CONTROLLER_PORT: '49093',
      CQRSCTL_CONNECT_PORT: '48083',
      CQRSCTL_WRITE_API_PORT: '48080',
    },
  };
};

const listen = (port: number) =>
  new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace for an expected failure');

test('a port already in use names the port and the setting that moves it, and starts nothing', async () => {
  const { home, env } = scratch();
  const blocker = await listen(45432);
  try {
    const r = await cli(['up'], { env });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /port 45432 on 127\.0\.0\.1 is already in use, so leader cannot start/);
    assert.match(r.stderr, /--leader-port, CQRSCTL_LEADER_PORT or "leaderPort"/);
    noStack(r.stderr);
    assert.equal(existsSync(join(home, 'leader', 'data')), false, 'no cluster left behind');
  } finally {
    blocker.close();
  }
});

test('an unknown service lists the valid ones', async () => {
  const r = await cli(['logs', 'nosuch'], { env: scratch().env });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /unknown service "nosuch"/);
  assert.match(r.stderr, /leader, replica-1, replica-2, replica-3, broker, connect, replicator, write-api/);
  noStack(r.stderr);
});

test('a bad setting is a usage error naming where it came from', async () => {
  const r = await cli(['status'], { env: { ...scratch().env, CQRSCTL_REPLICAS: 'many' } });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /CQRSCTL_REPLICAS: "many" is not a valid count/);
  noStack(r.stderr);
});

test('unknown flags and commands exit 2 with usage help', async () => {
  const flag = await cli(['up', '--frobnicate']);
  assert.equal(flag.exitCode, 2);
  assert.match(flag.stderr, /unknown option '--frobnicate'/);
  const command = await cli(['frobnicate']);
  assert.equal(command.exitCode, 2);
  assert.match(command.stderr, /unknown command 'frobnicate'/);
});

test('connector commands against an unreachable Connect say where they looked', async () => {
  const r = await cli(['connector', 'status'], { env: scratch().env });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /couldn't reach Kafka Connect at http:\/\/127\.0\.0\.1:48083/);
  assert.match(r.stderr, /cqrsctl up/);
  noStack(r.stderr);
});

test('status of a stack that is not up exits 1 and shows services stopped', async () => {
  const r = await cli(['status', '--json'], { env: scratch().env });
  assert.equal(r.exitCode, 1);
  const s = JSON.parse(r.stdout);
  const states = Object.fromEntries(s.services.map((x: { name: string; state: string }) => [x.name, x.state]));
  assert.equal(states.leader, 'stopped');
  assert.equal(states.broker, 'stopped');
  assert.equal(s.healthy, false);
});

test('--help teaches: commands, examples and the settings story', async () => {
  const r = await cli(['--help']);
  assert.equal(r.exitCode, 0);
  for (const word of ['up', 'down', 'status', 'logs', 'connector', 'CQRSCTL_LEADER_PORT', 'Examples:'])
    assert.ok(r.stdout.includes(word), word);
});
