import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../src/config/load.ts';
import { pgClient } from '../../src/pg/client.ts';
import { connectEngine } from '../../src/runtime/docker/engine.ts';
import { buildOfflineImages } from '../../src/runtime/docker/build/offline-images.ts';
import { silentProgress } from '../../src/progress.ts';
import type { StatusReport } from '../../src/stack/status.ts';
import { cli } from '../helpers/cli.ts';
import { startDashboardProcess } from '../helpers/dashboard.ts';
import { migrationSteps } from '../helpers/migration-steps.ts';
import { assertSchemaMirrored, databases, transfersWhile } from './replicator-support.ts';
import { setTimeout as sleep } from 'node:timers/promises';

// The docker runtime end to end on a real engine, through the real binary. Settings (ports, project)
// come from CQRSCTL_* like every integration test; the stack is taken down (--purge) at the end.
const config = loadConfig();
const project = config.settings.composeProject;
const docker = connectEngine();
const byProject = { label: [`com.docker.compose.project=${project}`] };
const keys = ['pg-leader', ...config.replicas.map((r) => `pg-${r.name}`), 'redpanda', 'connect'];

before(async () => {
  await docker.ping(); // no engine is a failure here, never a skip: .ci/run starts one
  // Whatever stack this state dir runs (the native one of the other suites) holds the same ports.
  await cli(['down']);
  await cli(['down', '--runtime', 'docker', '--purge']);
});
after(async () => {
  await cli(['down', '--runtime', 'docker', '--purge']);
});

