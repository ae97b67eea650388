import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

// What users of such tools expect besides the fixes: status --watch, logs --since, a log line per write
// API request, shell completion.

test('status --watch looks again every interval until Ctrl-C; with --json one document per line', { timeout: 120_000 }, async () => {
  await ensureStack();
  for (const json of [false, true]) {
    const child = execa(bin, ['status', '--watch=1s', ...(json ? ['--json'] : [])], {
      env: { NO_COLOR: '1' },
      reject: false,
    });
    await sleep(4500);
    child.kill('SIGINT');
    const r = await child;
    // Earlier tests leave dead letters on purpose, so the stack may be unhealthy: the exit code follows the last look.
    assert.ok(r.exitCode === 0 || r.exitCode === 1, r.stderr);
    if (json) {
      const docs = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(docs.length >= 2, `${docs.length} documents`);
      assert.ok(docs.every((d) => typeof d.healthy === 'boolean' && typeof d.at === 'string'));
      assert.equal(r.exitCode, docs.at(-1).healthy ? 0 : 1);
    } else {
      assert.ok((r.stdout.match(/every 1s · Ctrl-C to stop/g) ?? []).length >= 2, r.stdout);
      assert.doesNotMatch(r.stdout, /\x1b\[2J/, 'a pipe gets appended looks, not screen redraws');
    }
  }
});

test('logs --since keeps the lines logged since then', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-since-'));
  mkdirSync(join(home, 'replicator'));
  const old = new Date(Date.now() - 3_600_000).toISOString();
  const recent = new Date(Date.now() - 60_000).toISOString();
  writeFileSync(join(home, 'replicator', 'replicator.log'), `${old} an hour ago\n${recent} a minute ago\n  continued\n`);
  const r = await cli(['logs', 'replicator', '--since', '10m'], { env: { CQRSCTL_HOME: home } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, `${recent} a minute ago\n  continued`);
  const bad = await cli(['logs', 'replicator', '--since', 'lately'], { env: { CQRSCTL_HOME: home } });
  assert.equal(bad.exitCode, 2);
});

test('the write API logs one line per request', { timeout: 120_000 }, async () => {
  const config = await ensureStack();
  const path = `/orders/${Date.now() % 1_000_000_000}`;
  assert.equal((await fetch(`${config.writeApiUrl}${path}`)).status, 404);
  let r = await cli(['logs', 'write-api', '--since', '1m']);
  for (let i = 0; i < 20 && !r.stdout.includes(path); i++) {
    await sleep(250);
    r = await cli(['logs', 'write-api', '--since', '1m']);
  }
  const lines = r.stdout.split('\n').filter((l) => l.includes(path));
  assert.equal(lines.length, 1, r.stdout);
  assert.match(lines[0], new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z GET ${path} 404 [\\d.]+ ms served-by=replica-\\d+$`));
});

test('completion bash completes commands, subcommands, services and flags', async () => {
  const r = await cli(['completion', 'bash']);
  assert.equal(r.exitCode, 0, r.stderr);
  const complete = async (...words: string[]) => {
    const script = `${r.stdout}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cqrsctl; echo "\${COMPREPLY[*]}"`;
    return (await execa('bash', ['-c', script])).stdout;
  };
  assert.equal(await complete('cqrsctl', 'ver'), 'verify-replicas');
  assert.equal(await complete('cqrsctl', 'events', 't'), 'tail');
  assert.equal(await complete('cqrsctl', 'logs', 'repli'), 'replica-1 replica-2 replica-3 replicator');
  assert.equal(await complete('cqrsctl', 'status', '--w'), '--watch');
  for (const shell of ['zsh', 'fish']) assert.equal((await cli(['completion', shell])).exitCode, 0);
  assert.equal((await cli(['completion', 'tcsh'])).exitCode, 2);
});
