import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Config } from '../../src/config/config.ts';
import { portFree } from '../../src/runtime/ports.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

// A running stack keeps the settings it was started with; commands that ask for others are told so.
let config: Config;
before(async () => {
  config = await ensureStack();
});

const noBug = (stderr: string) => {
  assert.doesNotMatch(stderr, /internal error|This is a bug/);
  assert.doesNotMatch(stderr, /\n\s+at /);
};

test('up with another leader port on a running stack is refused, naming both ports', async () => {
  const other = config.leader.port + 1000;
  const r = await cli(['up', '--detach', '--leader-port', String(other)]);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `runs with other settings than this command asks for: leaderPort ${config.leader.port} \\(--leader-port asks for ${other}\\)`,
    ),
  );
  assert.match(r.stderr, new RegExp(`hint: .*\`cqrsctl down\`, then \`cqrsctl up --leader-port ${other}\``));
  noBug(r.stderr);
  assert.equal(await portFree(config.settings.host, other), true, 'nothing was started on the other port');
});

test('up with another number of replicas on a running stack is refused, not ignored', async () => {
  const r = await cli(['up', '--detach', '--replicas', String(config.replicas.length - 1)]);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /nothing to do/);
  assert.match(r.stderr, new RegExp(`replicas ${config.replicas.length} \\(--replicas asks for ${config.replicas.length - 1}\\)`));
  noBug(r.stderr);
});

test('other commands with a differing setting are refused the same way', async () => {
  const r = await cli(['status'], { env: { CQRSCTL_REPLICAS: String(config.replicas.length + 1) } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`replicas ${config.replicas.length} \\(CQRSCTL_REPLICAS asks for ${config.replicas.length + 1}\\)`));
  noBug(r.stderr);
});

test("a command that does not name a setting uses the running stack's value", async () => {
  const r = await cli(['config', '--json'], { env: { CQRSCTL_LEADER_PORT: '', CQRSCTL_REPLICA_BASE_PORT: '' } });
  assert.equal(r.exitCode, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  assert.equal(c.settings.leaderPort, String(config.leader.port));
  assert.equal(c.sources.leaderPort, 'the running stack');
});

test('up without --runtime, run again and again, explains the runtime once', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await cli(['up', '--detach'], { env: { CQRSCTL_RUNTIME: '' } });
    assert.equal(r.exitCode, 0, r.stderr);
  }
  const s = JSON.parse((await cli(['status', '--json'], { env: { CQRSCTL_RUNTIME: '' } })).stdout);
  assert.equal(s.runtime.name, 'native');
  assert.equal(s.runtime.reason.match(/auto:/g)?.length ?? 0, 1, s.runtime.reason);
  const text = (await cli(['status'], { env: { CQRSCTL_RUNTIME: '' } })).stdout;
  assert.equal(text.match(/auto:/g)?.length ?? 0, 1, text);
});

test('down stops the stack as it runs even when given other settings', { timeout: 600_000 }, async () => {
  const r = await cli(['down', '--replicas', '1', '--leader-port', String(config.leader.port + 1000)]);
  assert.equal(r.exitCode, 0, r.stderr);
  for (const port of [config.leader.port, ...config.replicas.map((x) => x.port), config.settings.brokerPort, config.settings.connectPort]) {
    assert.ok(await portFree(config.settings.host, port), `port ${port} still in use after down`);
  }
  await ensureStack();
});
