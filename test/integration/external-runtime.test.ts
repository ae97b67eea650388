import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import postgres from 'postgres';
import type { StatusReport } from '../../src/stack/status.ts';
import { cli } from '../helpers/cli.ts';
import { withoutSharedSettings } from '../helpers/own-stack.ts';

/**
 * `--runtime external` against a cluster cqrsctl did not start for it: home A runs, with the native runtime,
 * three brokers, two Connect workers, a leader and three replicas; its replicator and write API are stopped
 * and its connector deleted, so A is only the services. Home B then runs the pipeline against them with
 * nothing but a config file: its own database `extern` on those servers, its own connector and topic.
 * EXTERNAL_TEST_HOME and EXTERNAL_TEST_<SETTING> (e.g. EXTERNAL_TEST_LEADER_PORT) move A's ports and B's
 * write API and metrics ports (B_WRITE_API_PORT, B_METRICS_PORT, B_DASHBOARD_PORT).
 */
const defaults = {
  LEADER_PORT: 26432,
  REPLICA_BASE_PORT: 26433,
  BROKER_PORT: 29292,
  CONTROLLER_PORT: 29293,
  CONNECT_PORT: 28283,
  WRITE_API_PORT: 28280,
  METRICS_PORT: 29664,
  DASHBOARD_PORT: 28290,
  B_WRITE_API_PORT: 28380,
  B_METRICS_PORT: 29764,
  B_DASHBOARD_PORT: 28390,
};
const port = (name: keyof typeof defaults) => Number(process.env[`EXTERNAL_TEST_${name}`] ?? defaults[name]);
const root = process.env.EXTERNAL_TEST_HOME ?? join(tmpdir(), `cqrsctl-external-test-${process.getuid?.() ?? 0}`);
// The shared stack's settings stay out; the jar cache is shared.
const clean = withoutSharedSettings();
const envA: NodeJS.ProcessEnv = {
  ...clean,
  ...Object.fromEntries(
    (
      [
        'LEADER_PORT',
        'REPLICA_BASE_PORT',
        'BROKER_PORT',
        'CONTROLLER_PORT',
        'CONNECT_PORT',
        'WRITE_API_PORT',
        'METRICS_PORT',
        'DASHBOARD_PORT',
      ] as const
    ).map((k) => [`CQRSCTL_${k}`, String(port(k))]),
  ),
  CQRSCTL_HOME: join(root, 'a'),
  CQRSCTL_RUNTIME: 'native',
};
const homeB = join(root, 'b');
const configB = join(root, 'b.config.json');
const envB: NodeJS.ProcessEnv = { ...clean, CQRSCTL_HOME: homeB, CQRSCTL_CONFIG: configB };

const brokers = [0, 1, 2].map((i) => `127.0.0.1:${port('BROKER_PORT') + 2 * i}`);
const workers = [0, 1].map((i) => `http://127.0.0.1:${port('CONNECT_PORT') + i}`);
const pgUrl = (p: number) => `postgres://postgres:postgres@127.0.0.1:${p}/extern`;
const replicaPorts = [0, 1, 2].map((i) => port('REPLICA_BASE_PORT') + i);

const run = async (env: NodeJS.ProcessEnv, args: string[], timeoutMs = 300_000) => {
  const r = await cli(args, { env, timeoutMs });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
};
const ok = async (env: NodeJS.ProcessEnv, args: string[], timeoutMs?: number) => {
  const r = await run(env, args, timeoutMs);
  assert.equal(r.exitCode, 0, `cqrsctl ${args.join(' ')}:\n${r.all}`);
  return r;
};
const statusOf = async (env: NodeJS.ProcessEnv) => JSON.parse((await run(env, ['status', '--json'], 60_000)).stdout) as StatusReport;
const stateOf = (s: StatusReport, name: string) => s.services.find((x) => x.name === name)?.state;
const admin = (p: number) => postgres({ host: '127.0.0.1', port: p, user: 'postgres', password: 'postgres', database: 'postgres', max: 1 });

/** Stops a process and waits until it is gone. */
async function stop(pid: number, signal: NodeJS.Signals) {
  process.kill(pid, signal);
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`pid ${pid} still runs 30 s after ${signal}`);
}

after(async () => {
  await run(envB, ['down'], 120_000);
  await run(envA, ['down', '--purge'], 180_000);
  rmSync(root, { recursive: true, force: true });
});

