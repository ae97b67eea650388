import assert from 'node:assert/strict';
import { execa } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopPid } from '../../src/process/daemon.ts';
import { pgClient } from '../../src/pg/client.ts';
import { appPid } from '../../src/stack/apps.ts';
import { bin, cli, repoRoot } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

// The small defects of issue 15, each as a user meets it.

const scratchHome = () => mkdtempSync(join(tmpdir(), 'cqrsctl-edges-'));
const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |internal error/);

test('a bare cqrsctl, or a command group without its subcommand, shows usage and exits 2', async () => {
  for (const args of [[], ['events'], ['images'], ['connector']]) {
    const r = await cli(args);
    assert.equal(r.exitCode, 2, `cqrsctl ${args.join(' ')}`);
    assert.match(r.stderr, /Usage: cqrsctl/);
  }
  const asked = await cli(['events', '--help']);
  assert.equal(asked.exitCode, 0);
});

test('--version prints the version', async () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const r = await cli([flag]);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), version);
  }
});

test('up --help lists the stack settings, --replicas and --leader-port among them', async () => {
  const r = await cli(['up', '--help']);
  assert.equal(r.exitCode, 0);
  assert.match(r.stdout, /--replicas <n>\s+number of read replicas \(CQRSCTL_REPLICAS, default 3\)/);
  assert.match(r.stdout, /--leader-port <port>\s+PostgreSQL leader \(CQRSCTL_LEADER_PORT, default 5432\)/);
});

