import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appPid } from '../../src/stack/apps.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

test('replicate beside a running replicator refuses (exit 2), names it, and leaves it running', { timeout: 120_000 }, async () => {
  const config = await ensureStack();
  const pid = appPid(config, 'replicator');
  assert.ok(pid, 'up --detach runs a replicator');
  const r = await cli(['replicate'], { timeoutMs: 60_000 });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`a replicator already runs for this stack \\(pid ${pid}\\)`));
  assert.match(r.stderr, /hint:/);
  assert.equal(appPid(config, 'replicator'), pid, 'the running replicator is untouched');
});
