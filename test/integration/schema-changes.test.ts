import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { appPid } from '../../src/stack/apps.ts';
import { isAlive } from '../../src/process/daemon.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';
import { migrationSteps } from '../helpers/migration-steps.ts';
import { assertSchemaMirrored, databases, uniqueName } from './replicator-support.ts';

let config: Config;
const live = uniqueName('mig_live');
const lagging = uniqueName('mig_lag');
let dbs: ReturnType<typeof databases>;
const started = new Date();
before(async () => {
  config = await ensureStack();
  dbs = databases(config);
});
after(() => dbs.end());

const assertMirrored = (schema: string, step: string) => assertSchemaMirrored(dbs, schema, step, started);

async function stopReplicator() {
  const pid = appPid(config, 'replicator');
  assert.ok(pid, 'the detached replicator runs');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  assert.ok(!isAlive(pid), 'the replicator stopped');
}

test('every migration reaches the replicas in its place in commit order while the replicator keeps up', { timeout: 600_000 }, async () => {
  for (const step of migrationSteps(live)) {
    await dbs.leader.unsafe(step.sql);
    await assertMirrored(live, step.name);
  }
});

test(
  'the same migrations applied while the replicator is stopped give the same replicas once it starts again',
  { timeout: 600_000 },
  async () => {
    await stopReplicator();
    try {
      for (const step of migrationSteps(lagging)) await dbs.leader.unsafe(step.sql);
    } finally {
      const r = await cli(['up', '--detach']);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    await assertMirrored(lagging, 'all steps, applied late');
    const tables = ['t2', 'qty', 'ev', 'log', 'ids'].flatMap((t) => ['--table', `${lagging}.${t}`]);
    const verify = await cli(['verify-replicas', '--wait=60s', '--json', ...tables]);
    assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
    assert.equal(JSON.parse(verify.stdout).verdict, 'equal');
  },
);

test(
  'verify-replicas compares definitions: an index dropped on a replica is found and --repair restores it',
  { timeout: 120_000 },
  async () => {
    await dbs.replicas[1].unsafe(`drop index ${live}.t2_lower_idx`);
    const found = await cli(['verify-replicas', '--wait=60s', '--json', '--table', `${live}.t2`]);
    assert.equal(found.exitCode, 1, found.stdout + found.stderr);
    const diverged = JSON.parse(found.stdout).tables.filter((t: { state: string }) => t.state !== 'equal');
    assert.deepEqual(
      diverged.map((t: { replica: string; table: string }) => `${t.replica} ${t.table}`),
      [`replica-2 ${live}.t2`],
    );
    assert.match(diverged[0].definition.leader, /t2_lower_idx/);
    const repaired = await cli(['verify-replicas', '--repair', '--json', '--table', `${live}.t2`]);
    assert.equal(repaired.exitCode, 0, repaired.stdout + repaired.stderr);
    await assertMirrored(live, 'repair');
  },
);
