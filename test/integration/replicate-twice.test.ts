import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { waitUntil } from '../../src/lib/wait.ts';
import { appPid } from '../../src/stack/apps.ts';
import type { StatusReport } from '../../src/stack/status.ts';
import { bin, cli, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

const owners = async () => {
  const r = await cli(['status', '--json'], { timeoutMs: 60_000 });
  return (JSON.parse(r.stdout) as StatusReport).replicators;
};

test(
  'replicate beside a running replicator joins it: they share the replicas, and the first takes them all back when it stops',
  { timeout: 240_000 },
  async () => {
    const config = await ensureStack();
    const pid = appPid(config, 'replicator');
    assert.ok(pid, 'up --detach runs a replicator');

    // Its own name is taken: refused, naming the running one.
    const same = await cli(['replicate', '--as', 'replicator'], { timeoutMs: 60_000 });
    assert.equal(same.exitCode, 2, same.stderr);
    assert.match(same.stderr, new RegExp(`replicator already runs for this stack \\(pid ${pid}\\)`));
    assert.match(same.stderr, /hint:/);

    const second = execa(bin, ['replicate'], { cwd: repoRoot, env: { NO_COLOR: '1' }, reject: false });
    try {
      const shared = await waitUntil(
        'the second replicator to own a replica',
        async () => {
          const o = await owners();
          return o.some((m) => m.member.startsWith('replicator-2@')) ? o : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      assert.equal(shared.length, 2, JSON.stringify(shared));
      assert.deepEqual(shared.flatMap((m) => m.replicas).sort(), ['replica-1', 'replica-2', 'replica-3'], 'each replica has one owner');
      assert.equal(appPid(config, 'replicator-2'), second.pid, 'it runs as replicator-2');
    } finally {
      second.kill('SIGTERM');
      const r = await second;
      assert.match(r.stderr, /replicator-2 joined the replicators' group/);
      assert.match(r.stderr, /replicator stopped/);
    }
    // It left the group: the first owns every replica again, at once rather than after the session timeout.
    const back = await waitUntil(
      'the first replicator to own every replica again',
      async () => {
        const o = await owners();
        return o.length === 1 && o[0].replicas.length === 3 ? o : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    assert.match(back[0].member, /^replicator@/);
    assert.equal(appPid(config, 'replicator'), pid, 'the running replicator is untouched');
    const verify = await cli(['verify-replicas', '--wait=120s'], { timeoutMs: 180_000 });
    assert.equal(verify.exitCode, 0, verify.stderr);
  },
);