test('config has the "where it came from" column its help promises, and masks only the password of a URL', async () => {
  const help = await cli(['config', '--help']);
  assert.match(help.stdout, /where it came from/);
  const r = await cli(['config', '--leader-url', 'postgres://app:s3cret@db.example:6543/shop'], {
    env: { CQRSCTL_HOME: scratchHome(), CQRSCTL_REPLICAS: '2' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /│ SETTING\s+│ VALUE\s+│ FROM\s+│ ENVIRONMENT/);
  assert.match(r.stdout, /│ replicas\s+│ 2\s+│ environment\s+│ CQRSCTL_REPLICAS/);
  assert.match(r.stdout, /│ leaderUrl\s+│ postgres:\/\/app:\*{8}@db\.example:6543\/shop\s+│ flag/);
  assert.doesNotMatch(r.stdout, /s3cret/);
});

test('logs --tail 0 prints nothing; -f without --tail starts from the last 10 lines', async () => {
  const home = scratchHome();
  mkdirSync(join(home, 'replicator'));
  writeFileSync(join(home, 'replicator', 'replicator.log'), Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  const none = await cli(['logs', 'replicator', '--tail', '0'], { env: { CQRSCTL_HOME: home } });
  assert.equal(none.exitCode, 0);
  assert.equal(none.stdout, '');

  const follow = execa(bin, ['logs', 'replicator', '-f'], {
    env: { CQRSCTL_HOME: home, NO_COLOR: '1' },
    reject: false,
  });
  await sleep(2500);
  follow.kill('SIGINT');
  const r = await follow;
  assert.deepEqual(
    r.stdout.trim().split('\n'),
    Array.from({ length: 10 }, (_, i) => `line ${i + 91}`),
  );
});

test('connector verbs on a connector Connect does not have exit 2 and say so', { timeout: 120_000 }, async () => {
  const config = await ensureStack();
  for (const verb of ['status', 'pause', 'resume', 'restart', 'delete']) {
    // A state dir of its own, so that another connector name is not a change of the running stack's settings.
    const r = await cli(['connector', verb], { env: { CQRSCTL_HOME: scratchHome(), CQRSCTL_CONNECTOR_NAME: 'no-such-connector' } });
    assert.equal(r.exitCode, 2, `${verb}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`connector no-such-connector is not registered in Kafka Connect at ${config.connectUrl}`));
    noStack(r.stderr);
  }
});

test('a wrong database password gets a hint about the password, not "is the stack up?"', { timeout: 120_000 }, async () => {
  await ensureStack();
  const env = { CQRSCTL_DB_PASSWORD: 'not-the-password' };
  for (const args of [['verify-replicas'], ['simulate', '--count', '1', '--via', 'sql']]) {
    const r = await cli(args, { env });
    assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /password authentication failed/);
    assert.match(r.stderr, /hint: .*CQRSCTL_DB_PASSWORD/);
    assert.doesNotMatch(r.stderr, /Is the stack up|stack is not up/);
    noStack(r.stderr);
  }
  const status = await cli(['status'], { env });
  assert.equal(status.exitCode, 1);
  assert.match(status.stdout, /✖ leader, replica-1, .* refuse the login of user postgres\n\s+hint: .*CQRSCTL_DB_PASSWORD/);
});

test('a wait that times out ends its step with ✖ only, never ✔ then ✖', { timeout: 180_000 }, async () => {
  const config = await ensureStack();
  const pid = appPid(config, 'replicator');
  assert.ok(pid, 'the detached replicator runs');
  await stopPid(pid!, 30_000);
  try {
    const leader = pgClient(config.leader);
    await leader.unsafe('create table if not exists public.edges_wait (id int primary key)');
    await leader.unsafe(`insert into public.edges_wait values (${Date.now() % 1_000_000_000}) on conflict do nothing`);
    await leader.end();
    const r = await cli(['verify-replicas', '--wait=2s']);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /✖ Waiting for the replicas to apply the leader's WAL/);
    assert.doesNotMatch(r.stderr, /✔ Waiting for the replicas/);
    assert.match(r.stdout, /✖ replicas did not catch up/);
  } finally {
    await ensureStack();
  }
});

test('verify-replicas speaks of 1 replica and 1 row in the singular; read API times end in Z', { timeout: 180_000 }, async () => {
  const config = await ensureStack();
  const table = `edges_${Date.now()}`;
  const leader = pgClient(config.leader);
  const replica = pgClient(config.replicas[0]);
  try {
    await leader.unsafe(`create table public.${table} (id int primary key, note text)`);
    await leader.unsafe(`insert into public.${table} values (1, 'a'), (2, 'b')`);
    const args = ['--replica', config.replicas[0].name, '--table', table];
    let equal = await cli(['verify-replicas', '--wait', ...args]);
    for (let i = 0; i < 20 && equal.exitCode !== 0; i++) {
      await sleep(1000);
      equal = await cli(['verify-replicas', '--wait', ...args]);
    }
    assert.equal(equal.exitCode, 0, equal.stdout + equal.stderr);
    assert.match(equal.stdout, /✔ 1 replica equals the leader on 1 table /);

    await replica.unsafe(`insert into public.${table} values (3, 'extra')`);
    const repaired = await cli(['verify-replicas', '--repair', ...args]);
    assert.equal(repaired.exitCode, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, new RegExp(`Repaired public\\.${table} on ${config.replicas[0].name}: 1 row deleted, 0 inserted`));

    const created = await fetch(`${config.writeApiUrl}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `edges-${Date.now()}@example.com`, name: 'Edge' }),
    });
    const { customerId, token } = (await created.json()) as { customerId: number; token: string };
    const doc = (await (
      await fetch(`${config.writeApiUrl}/customers/${customerId}`, { headers: { 'consistency-token': token } })
    ).json()) as Record<string, string>;
    assert.match(doc.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  } finally {
    await leader.end();
    await replica.end();
  }
});

// Issue 13 item 7.

test('logs -f prints each appended line once, however the writes and the file watcher interleave', async () => {
  const home = scratchHome();
  mkdirSync(join(home, 'replicator'));
  const log = join(home, 'replicator', 'replicator.log');
  writeFileSync(log, 'line 0\n');
  const follow = execa(bin, ['logs', 'replicator', '-f'], { env: { CQRSCTL_HOME: home, NO_COLOR: '1' }, reject: false });
  // Following from here on: the existing line is printed (start-up takes seconds on a busy machine).
  let seen = '';
  follow.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  for (let waited = 0; !seen.includes('line 0') && waited < 120_000; waited += 100) await sleep(100);
  // Small writes, some closer together than the 500 ms poll, some across it: both the watcher and the poll drain.
  for (let i = 1; i <= 60; i++) {
    appendFileSync(log, `line ${i}\n`);
    await sleep(i % 10 === 0 ? 600 : 15);
  }
  await sleep(1500);
  follow.kill('SIGINT');
  const r = await follow;
  assert.deepEqual(
    r.stdout.trim().split('\n'),
    Array.from({ length: 61 }, (_, i) => `line ${i}`),
  );
});

test('events tail ends promptly on Ctrl-C', { timeout: 180_000 }, async () => {
  await ensureStack();
  const tail = execa(bin, ['events', 'tail'], { env: { NO_COLOR: '1' }, reject: false });
  await sleep(8000); // connected and past its first look for topics
  const sent = Date.now();
  tail.kill('SIGINT');
  const r = await tail;
  const took = Date.now() - sent;
  assert.ok(took < 2500, `exited ${took} ms after Ctrl-C (it waited out its 3 s poll before)`);
  noStack(r.stderr);
});

test('up --detach reports a replicator that exits right after starting, with its log (exit 1)', { timeout: 600_000 }, async () => {
  const config = await ensureStack();
  const pid = appPid(config, 'replicator');
  assert.ok(pid, 'the replicator runs');
  await stopPid(pid, 60_000);
  // The replicator's metrics port taken: it exits at start, as it does when its settings are wrong.
  // Held by another process, as a second replicator or any other program would.
  const squatter = execa(process.execPath, [
    '-e',
    `require('net').createServer().listen(${config.settings.metricsPort}, '${config.settings.host}', () => console.log('listening'))`,
  ]);
  await new Promise<void>((resolve) => squatter.stdout!.once('data', () => resolve()));
  try {
    const r = await cli(['up', '--detach'], { timeoutMs: 600_000 });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /^error: replicator exited right after starting; last lines of .*replicator\.log:\n/m);
    assert.match(r.stderr, new RegExp(`metrics port ${config.settings.metricsPort} is already in use`));
    assert.match(r.stderr, /^hint: .*cqrsctl logs replicator/m);
  } finally {
    squatter.kill();
    await squatter.catch(() => {});
  }
  const again = await cli(['up', '--detach'], { timeoutMs: 600_000 });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.ok(appPid(config, 'replicator'));
});

