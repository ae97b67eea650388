import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { waitUntil } from '../../src/lib/wait.ts';
import { pgClient } from '../../src/pg/client.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

const config = await ensureStack();
const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-smoke-'));
const table = `smoke_t_${randomBytes(4).toString('hex')}`;
const leader = pgClient(config.leader);
const replica1 = pgClient(config.replicas[0]);

after(async () => {
  await leader.unsafe(`drop table if exists public.${table}`);
  await Promise.all([leader.end(), replica1.end()]);
});

type Case = { '@_name': string; failure?: { '@_message': string }; skipped?: unknown };
const junitCases = (file: string) => {
  const xml = readFileSync(file, 'utf8');
  assert.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' }).parse(xml);
  return { suite: doc.testsuites.testsuite, cases: doc.testsuites.testsuite.testcase as Case[] };
};

describe('smoke', { timeout: 600_000 }, () => {
  it('passes on a healthy stack: --json summary and a JUnit report with one testcase per phase', async () => {
    const junit = join(dir, 'ok.xml');
    const r = await cli(['smoke', '--count', '60', '--seed', '3', '--json', '--junit', junit], { timeoutMs: 600_000 });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.passed, true);
    assert.deepEqual(
      report.phases.map((p: { name: string; status: string }) => [p.name, p.status]),
      [
        ['up', 'passed'],
        ['simulate', 'passed'],
        ['verify', 'passed'],
      ],
    );
    const simulate = report.phases[1];
    assert.equal(simulate.details.ops.total, 60);
    assert.equal(simulate.details.seed, 3);
    assert.equal(simulate.details.reads.checked > 0 && simulate.details.reads.stale, 0);
    assert.equal(report.phases[2].details.verdict, 'equal');

    const { suite, cases } = junitCases(junit);
    assert.equal(suite['@_tests'], '3');
    assert.equal(suite['@_failures'], '0');
    assert.deepEqual(
      cases.map((c) => c['@_name']),
      ['up', 'simulate', 'verify'],
    );
    assert.ok(cases.every((c) => !c.failure));
  });

  it('exits 1 with a failed verify testcase when a replica differs', async () => {
    await leader.unsafe(`create table public.${table} (id int primary key, v text)`);
    await waitUntil(
      `${table} on replica-1`,
      async () => (await replica1`select to_regclass(${`public.${table}`}) as t`)[0].t ?? undefined,
      {
        timeoutMs: 60_000,
      },
    );
    await replica1.unsafe(`insert into public.${table} values (1, 'only on replica-1')`);
    const junit = join(dir, 'diverged.xml');
    const r = await cli(['smoke', '--count', '20', '--junit', junit], { timeoutMs: 600_000 });
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`✖ verify .*failed: diverged: public\\.${table} on replica-1`));
    assert.match(r.stdout, /Smoke test did not pass/);
    const { suite, cases } = junitCases(junit);
    assert.equal(suite['@_failures'], '1');
    const verify = cases.find((c) => c['@_name'] === 'verify')!;
    assert.match(verify.failure!['@_message'], new RegExp(`public\\.${table} on replica-1`));
    assert.ok(cases.filter((c) => c['@_name'] !== 'verify').every((c) => !c.failure));
    await leader.unsafe(`drop table public.${table}`);
  });

  it('rejects bad usage with exit 2 before doing anything', async () => {
    for (const args of [
      ['smoke', '--junit', join(dir, 'no-such-dir', 'x.xml')],
      ['smoke', '--count', '0'],
      ['smoke', '--wait', 'later'],
    ]) {
      const r = await cli(args);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