test('images build with nothing changed is skipped quickly', async () => {
  const started = Date.now();
  const results = await buildOfflineImages(config, silentProgress);
  assert.deepEqual(
    results.map((r) => r.action),
    ['up to date', 'up to date', 'up to date', 'up to date'],
    'run `cqrsctl images build` before these tests',
  );
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('up --runtime docker brings every service healthy and the connector RUNNING', { timeout: 600_000 }, async () => {
  const r = await cli(['up', '--runtime', 'docker', '--detach'], { timeoutMs: 600_000 });
  assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  for (const key of keys) {
    const info = await docker.getContainer(`${project}-${key}-1`).inspect();
    assert.equal(info.State.Health?.Status, 'healthy', key);
  }
  const status = await cli(['status', '--json']);
  assert.equal(status.exitCode, 0, status.stderr);
  const json = JSON.parse(status.stdout);
  assert.equal(json.connector.state, 'RUNNING');
  assert.deepEqual(
    json.connector.tasks.map((t: { state: string }) => t.state),
    ['RUNNING'],
  );
});

test('on docker too, the dashboard serves what status --json says', { timeout: 180_000 }, async () => {
  const dashboard = await startDashboardProcess(config);
  try {
    const { status: shown } = await dashboard.state();
    const r = await cli(['status', '--json']);
    const status = JSON.parse(r.stdout) as StatusReport;
    assert.equal(shown?.runtime.name, 'docker');
    assert.deepEqual(
      shown.services.map((s) => [s.name, s.state]),
      status.services.map((s) => [s.name, s.state]),
    );
    assert.equal(shown.connector.state, status.connector.state);
    assert.deepEqual(
      shown.replication.map((x) => [x.name, x.deadLettered, x.error ?? null]),
      status.replication.map((x) => [x.name, x.deadLettered, x.error ?? null]),
    );
    const page = await fetch(dashboard.url);
    assert.match(await page.text(), /<svg id="lag-chart"/);
  } finally {
    assert.equal(await dashboard.stop(), 0);
  }
});

test('containers, networks and volumes carry the labels docker compose writes', async () => {
  const containers = await docker.listContainers({ all: true, filters: byProject });
  assert.deepEqual(containers.map((c) => c.Labels['com.docker.compose.service']).sort(), [...keys].sort());
  for (const c of containers) {
    const l = c.Labels;
    const key = l['com.docker.compose.service'];
    assert.equal(c.Names[0], `/${project}-${key}-1`);
    assert.equal(l['com.docker.compose.container-number'], '1');
    assert.equal(l['com.docker.compose.oneoff'], 'False');
    assert.match(l['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    assert.match(l['com.docker.compose.project.config_files'], /compose\/docker-compose\.yml/);
    assert.match(l['com.docker.compose.project.working_dir'], /\/compose$/);
    assert.ok(l['com.docker.compose.version']);
    assert.match(l['com.docker.compose.image'], /^sha256:/);
    if (key === 'connect')
      assert.equal(l['com.docker.compose.depends_on'], 'redpanda:service_healthy:false,pg-leader:service_healthy:false');
  }
  const networks = await docker.listNetworks({ filters: byProject });
  assert.deepEqual(
    networks.map((n) => [n.Name, n.Labels?.['com.docker.compose.network']]),
    [[`${project}_default`, 'default']],
  );
  assert.ok(!networks[0].Labels?.['com.docker.compose.config-hash'], 'no config-hash on networks');
  const { Volumes } = await docker.listVolumes({ filters: byProject });
  const volumeKeys = ['leader-data', ...config.replicas.map((r) => `${r.name}-data`), 'broker-data'];
  assert.deepEqual(Volumes.map((v) => v.Name).sort(), volumeKeys.map((k) => `${project}_${k}`).sort());
  for (const v of Volumes) assert.equal(v.Labels!['com.docker.compose.volume'], v.Name.slice(project.length + 1));
});

test('a row inserted on the leader arrives on the broker as a change event', { timeout: 120_000 }, async () => {
  const table = `docker_probe_${process.pid}`;
  const sql = pgClient(config.leader);
  try {
    await sql.unsafe(`create table if not exists ${table} (id int primary key, note text)`);
    await sql.unsafe(`insert into ${table} values (1, 'through docker') on conflict do nothing`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  const kafka = new Kafka({ brokers: config.brokers, clientId: 'docker-test', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `docker-test-${process.pid}` });
  await consumer.connect();
  try {
    const topic = `${config.settings.topicPrefix}.changes`;
    const got = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event on ${topic} within 90s`)), 90_000);
      const subscribe = async () => {
        for (let i = 0; ; i++) {
          try {
            await consumer.subscribe({ topic, fromBeginning: true });
            return;
          } catch (e) {
            if (i > 90) throw e;
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      };
      subscribe()
        .then(() =>
          consumer.run({
            eachMessage: async ({ message }) => {
              if (String(message.value).includes('through docker')) {
                clearTimeout(timer);
                resolve(String(message.value));
              }
            },
          }),
        )
        .catch(reject);
    });
    assert.match(got, /through docker/);
  } finally {
    await consumer.disconnect();
  }
});

test(
  'the replicator (started by up --detach) brings that row to every replica, and verify-replicas agrees',
  { timeout: 180_000 },
  async () => {
    const table = `docker_probe_${process.pid}`;
    for (const replica of config.replicas) {
      const sql = pgClient(replica);
      try {
        let note: string | undefined;
        for (let i = 0; i < 120 && note === undefined; i++) {
          const exists = (await sql`select to_regclass(${'public.' + table}) is not null as ok`)[0].ok;
          if (exists) note = (await sql.unsafe(`select note from public.${table} where id = 1`))[0]?.note;
          if (note === undefined) await new Promise((r) => setTimeout(r, 500));
        }
        assert.equal(note, 'through docker', `${replica.name} never got the row`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    }
    const verify = await cli(['verify-replicas', '--wait=90s', '--table', `public.${table}`]);
    assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
  },
);

test(
  'on docker too, every migration of the suite reaches the replicas in commit order, definitions and rows equal',
  { timeout: 600_000 },
  async () => {
    const dbs = databases(config);
    const started = new Date();
    try {
      for (const step of migrationSteps('mig_docker')) {
        await dbs.leader.unsafe(step.sql);
        await assertSchemaMirrored(dbs, 'mig_docker', step.name, started);
      }
    } finally {
      await dbs.end();
    }
  },
);

test('on docker too, a reader of a replica never sees half of a leader transaction', { timeout: 180_000 }, async () => {
  const dbs = databases(config);
  const started = new Date();
  try {
    const { bank, transfers, reads } = await transfersWhile(dbs, () => sleep(8000));
    assert.ok(transfers > 200 && reads.total > 100, `${transfers} transfers, ${reads.total} reads`);
    assert.deepEqual(reads.torn, [], `${reads.torn.length} of ${reads.total} reads saw a state the leader never had`);
    await assertSchemaMirrored(dbs, bank, 'transfers', started);
  } finally {
    await dbs.end();
  }
});

test("logs connect shows Kafka Connect's log", async () => {
  const r = await cli(['logs', 'connect', '--tail', '200']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /org\.apache\.kafka\.connect|Kafka Connect/);
});

test('a second up is a fast no-op', { timeout: 120_000 }, async () => {
  const ids = (await docker.listContainers({ filters: byProject })).map((c) => c.Id).sort();
  const started = Date.now();
  const r = await cli(['up', '--runtime', 'docker', '--detach']);
  const ms = Date.now() - started;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /nothing to do|already running/i);
  assert.deepEqual((await docker.listContainers({ filters: byProject })).map((c) => c.Id).sort(), ids, 'no container recreated');
  assert.ok(ms < 15_000, `second up took ${ms} ms`);
});

// The compose CLI (v2) is not packaged for Debian, so this asserts what `docker compose ps` itself asks the
// engine: containers with the project label, a config-hash label and oneoff=False.
test('the query docker compose ps runs lists every service of the stack', async () => {
  const listed = await docker.listContainers({
    filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.config-hash', 'com.docker.compose.oneoff=False'] },
  });
  assert.deepEqual(listed.map((c) => c.Labels['com.docker.compose.service']).sort(), [...keys].sort());
});

test('down removes containers and networks and keeps volumes; down --purge removes volumes', { timeout: 180_000 }, async () => {
  const down = await cli(['down', '--runtime', 'docker']);
  assert.equal(down.exitCode, 0, down.stderr);
  assert.deepEqual(await docker.listContainers({ all: true, filters: byProject }), []);
  assert.deepEqual(await docker.listNetworks({ filters: byProject }), []);
  assert.ok((await docker.listVolumes({ filters: byProject })).Volumes.length > 0, 'data kept without --purge');
  const purge = await cli(['down', '--runtime', 'docker', '--purge']);
  assert.equal(purge.exitCode, 0, purge.stderr);
  assert.deepEqual((await docker.listVolumes({ filters: byProject })).Volumes, []);
  const again = await cli(['down', '--runtime', 'docker', '--purge']);
  assert.equal(again.exitCode, 0, `down twice: ${again.stderr}`);
});
