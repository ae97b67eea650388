import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

/**
 * Runs cqrsctl under a pseudo-terminal of size 0×0, which is what `script` gives when its own stdin is not
 * a terminal (as do some CI runners and `docker run -t`). CI is unset so that spinners would be used.
 */
function inZeroSizePty(args: string, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-pty-'));
  const out = join(dir, 'typescript');
  const pidFile = join(dir, 'pid');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.CI;
  delete childEnv.NO_COLOR;
  const started = Date.now();
  const child = execa('script', ['-qfec', `echo $$ > ${pidFile}; exec ${bin} ${args}`, out], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
    reject: false,
    env: childEnv,
    extendEnv: false,
    cwd: repoRoot,
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  const pid = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        return Number(readFileSync(pidFile, 'utf8'));
      } catch {
        await sleep(100);
      }
    }
    throw new Error('cqrsctl never started under script');
  };
  return {
    pid,
    async result() {
      const r = await child;
      // A cqrsctl that outlived the timeout (the bug this file is about) must not spin on after the test.
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // ended by itself
      }
      const output = readFileSync(out, 'utf8');
      return { exitCode: r.exitCode, timedOut: r.timedOut, ms: Date.now() - started, bytes: statSync(out).size, output };
    },
  };
}

const listen = (port: number) =>
  new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

test('on a 0×0 terminal a failing step ends with a plain ✖ line instead of erasing lines forever', { timeout: 90_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-pty-home-'));
  const blocker = await listen(46432);
  try {
    const run = inZeroSizePty('up', {
      CQRSCTL_HOME: home,
      CQRSCTL_RUNTIME: 'native',
      CQRSCTL_LEADER_PORT: '46432',
      CQRSCTL_REPLICA_BASE_PORT: '46433',
      CQRSCTL_BROKER_PORT: '46092',
      CQRSCTL_CONTROLLER_PORT: '46093',
      CQRSCTL_CONNECT_PORT: '46083',
      CQRSCTL_WRITE_API_PORT: '46080',
    });
    const r = await run.result();
    assert.equal(r.timedOut, false, `still running after 60 s, ${r.bytes} bytes written`);
    assert.ok(r.bytes < 20_000, `${r.bytes} bytes of output`);
    assert.match(r.output, /✖.* Starting leader, replica-1/);
    assert.match(r.output, /port 46432 on 127\.0\.0\.1 is already in use/);
    assert.doesNotMatch(r.output, /\x1b\[1A/, 'no cursor-up sequences');
  } finally {
    blocker.close();
  }
});

test('on a 0×0 terminal a long command shows plain progress and SIGTERM ends it', { timeout: 180_000 }, async () => {
  await ensureStack();
  const run = inZeroSizePty('simulate --duration 60s --rate 20 --via sql');
  const pid = await run.pid();
  await sleep(4000);
  process.kill(pid, 'SIGTERM');
  const r = await run.result();
  assert.equal(r.timedOut, false, `SIGTERM did not end it; ${r.bytes} bytes written`);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
  assert.ok(r.bytes < 20_000, `${r.bytes} bytes of output`);
  assert.doesNotMatch(r.output, /\x1b\[1A/, 'no cursor-up sequences');
});
