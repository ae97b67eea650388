import assert from 'node:assert/strict';
import { execa } from 'execa';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { bin, cli, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';
import { databases, fingerprint, uniqueName, waitApplied } from './replicator-support.ts';

// `cqrsctl up` in the foreground runs the replicator and the write API in-process; Ctrl-C stops them
// cleanly and leaves the services up.
let config: Config;
before(async () => {
  config = await ensureStack();
  const down = await cli(['down']); // the detached apps must not run beside the foreground ones
  assert.equal(down.exitCode, 0, down.stderr);
});
after(async () => {
  await ensureStack();
});

test('foreground up replicates, shows in status, and Ctrl-C stops it leaving the services up', { timeout: 300_000 }, async () => {
  const child = execa(bin, ['up'], { cwd: repoRoot, env: { NO_COLOR: '1' }, reject: false, all: true });
  let output = '';
  child.all?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    for (let i = 0; !/replicating to/.test(output); i++) {
      assert.ok(i < 600, `foreground up never started replicating:\n${output}`);
      await sleep(500);
    }
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    for (const app of ['replicator', 'write-api']) {
      const s = status.services.find((x: { name: string }) => x.name === app);
      assert.equal(s.state, 'running', `${app} in status`);
      assert.equal(s.pid, child.pid, `${app} runs in the foreground up`);
    }

    const db = databases(config);
    try {
      const table = `public.${uniqueName('fg')}`;
      await db.leader.unsafe(`create table ${table} (id int primary key, note text)`);
      await db.leader.unsafe(`insert into ${table} select g, 'row ' || g from generate_series(1, 500) g`);
      await waitApplied(db.leader, db.replicas);
      const want = await fingerprint(db.leader, table, 'id');
      for (const replica of db.replicas) assert.equal(await fingerprint(replica, table, 'id'), want);
    } finally {
      await db.end();
    }

    child.kill('SIGINT');
    const [code] = (await Promise.race([once(child, 'exit'), sleep(30_000).then(() => ['timeout'])])) as [number | string];
    assert.equal(code, 0, `foreground up did not exit cleanly after Ctrl-C:\n${output}`);
    assert.match(output, /replicator stopped/);
  } finally {
    child.kill('SIGKILL');
  }
  const after = JSON.parse((await cli(['status', '--json'])).stdout);
  for (const svc of after.services.filter((x: { name: string }) => !['replicator', 'write-api'].includes(x.name))) {
    assert.equal(svc.state, 'running', `${svc.name} must stay up after Ctrl-C`);
  }
  assert.equal(after.services.find((x: { name: string }) => x.name === 'replicator').state, 'stopped');
});