test(
  'the external runtime runs the pipeline on a 3-broker, 2-worker cluster it did not start, and down leaves that cluster running',
  { timeout: 1_200_000 },
  async () => {
    // The services: a native stack in home A, then only its services kept (no replicator, write API or connector).
    await run(envA, ['down', '--purge'], 180_000);
    rmSync(root, { recursive: true, force: true });
    await ok(envA, ['up', '--detach', '--broker-count', '3', '--connect-workers', '2'], 600_000);
    const a = await statusOf(envA);
    for (const app of ['replicator', 'write-api']) await stop(a.services.find((x) => x.name === app)!.pid!, 'SIGTERM');
    await ok(envA, ['connector', 'delete']);
    // What an operator of an existing cluster provides: a database on the leader and on each replica.
    for (const p of [port('LEADER_PORT'), ...replicaPorts]) {
      const sql = admin(p);
      await sql`create database extern`;
      await sql.end();
    }

    // B knows these services only from its config file.
    mkdirSync(homeB, { recursive: true });
    writeFileSync(
      configB,
      JSON.stringify({
        runtime: 'external',
        leaderUrl: pgUrl(port('LEADER_PORT')),
        replicaUrls: replicaPorts.map(pgUrl).join(','),
        brokers: brokers.join(','),
        connectUrl: workers.join(','),
        connectorName: 'extern-cdc',
        topicPrefix: 'extern',
        writeApiPort: port('B_WRITE_API_PORT'),
        metricsPort: port('B_METRICS_PORT'),
        dashboardPort: port('B_DASHBOARD_PORT'),
      }),
    );

    const up = await ok(envB, ['up', '--detach'], 600_000);
    assert.match(up.all, /Stack is up \(external runtime\); started write-api, replicator; connector created/);
    // `up` prepared the new database for capture (role, publication) and the connector's topic took the
    // cluster's own replication factor (three copies), not one.
    const leader = postgres(pgUrl(port('LEADER_PORT')), { max: 1 });
    try {
      const [pub] = await leader`select count(*)::int as n from pg_publication where pubname = 'cqrsctl_extern_cdc_pub'`;
      assert.equal(pub!.n, 1, 'the publication exists in the new database');
    } finally {
      await leader.end();
    }

    await ok(envB, ['simulate', '--count', '300', '--via', 'api']);
    await ok(envB, ['verify-replicas', '--wait=180s']);

    const b = await statusOf(envB);
    assert.equal(b.runtime.name, 'external');
    assert.deepEqual(b.problems, [], 'healthy');
    assert.deepEqual(
      b.kafka?.brokers.map((x) => `${x.name} ${x.state} ${x.address}`),
      brokers.map((addr, i) => `broker-${i + 1} up ${addr}`),
    );
    const changes = b.kafka!.partitions.find((p) => p.topic === 'extern.changes');
    assert.equal(changes?.replicas.length, 3, 'the change topic has three copies (the cluster default)');
    for (const name of ['leader', 'replica-1', 'replica-2', 'replica-3', 'broker', 'connect-1', 'connect-2', 'replicator', 'write-api'])
      assert.equal(stateOf(b, name), 'running', name);
    const task = b.connector.tasks[0];
    assert.equal(task?.state, 'RUNNING');
    const worker = b.services.find((x) => x.address === `http://${task.worker}`)?.name;
    assert.match(worker ?? '', /^connect-[12]$/, `the task's worker (${task.worker}) is one of the configured URLs`);
    const text = await ok(envB, ['status']);
    assert.match(text.stdout, new RegExp(`task 0 RUNNING on ${worker}`));
    assert.match(text.stdout, /broker-3 .*running/);

    // down stops what B started (its replicator and write API) and nothing of the cluster; the connector stays
    // registered, so the next `up` resumes from its offsets.
    const down = await ok(envB, ['down']);
    assert.match(down.all, /Stopped write-api, replicator/);
    const afterDown = await statusOf(envB);
    assert.equal(stateOf(afterDown, 'replicator'), 'stopped');
    assert.equal(stateOf(afterDown, 'write-api'), 'stopped');
    const stillA = await statusOf(envA);
    for (const name of ['leader', 'replica-1', 'replica-2', 'replica-3', 'broker-1', 'broker-2', 'broker-3', 'connect-1', 'connect-2'])
      assert.equal(stateOf(stillA, name), 'running', `${name} of the cluster still runs`);
    assert.ok(stillA.kafka?.brokers.every((x) => x.state === 'up'));
    assert.equal((await ok(envB, ['connector', 'status'])).exitCode, 0, 'the connector is kept');

    // With the first configured worker dead, B's Connect requests go to the second.
    await stop(stillA.services.find((x) => x.name === 'connect-1')!.pid!, 'SIGKILL');
    const viaSecond = await run(envB, ['connector', 'status', '--json']);
    assert.notEqual(viaSecond.exitCode, 2, `answered through connect-2:\n${viaSecond.all}`);
    assert.equal((JSON.parse(viaSecond.stdout) as { name: string }).name, 'extern-cdc');
  },
);
