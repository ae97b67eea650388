import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { loadConfig } from '../../src/config/load.ts';
import { waitUntil } from '../../src/lib/wait.ts';
import { pgClient } from '../../src/pg/client.ts';
import { connectEngine } from '../../src/runtime/docker/engine.ts';
import { cli } from '../helpers/cli.ts';

// smoke and dlq on the docker runtime, through the real binary: smoke brings the stack up itself and
// --down stops it; the dead letters come from a replica-only CHECK constraint, as in dlq.test.ts.
const docker = ['--runtime', 'docker'];
const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-docker-smoke-'));
const table = `dlq_d_${randomBytes(4).toString('hex')}`;

before(async () => {
  await connectEngine().ping(); // no engine is a failure here, never a skip
  await cli(['down']);
  await cli(['down', ...docker, '--purge']);
});
after(async () => {
  await cli(['down', ...docker, '--purge']);
});

test('smoke on the docker runtime: up, simulate, verify pass; JUnit written', { timeout: 900_000 }, async () => {
  const junit = join(dir, 'smoke.xml');
  const r = await cli(['smoke', ...docker, '--count', '40', '--json', '--junit', junit], { timeoutMs: 900_000 });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.match(report.phases[0].message, /^docker runtime/);
  assert.deepEqual(
    report.phases.map((p: { status: string }) => p.status),
    ['passed', 'passed', 'passed'],
  );
  assert.equal(XMLValidator.validate(readFileSync(junit, 'utf8')), true);
});

test('dlq list and replay on the docker runtime', { timeout: 300_000 }, async () => {
  const config = loadConfig();
  const leader = pgClient(config.leader);
  const replica = pgClient(config.replicas[0]);
  try {
    await leader.unsafe(`create table public.${table} (id int primary key, v text)`);
    await waitUntil(`${table} on replica-1`, async () => (await replica`select to_regclass(${`public.${table}`}) as t`)[0].t ?? undefined, {
      timeoutMs: 60_000,
    });
    await replica.unsafe(`alter table public.${table} add constraint no_bad check (v <> 'bad')`);
    await leader.unsafe(`insert into public.${table} values (1, 'bad')`);
    const listed = await waitUntil(
      'the dead letter',
      async () => {
        const r = await cli(['dlq', 'list', ...docker, '--table', table, '--json']);
        const letters = JSON.parse(r.stdout).letters;
        return letters.length ? letters : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(listed[0].replica, 'replica-1');
    await replica.unsafe(`alter table public.${table} drop constraint no_bad`);
    const r = await cli(['dlq', 'replay', ...docker, '--table', table, '--json']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).applied, 1);
    const rows = async (db: typeof leader) => (await db.unsafe(`select t::text as r from public.${table} t`)).map((x) => x.r);
    assert.deepEqual(await rows(replica), await rows(leader));
  } finally {
    await Promise.all([leader.end(), replica.end()]);
  }
});

test('smoke --down stops the docker stack afterwards', { timeout: 600_000 }, async () => {
  const r = await cli(['smoke', ...docker, '--count', '10', '--down'], { timeoutMs: 600_000 });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /✔ down/);
  const status = await cli(['status', '--json', ...docker]);
  assert.notEqual(status.exitCode, 0, 'nothing runs any more');
});
