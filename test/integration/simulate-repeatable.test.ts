import assert from 'node:assert/strict';
import { execa } from 'execa';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, cli, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

before(async () => {
  await ensureStack();
});

test('--seed with --check-reads is repeatable: two runs do the same commands with the same outcomes', { timeout: 300_000 }, async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const r = await cli(['simulate', '--count', '500', '--check-reads', '--seed', '7', '--rate', '0', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    runs.push(JSON.parse(r.stdout));
  }
  const outcomes = (s: { byKind: { kind: string; ok: number; rejected: number; errors: number }[] }) =>
    s.byKind.map((k) => `${k.kind}: ${k.ok} ok, ${k.rejected} rejected, ${k.errors} errors`);
  assert.deepEqual(outcomes(runs[1]), outcomes(runs[0]));
  assert.equal(runs[0].reads.checked, 500);
  assert.equal(runs[0].reads.fresh, 500);
});

test(
  'Ctrl-C in a piped simulate: progress lines while it runs, then the summary of what was done and exit 130',
  { timeout: 120_000 },
  async () => {
    const child = execa(bin, ['simulate', '--duration', '60s', '--rate', '50', '--via', 'sql'], {
      cwd: repoRoot,
      env: { NO_COLOR: '1' },
      reject: false,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; !/^… Simulating 60 s via sql \d+ · /m.test(stderr); i++) {
      assert.ok(i < 200, `no progress line within 20 s:\n${stderr}`);
      await sleep(100);
    }
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, r.stderr);
    assert.match(r.stderr, /Ctrl-C: starting no more commands, finishing those in flight/);
    assert.match(r.stdout, /│ TOTAL\s+│|│ total\s+│/);
    const done = Number(/(\d+) commands in [\d.]+ s/.exec(r.stdout)?.[1]);
    assert.ok(done > 100 && done < 3000, r.stdout);
    assert.match(r.stdout, new RegExp(`Interrupted: ${done} commands ran`));
  },
);
