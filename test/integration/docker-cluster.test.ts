import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// kafkajs is CommonJS: Node sees only some of its exports as named ones (not ConfigResourceTypes).
import kafkajs from 'kafkajs';
import { waitUntil } from '../../src/lib/wait.ts';
import { connectEngine } from '../../src/runtime/docker/engine.ts';
import type { StatusReport } from '../../src/stack/status.ts';
import { ownStack, type OwnPorts } from '../helpers/own-stack.ts';

/**
 * The docker runtime running a cluster: three brokers and two Connect workers as containers, in a compose
 * project, state dir and ports of its own (so neither the shared stack nor the native cluster test is
 * touched). DOCKER_CLUSTER_TEST_HOME, DOCKER_CLUSTER_TEST_PROJECT and DOCKER_CLUSTER_TEST_<SETTING> (e.g.
 * DOCKER_CLUSTER_TEST_LEADER_PORT) move it where these defaults are taken.
 */
const defaults: OwnPorts = {
  LEADER_PORT: 23432,
  REPLICA_BASE_PORT: 23433,
  BROKER_PORT: 23092,
  CONTROLLER_PORT: 23093,
  CONNECT_PORT: 23083,
  WRITE_API_PORT: 23080,
  METRICS_PORT: 23464,
  DASHBOARD_PORT: 23190,
};
const project = process.env.DOCKER_CLUSTER_TEST_PROJECT ?? 'cqrsctl-cluster-test';
const { port, run, assertReplicasEqualLeader } = ownStack('DOCKER_CLUSTER_TEST', defaults, {
  CQRSCTL_COMPOSE_PROJECT: project,
  CQRSCTL_RUNTIME: 'docker',
});
const docker = connectEngine();
const byProject = { label: [`com.docker.compose.project=${project}`] };

const status = async () => {
  const r = await run(['status', '--json'], 60_000);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as StatusReport };
};
/** `docker kill`: SIGKILL, and the engine does not restart a container killed so, whatever its policy. */
const kill = (service: string) => docker.getContainer(`${project}-${service}-1`).kill();

/** More writes straight on the leader, then every replica compared with it (rows and definitions). */
async function writeAndVerify(count: number) {
  const sim = await run(['simulate', '--count', String(count), '--via', 'sql', '--rate', '0']);
  assert.equal(sim.exitCode, 0, sim.all);
  await assertReplicasEqualLeader();
}

before(async () => {
  await docker.ping(); // no engine is a failure here, never a skip: .ci/run starts one
  // A stack left by an interrupted run would keep its old settings; start from nothing.
  await run(['down', '--purge'], 180_000);
});
after(async () => {
  await run(['down', '--purge'], 180_000);
});

test('on docker, three brokers and two Connect workers survive a dead worker and a dead broker', { timeout: 1_200_000 }, async () => {
  const up = await run(
    ['up', '--detach', '--broker-count', '3', '--connect-workers', '2', '--replicators', '2', '--partitions', '3'],
    900_000,
  );
  assert.equal(up.exitCode, 0, up.all);
  const containers = await docker.listContainers({ filters: byProject });
  assert.deepEqual(containers.map((c) => c.Labels['com.docker.compose.service']).sort(), [
    'broker-1',
    'broker-2',
    'broker-3',
    'connect-1',
    'connect-2',
    'pg-leader',
    'pg-replica-1',
    'pg-replica-2',
    'pg-replica-3',
  ]);

  let { exitCode, report } = await status();
  assert.equal(exitCode, 0, JSON.stringify(report.problems));
  assert.deepEqual(
    report.kafka?.brokers.map((b) => `${b.name} ${b.state} ${b.address}`),
    [0, 1, 2].map((i) => `broker-${i + 1} up 127.0.0.1:${port('BROKER_PORT') + 2 * i}`),
  );
  const changes = report.kafka!.partitions.find((p) => p.topic === 'leader.changes');
  assert.equal(changes?.replicas.length, 3, 'the change topic has three copies');
  assert.deepEqual(report.kafka!.underReplicated, []);
  const kafka = new kafkajs.Kafka({
    brokers: [`127.0.0.1:${port('BROKER_PORT')}`],
    clientId: 'docker-cluster-test',
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'leader.changes', configNames: ['min.insync.replicas'] }],
    });
    assert.equal(resources[0]?.configEntries[0]?.configValue, '2', 'a write needs two of the three copies');
  } finally {
    await admin.disconnect();
  }
  const task = report.connector.tasks[0];
  assert.equal(task?.state, 'RUNNING');
  const first = task.service;
  assert.match(first ?? '', /^connect-[12]$/, `the task runs on one of the workers (${task.worker})`);
  const text = await run(['status']);
  assert.match(text.stdout, new RegExp(`task 0 RUNNING on ${first} \\(${first}:8083\\)`));
  assert.match(text.stdout, /broker-3 .*running/);

  await writeAndVerify(150);

  // The worker running the task dies: the group gives the connector and its task to the other one.
  await kill(first!);
  const other = first === 'connect-1' ? 'connect-2' : 'connect-1';
  report = await waitUntil(
    'the task to move to the surviving worker',
    async () => {
      const s = (await status()).report;
      const t = s.connector.tasks[0];
      return t?.state === 'RUNNING' && t.service === other ? s : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 2000 },
  );
  assert.equal(report.services.find((x) => x.name === first)?.state, 'stopped');
  await writeAndVerify(150);

  // The broker leading the change topic dies: another copy takes over and writes still reach two replicas.
  const leader = report.kafka!.partitions.find((p) => p.topic === 'leader.changes')!.leader;
  const victim = report.kafka!.brokers.find((b) => b.id === leader)!.name;
  await kill(victim);
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
  assert.equal(report.services.find((x) => x.name === victim)?.state, 'stopped');
  await writeAndVerify(150);
  const moved = (await status()).report.kafka!.partitions.find((p) => p.topic === 'leader.changes')!;
  assert.notEqual(moved.leader, leader, 'another broker leads the change topic');
});

test('down --purge removes every container and volume of the cluster', { timeout: 300_000 }, async () => {
  const before = await docker.listVolumes({ filters: byProject });
  assert.ok(
    ['broker-1-data', 'broker-2-data', 'broker-3-data'].every((k) => before.Volumes.some((v) => v.Name === `${project}_${k}`)),
    `each broker has its volume: ${before.Volumes.map((v) => v.Name).join(', ')}`,
  );
  const down = await run(['down', '--purge'], 180_000);
  assert.equal(down.exitCode, 0, down.all);
  assert.deepEqual(await docker.listContainers({ all: true, filters: byProject }), []);
  assert.deepEqual((await docker.listVolumes({ filters: byProject })).Volumes, []);
});