test('--debug logs each external call on stderr, naming endpoints and never the password', { timeout: 180_000 }, async () => {
  const config = await ensureStack();
  const plain = await cli(['status', '--json']);
  const r = await cli(['status', '--json', '--debug']);
  assert.equal(r.exitCode, plain.exitCode, r.stderr);
  assert.deepEqual(Object.keys(JSON.parse(r.stdout)), Object.keys(JSON.parse(plain.stdout)), 'stdout stays the result');
  assert.match(
    r.stderr,
    new RegExp(`^debug: SQL client for leader: ${config.leader.user}@${config.leader.host}:${config.leader.port}/`, 'm'),
  );
  assert.match(
    r.stderr,
    new RegExp(`^debug: REST GET ${config.connectUrl}/connectors/${config.settings.connectorName}/status → 200$`, 'm'),
  );
  assert.match(r.stderr, /^debug: Kafka (admin|client) .*for /m);
  // The default password equals the user name, so look for it where a URL or an option would carry it.
  const debugLines = r.stderr.split('\n').filter((l) => l.startsWith('debug:'));
  assert.ok(debugLines.length >= 3, r.stderr);
  for (const line of debugLines) {
    assert.ok(!line.includes(`:${config.leader.password}@`), line);
    assert.doesNotMatch(line, /password/i);
  }
  assert.doesNotMatch(plain.stderr, /^debug:/m);
});
