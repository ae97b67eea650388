import assert from 'node:assert/strict';
import { execa } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pgClient } from '../../src/pg/client.ts';
import { bin, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

/**
 * `cqrsctl <args> | head -1`: returns cqrsctl's own exit code and stderr once the pipeline ends.
 * `feed` runs (repeatedly) after head has printed its line, to make cqrsctl write into the closed pipe.
 */
async function intoHead(args: string, env: NodeJS.ProcessEnv, feed: () => void | Promise<void> = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-pipe-'));
  const script = `${bin} ${args} 2>${dir}/stderr | head -1; echo "\${PIPESTATUS[0]}" > ${dir}/code`;
  const child = execa('bash', ['-c', script], { env: { NO_COLOR: '1', ...env }, cwd: repoRoot, reject: false, timeout: 60_000 });
  let line = '';
  child.stdout?.on('data', (d: Buffer) => (line += d.toString()));
  let finished = false;
  void child.finally(() => (finished = true));
  while (!finished) {
    if (line) await feed();
    await sleep(200);
  }
  const r = await child;
  return {
    timedOut: r.timedOut,
    line: line.trim(),
    code: Number(readFileSync(join(dir, 'code'), 'utf8')),
    stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
  };
}

test('logs -f into a pipe that closes ends quietly with exit 0', { timeout: 90_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-pipe-home-'));
  const log = join(home, 'replicator', 'replicator.log');
  mkdirSync(join(home, 'replicator'));
  writeFileSync(log, Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n');
  let n = 0;
  const r = await intoHead('logs replicator -f', { CQRSCTL_HOME: home }, () => appendFileSync(log, `more ${n++}\n`));
  assert.equal(r.timedOut, false, 'logs -f kept running after its reader went away');
  assert.match(r.line, /^(line|more) \d+$/);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('events tail into a pipe that closes ends quietly with exit 0', { timeout: 180_000 }, async () => {
  const config = await ensureStack();
  const sql = pgClient(config.leader);
  const table = `pipe_${Date.now()}`;
  try {
    await sql.unsafe(`create table public.${table} (id int primary key, note text)`);
    await sql.unsafe(`insert into public.${table} select g, 'row ' || g from generate_series(1, 50) g`);
    let i = 1000;
    const r = await intoHead(`events tail --from-beginning --table ${table}`, {}, async () => {
      await sql.unsafe(`insert into public.${table} values (${i++}, 'more')`);
    });
    assert.equal(r.timedOut, false, 'events tail kept running after its reader went away');
    assert.match(r.line, new RegExp(`public\\.${table} (insert|snapshot)`));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /);
  } finally {
    await sql.end();
  }
});
