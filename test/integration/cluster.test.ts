import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitUntil } from '../../src/lib/wait.ts';
import type { StatusReport } from '../../src/stack/status.ts';
import postgres from 'postgres';
import { schemaDump } from '../helpers/catalog-oracle.ts';
import { cli } from '../helpers/cli.ts';

/**
 * A stack of its own (three brokers, two Connect workers) in its own state dir and on its own ports, so the
 * stack the other integration tests share is neither used nor disturbed. CLUSTER_TEST_HOME and
 * CLUSTER_TEST_<SETTING> (e.g. CLUSTER_TEST_LEADER_PORT) move it where those defaults are taken.
 */
const defaults = {
  LEADER_PORT: 25432,
  REPLICA_BASE_PORT: 25433,
  BROKER_PORT: 29192,
  CONTROLLER_PORT: 29193,
  CONNECT_PORT: 28183,
  WRITE_API_PORT: 28180,
  METRICS_PORT: 29564,
  DASHBOARD_PORT: 28190,
};
const env: NodeJS.ProcessEnv = {
  // The shared stack's settings stay out; the jar cache is shared.
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CQRSCTL_') || k === 'CQRSCTL_CACHE')),
  ...Object.fromEntries(Object.entries(defaults).map(([k, v]) => [`CQRSCTL_${k}`, process.env[`CLUSTER_TEST_${k}`] ?? String(v)])),
  CQRSCTL_HOME: process.env.CLUSTER_TEST_HOME ?? join(tmpdir(), `cqrsctl-cluster-test-${process.getuid?.() ?? 0}`),
  CQRSCTL_RUNTIME: 'native',
};

const run = async (args: string[], timeoutMs = 300_000) => {
  const r = await cli(args, { env, timeoutMs });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
};
const status = async () => {
  const r = await run(['status', '--json'], 60_000);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as StatusReport };
};
const pidOf = (s: StatusReport, name: string) => {
  const pid = s.services.find((x) => x.name === name)?.pid;
  assert.ok(pid, `${name} runs: ${JSON.stringify(s.services)}`);
  return pid;
};
/** The Connect worker service (connect-N) whose REST address is the worker id Connect reports. */
const workerService = (s: StatusReport, worker: string | undefined) => s.services.find((x) => x.address === `http://${worker}`)?.name;

/** More writes straight on the leader, then every replica compared with it (rows and definitions). */
async function writeAndVerify(count: number) {
  const sim = await run(['simulate', '--count', String(count), '--via', 'sql', '--rate', '0']);
  assert.equal(sim.exitCode, 0, sim.all);
  const verify = await run(['verify-replicas', '--wait=180s']);
  assert.equal(verify.exitCode, 0, `replicas equal the leader:\n${verify.all}`);
  // Checked again without cqrsctl's own compare: every definition and row as text, straight from the servers.
  const port = (name: string) => Number(env[`CQRSCTL_${name}`]);
  const open = (p: number) => postgres({ host: '127.0.0.1', port: p, user: 'postgres', password: 'postgres', database: 'cqrs', max: 1 });
  const [leader, ...replicas] = [port('LEADER_PORT'), ...[0, 1, 2].map((i) => port('REPLICA_BASE_PORT') + i)].map(open);
  try {
    const want = await schemaDump(leader!, 'public');
    assert.ok(Object.keys(want.rows).length > 0, 'the leader has tables to compare');
    for (const [i, r] of replicas.entries()) assert.deepEqual(await schemaDump(r, 'public'), want, `replica-${i + 1} equals the leader`);
  } finally {
    await Promise.all([leader!, ...replicas].map((c) => c.end({ timeout: 2 })));
  }
}

after(async () => {
  await run(['down', '--purge'], 180_000);
});

test('a cluster of three brokers and two Connect workers survives a dead worker and a dead broker', { timeout: 900_000 }, async () => {
  // A stack left by an interrupted run would keep its old settings; start from nothing.
  await run(['down', '--purge'], 180_000);
  const up = await run(['up', '--detach', '--broker-count', '3', '--connect-workers', '2'], 600_000);
  assert.equal(up.exitCode, 0, up.all);

  let { exitCode, report } = await status();
  assert.equal(exitCode, 0, JSON.stringify(report.problems));
  assert.deepEqual(
    report.kafka?.brokers.map((b) => `${b.name} ${b.state}`),
    ['broker-1 up', 'broker-2 up', 'broker-3 up'],
  );
  const changes = report.kafka!.partitions.find((p) => p.topic === 'leader.changes');
  assert.equal(changes?.replicas.length, 3, 'the change topic has three copies');
  assert.deepEqual(report.kafka!.underReplicated, []);
  const task = report.connector.tasks[0];
  assert.equal(task?.state, 'RUNNING');
  const first = workerService(report, task.worker);
  assert.match(first ?? '', /^connect-[12]$/, `the task runs on one of the workers (${task.worker})`);
  const text = await run(['status']);
  assert.match(text.stdout, new RegExp(`task 0 RUNNING on ${first}`));
  assert.match(text.stdout, /broker-3 .*running/);

  await writeAndVerify(150);

  // The worker running the task dies: the group gives the connector and its task to the other one.
  process.kill(pidOf(report, first!), 'SIGKILL');
  const other = first === 'connect-1' ? 'connect-2' : 'connect-1';
  report = await waitUntil(
    'the task to move to the surviving worker',
    async () => {
      const s = (await status()).report;
      const t = s.connector.tasks[0];
      return t?.state === 'RUNNING' && workerService(s, t.worker) === other ? s : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 2000 },
  );
  assert.equal(report.services.find((x) => x.name === first)?.state, 'stopped');
  await writeAndVerify(150);

  // The broker leading the change topic dies: another copy takes over and writes still reach two replicas.
  const leader = report.kafka!.partitions.find((p) => p.topic === 'leader.changes')!.leader;
  const victim = report.kafka!.brokers.find((b) => b.id === leader)!.name;
  process.kill(pidOf(report, victim), 'SIGKILL');
  ({ exitCode, report } = await waitUntil(
    'status to report under-replicated partitions',
    async () => {
      const s = await status();
      // The cluster fences a dead broker after its session times out (9 s); its partitions shrink their ISR then.
      const fenced = s.report.kafka?.brokers.find((b) => b.name === victim)?.state === 'down';
      return fenced && s.report.kafka?.underReplicated.length ? s : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 2000 },
  ));
  assert.equal(exitCode, 1, 'a cluster missing a copy is not healthy');
  assert.ok(
    report.problems.some((p) => /under-replicated/.test(p.reason)),
    JSON.stringify(report.problems),
  );
  await writeAndVerify(150);
  const moved = (await status()).report.kafka!.partitions.find((p) => p.topic === 'leader.changes')!;
  assert.notEqual(moved.leader, leader, 'another broker leads the change topic');
});
