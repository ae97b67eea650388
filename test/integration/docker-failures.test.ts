import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { CqrsError } from '../../src/errors.ts';
import { silentProgress } from '../../src/progress.ts';
import { createDockerRuntime } from '../../src/runtime/docker/index.ts';
import { connectEngine } from '../../src/runtime/docker/engine.ts';
import { cli } from '../helpers/cli.ts';

// Failure paths of the docker runtime on a real engine. Each test uses its own compose project and
// ports the kernel hands out, so it never meets the shared stack, and removes what it made.
const docker = connectEngine();

const listen = (port = 0) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });
const freePort = async () => {
  const s = await listen();
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
};

/** A config for a throwaway project (its leader on `leaderPort`) and an override compose file with `yaml`. */
async function scratch(name: string, yaml: string, leaderPort?: number) {
  const project = `cqrsdev-${name}-${process.pid}`;
  const config = loadConfig({
    env: { ...process.env, CQRSCTL_COMPOSE_PROJECT: project, CQRSCTL_LEADER_PORT: String(leaderPort ?? (await freePort())) },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'cqrsctl-override-')), 'override.yml');
  writeFileSync(file, yaml);
  return { project, config, runtime: createDockerRuntime(config, 'test', { overrides: [file] }) };
}

async function leftovers(project: string) {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  return (
    (await docker.listContainers({ all: true, filters })).length +
    (await docker.listNetworks({ filters })).length +
    ((await docker.listVolumes({ filters })).Volumes ?? []).length
  );
}

test('engine not reachable: a usage error that names DOCKER_HOST', async () => {
  const r = await cli(['up', '--runtime', 'docker'], { env: { ...process.env, DOCKER_HOST: 'unix:///tmp/cqrsctl-no-engine.sock' } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /DOCKER_HOST=unix:\/\/\/tmp\/cqrsctl-no-engine\.sock/);
  assert.match(r.stderr, /does not answer/);
  const status = await cli(['status', '--runtime', 'docker'], { env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1' } });
  assert.equal(status.exitCode, 2);
  assert.match(status.stderr, /DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1/);
});

test('image missing and not pullable: says to run `cqrsctl images build`, creates nothing', { timeout: 120_000 }, async () => {
  const { project, runtime } = await scratch('noimage', 'services:\n  pg-leader:\n    image: cqrsctl/no-such-image:0\n');
  await assert.rejects(runtime.up(silentProgress), (e: unknown) => {
    assert.ok(e instanceof CqrsError, String(e));
    assert.match(e.message, /cqrsctl\/no-such-image:0 is not in the engine and cannot be pulled/);
    assert.match(e.hint ?? '', /cqrsctl images build/);
    return true;
  });
  assert.equal(await leftovers(project), 0);
});

test('a service that never becomes healthy: named, with its last log lines', { timeout: 180_000 }, async () => {
  const { project, runtime } = await scratch(
    'unhealthy',
    [
      'services:',
      '  pg-leader:',
      '    healthcheck:',
      '      test: ["CMD-SHELL", "echo probe-says-no; exit 1"]',
      // Long enough for the server to have written its first log lines, which the message must show.
      '      interval: 2s',
      '      retries: 6',
      '      start_period: 1s',
      '',
    ].join('\n'),
  );
  try {
    await assert.rejects(runtime.startService('leader', silentProgress), (e: unknown) => {
      assert.ok(e instanceof CqrsError, String(e));
      assert.match(e.message, new RegExp(`leader \\(container ${project}-pg-leader-1\\) is unhealthy; healthcheck said: probe-says-no`));
      assert.match(e.message, /last log lines of .*\n.*(PostgreSQL|database system)/);
      assert.equal(e.exitCode, 1);
      return true;
    });
  } finally {
    await runtime.down({ purge: true }, silentProgress);
  }
  assert.equal(await leftovers(project), 0);
});

test('a host port already taken: named with the setting that moves it, nothing left running', { timeout: 120_000 }, async () => {
  const server = await listen();
  const port = (server.address() as { port: number }).port;
  const { project, runtime } = await scratch('porttaken', 'services: {}\n', port);
  try {
    await assert.rejects(runtime.startService('leader', silentProgress), (e: unknown) => {
      assert.ok(e instanceof CqrsError, String(e));
      assert.match(e.message, new RegExp(`port ${port} .*already in use.*leader`));
      assert.match(e.hint ?? '', /--leader-port|CQRSCTL_LEADER_PORT/);
      return true;
    });
    assert.equal((await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } })).length, 0);
  } finally {
    await new Promise((r) => server.close(r));
    await runtime.down({ purge: true }, silentProgress);
  }
  assert.equal(await leftovers(project), 0);
});
