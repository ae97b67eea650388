import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { silentProgress } from '../../src/progress.ts';
import { pgClient } from '../../src/pg/client.ts';
import { selectRuntime } from '../../src/runtime/select.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

// An unhealthy stack says why, one line per problem with a hint, and exits 1.
let config: Config;
before(async () => {
  config = await ensureStack();
});
after(async () => {
  await cli(['connector', 'resume']);
  await ensureStack();
});

test('a paused connector: status exits 1 and says so, with the command that resumes it', { timeout: 120_000 }, async () => {
  assert.equal((await cli(['connector', 'pause'])).exitCode, 0);
  try {
    let r = await cli(['status']);
    for (let i = 0; i < 40 && !/PAUSED/.test(r.stdout); i++) {
      await sleep(500);
      r = await cli(['status']);
    }
    assert.equal(r.exitCode, 1, r.stdout);
    assert.match(r.stdout, /✖ connector leader-cdc is PAUSED/);
    assert.match(r.stdout, /hint: `cqrsctl connector resume`/);
    const json = JSON.parse((await cli(['status', '--json'])).stdout);
    assert.equal(json.healthy, false);
    assert.equal(json.problems[0].subject, 'connector');
  } finally {
    assert.equal((await cli(['connector', 'resume'])).exitCode, 0);
  }
});

test('a killed replica shows as down with a reason, and /health of the write API names it', { timeout: 300_000 }, async () => {
  const victim = config.replicas[config.replicas.length - 1];
  const runtime = await selectRuntime(config);
  await runtime.stopService(victim.name, silentProgress);
  try {
    const r = await cli(['status']);
    assert.equal(r.exitCode, 1);
    const row = r.stdout.split('\n').find((l) => l.includes(`│ ${victim.name} `) && /down|ECONN/.test(l));
    assert.ok(row, r.stdout);
    assert.match(row!, /│\s+down\s+│/);
    assert.doesNotMatch(row!, /ECONNREFUSED/, 'the error goes to the reason line, not into the APPLIED column');
    assert.match(r.stdout, new RegExp(`✖ ${victim.name} is down \\(connect ECONNREFUSED ${victim.host}:${victim.port}\\)`));
    assert.match(r.stdout, /hint: `cqrsctl up` starts it again/);

    const health = await fetch(`${config.writeApiUrl}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; replicas: { name: string; state: string; error?: string }[] };
    assert.equal(body.status, 'degraded');
    const down = body.replicas.find((x) => x.name === victim.name)!;
    assert.equal(down.state, 'down');
    assert.match(down.error!, /ECONNREFUSED/);
  } finally {
    await ensureStack();
  }
});

test('dead letters make status unhealthy and say why', { timeout: 60_000 }, async () => {
  const replica = pgClient(config.replicas[0]);
  const offset = String(9_000_000_000 + Math.floor(Math.random() * 1e6));
  try {
    await replica`insert into cqrsctl.dead_letters (topic, partition, "offset", reason) values ('test.public.fake', 0, ${offset}, 'cannot mirror schema change 7 (CREATE INDEX)')`;
    const r = await cli(['status']);
    assert.equal(r.exitCode, 1, r.stdout);
    assert.match(
      r.stdout,
      new RegExp(
        `✖ ${config.replicas[0].name} could not apply \\d+ events? \\(dead-lettered\\); latest: cannot mirror schema change 7 \\(CREATE INDEX\\)`,
      ),
    );
    assert.match(r.stdout, /cqrsctl-dlq\.leader/);
  } finally {
    await replica`delete from cqrsctl.dead_letters where topic = 'test.public.fake' and "offset" = ${offset}`;
    await replica.end();
  }
});
