import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCompose, parsePort, toArgv } from '../../src/runtime/docker/compose-file.ts';
import { parseDuration } from '../../src/runtime/docker/duration.ts';
import { composeFile, offlineOverrideFile } from '../../src/runtime/docker/paths.ts';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.ts';
import { composeVariables, selectServices } from '../../src/runtime/docker/services.ts';
import { createNativeRuntime } from '../../src/runtime/native/index.ts';
import { containerName, startOrder, toContainer } from '../../src/runtime/docker/translate.ts';
import { loadConfig } from '../../src/config/load.ts';
import { CqrsError } from '../../src/errors.ts';

// A config with the test ports, independent of the developer's environment.
const config = loadConfig({
  env: {
    CQRSCTL_LEADER_PORT: '5832',
    CQRSCTL_REPLICA_BASE_PORT: '5833',
    CQRSCTL_BROKER_PORT: '19492',
    CQRSCTL_CONNECT_PORT: '8483',
    CQRSCTL_COMPOSE_PROJECT: 'CqrsDev',
  },
  cwd: tmpdir(),
});
const load = (files: string[]) =>
  selectServices(loadCompose(files, { env: composeVariables(config), projectName: config.settings.composeProject }), config);

test('the stack file: normalized project name, services, volumes, network names', () => {
  const p = load([composeFile]);
  assert.equal(p.name, 'cqrsdev');
  assert.deepEqual(Object.keys(p.services), ['pg-leader', 'pg-replica-1', 'pg-replica-2', 'pg-replica-3', 'redpanda', 'connect']);
  assert.equal(p.volumes['leader-data'], 'cqrsdev_leader-data');
  assert.equal(p.networks.default, 'cqrsdev_default');
  assert.deepEqual(startOrder(p).slice(-1), ['connect']);
  assert.ok(startOrder(p).indexOf('redpanda') < startOrder(p).indexOf('connect'));
});

test('ports come from the config through interpolation, on the loopback address', () => {
  const p = load([composeFile]);
  assert.deepEqual(p.services['pg-leader'].ports, [{ hostIp: '127.0.0.1', hostPort: '5832', containerPort: '5432', protocol: 'tcp' }]);
  assert.equal(p.services['pg-replica-3'].ports[0].hostPort, '5835');
  assert.equal(p.services.connect.ports[0].hostPort, '8483');
  assert.ok(p.services.redpanda.command!.includes('internal://redpanda:9092,external://127.0.0.1:19492'));
});

test('YAML merge keys give every postgres service the shared environment and healthcheck', () => {
  const p = load([composeFile]);
  const r = p.services['pg-replica-2'];
  assert.equal(r.environment.POSTGRES_DB, 'cqrs');
  assert.deepEqual(r.healthcheck?.test.slice(0, 1), ['CMD-SHELL']);
  assert.match(r.healthcheck!.test[1], /\$POSTGRES_USER/); // $$ became $ for the container's shell
  assert.equal(r.healthcheck?.intervalNs, 2e9);
  assert.equal(r.healthcheck?.startPeriodNs, 60e9);
});

test('the offline override swaps only the images', () => {
  const up = load([composeFile]);
  const off = load([composeFile, offlineOverrideFile]);
  for (const key of Object.keys(up.services)) {
    assert.notEqual(off.services[key].image, up.services[key].image);
    assert.deepEqual({ ...off.services[key], image: '' }, { ...up.services[key], image: '' });
  }
  assert.equal(off.services.redpanda.image, 'cqrsctl/kafka:4.3.1');
  assert.deepEqual(off.configFiles, [composeFile, offlineOverrideFile]);
});

test('fewer replicas leave the others out; more than the file has is an error', () => {
  const two = loadConfig({ env: { CQRSCTL_REPLICAS: '2' }, cwd: tmpdir() });
  const p = selectServices(loadCompose([composeFile], { env: composeVariables(two) }), two);
  assert.ok(!('pg-replica-3' in p.services));
  const five = loadConfig({ env: { CQRSCTL_REPLICAS: '5' }, cwd: tmpdir() });
  assert.throws(() => selectServices(loadCompose([composeFile], { env: composeVariables(five) }), five), CqrsError);
});

test('container body: compose names, labels, ports, mounts, health in ns, aliases', () => {
  const p = load([composeFile]);
  const body = toContainer(p, p.services.connect, 'sha256:abc');
  assert.equal(body.name, 'cqrsdev-connect-1');
  assert.equal(containerName('cqrsdev', 'pg-leader'), 'cqrsdev-pg-leader-1');
  const l = body.Labels!;
  assert.equal(l['com.docker.compose.project'], 'cqrsdev');
  assert.equal(l['com.docker.compose.service'], 'connect');
  assert.equal(l['com.docker.compose.container-number'], '1');
  assert.equal(l['com.docker.compose.oneoff'], 'False');
  assert.equal(l['com.docker.compose.depends_on'], 'redpanda:service_healthy:false,pg-leader:service_healthy:false');
  assert.equal(l['com.docker.compose.project.config_files'], composeFile);
  assert.match(l['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
  assert.deepEqual(body.HostConfig!.PortBindings, { '8083/tcp': [{ HostIp: '127.0.0.1', HostPort: '8483' }] });
  assert.deepEqual(body.NetworkingConfig!.EndpointsConfig!.cqrsdev_default.Aliases, ['cqrsdev-connect-1', 'connect']);
  assert.equal(body.Healthcheck!.Interval, 2e9);
  assert.equal(body.HostConfig!.RestartPolicy!.Name, 'unless-stopped');
  assert.ok(body.Env!.includes('BOOTSTRAP_SERVERS=redpanda:9092'));

  const leader = toContainer(p, p.services['pg-leader'], 'sha256:abc');
  assert.deepEqual(leader.HostConfig!.Mounts, [
    { Type: 'volume', Source: 'cqrsdev_leader-data', Target: '/var/lib/postgresql/data', ReadOnly: false },
  ]);
  assert.equal(leader.StopSignal, 'SIGINT');
  assert.deepEqual(leader.Cmd!.slice(0, 3), ['postgres', '-c', 'wal_level=logical']);
});

test('the config hash is stable and follows the definition and the image', () => {
  const p = load([composeFile]);
  const h = (id: string, svc = p.services['pg-leader']) => toContainer(p, svc, id).Labels!['com.docker.compose.config-hash'];
  assert.equal(h('sha256:a'), h('sha256:a'));
  assert.notEqual(h('sha256:a'), h('sha256:b'));
  assert.notEqual(h('sha256:a'), h('sha256:a', { ...p.services['pg-leader'], environment: { X: '1' } }));
});

test('port, command and duration syntax', () => {
  assert.deepEqual(parsePort('8080', 's'), { hostIp: '', hostPort: '', containerPort: '8080', protocol: 'tcp' });
  assert.deepEqual(parsePort('1:2/udp', 's'), { hostIp: '', hostPort: '1', containerPort: '2', protocol: 'udp' });
  assert.deepEqual(parsePort({ target: 5432, published: 6543, host_ip: '127.0.0.1' }, 's'), {
    hostIp: '127.0.0.1',
    hostPort: '6543',
    containerPort: '5432',
    protocol: 'tcp',
  });
  assert.throws(() => parsePort('127.0.0.1::5432x', 's'), CqrsError);
  assert.deepEqual(toArgv(`sh -c "echo 'a b'" x`), ['sh', '-c', "echo 'a b'", 'x']);
  assert.equal(parseDuration('1m30s', 'x'), 90e9);
  assert.equal(parseDuration('500ms', 'x'), 5e8);
  assert.throws(() => parseDuration('10', 'x'), CqrsError);
});

test('.env beside the compose file feeds interpolation; the environment wins; ${VAR:?} fails loudly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-compose-'));
  writeFileSync(join(dir, '.env'), 'TAG=from-dotenv\nPORT=1111\n');
  writeFileSync(
    join(dir, 'compose.yml'),
    'services:\n  s:\n    image: "img:${TAG}"\n    ports: ["${PORT}:80"]\n    command: echo $$HOME\n    depends_on: [t]\n  t:\n    image: "${NEED:?NEED must be set}"\n',
  );
  assert.throws(() => loadCompose([join(dir, 'compose.yml')], { env: {} }), /NEED must be set/);
  const p = loadCompose([join(dir, 'compose.yml')], { env: { PORT: '2222', NEED: 'x' } });
  assert.equal(
    p.name,
    p.workingDir
      .split('/')
      .pop()!
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, ''),
  );
  assert.equal(p.services.s.image, 'img:from-dotenv');
  assert.equal(p.services.s.ports[0].hostPort, '2222');
  assert.deepEqual(p.services.s.command, ['echo', '$HOME']);
  assert.deepEqual(p.services.s.dependsOn, [{ service: 't', condition: 'service_started', restart: false }]);
  assert.deepEqual(startOrder(p), ['t', 's']);
});

test('one broker and one worker are the file’s services, with the native runtime’s JVM options', () => {
  const p = load([composeFile]);
  assert.equal(p.services.redpanda.environment.KAFKA_HEAP_OPTS, '-Xms32m -Xmx512m');
  assert.match(p.services.redpanda.environment.KAFKA_JVM_PERFORMANCE_OPTS ?? '', /-XX:\+UseSerialGC/);
  assert.equal(p.services.connect.environment.HEAP_OPTS, '-Xms32m -Xmx512m');
  assert.equal(p.services.connect.environment.CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR, '1');
  assert.equal(p.services.redpanda.environment.CLUSTER_ID, undefined);
  assert.equal(p.services.connect.environment.ADVERTISED_HOST_NAME, undefined);
});

test('a cluster: broker-N with its own addresses, seeds and volume; connect-N in one group on their own ports', () => {
  const cluster = loadConfig({
    env: {
      CQRSCTL_HOME: mkdtempSync(join(tmpdir(), 'cqrsctl-cluster-')),
      CQRSCTL_BROKER_PORT: '19492',
      CQRSCTL_CONNECT_PORT: '8483',
      CQRSCTL_BROKER_COUNT: '3',
      CQRSCTL_CONNECT_WORKERS: '2',
    },
    cwd: tmpdir(),
  });
  const shape = () => selectServices(loadCompose([composeFile], { env: composeVariables(cluster) }), cluster);
  const p = shape();
  assert.deepEqual(Object.keys(p.services), [
    'pg-leader',
    'pg-replica-1',
    'pg-replica-2',
    'pg-replica-3',
    'broker-1',
    'broker-2',
    'broker-3',
    'connect-1',
    'connect-2',
  ]);
  const broker = p.services['broker-2'];
  const flag = (name: string) => broker.command![broker.command!.indexOf(name) + 1];
  assert.equal(flag('--advertise-kafka-addr'), 'internal://broker-2:9092,external://127.0.0.1:19494');
  assert.equal(flag('--advertise-rpc-addr'), 'broker-2:33145');
  assert.equal(flag('--seeds'), 'broker-1:33145,broker-2:33145,broker-3:33145');
  assert.deepEqual(
    broker.ports.map((x) => `${x.hostPort}:${x.containerPort}`),
    ['19494:19092'],
  );
  assert.deepEqual(
    broker.mounts.map((m) => m.source),
    ['broker-2-data'],
  );
  assert.equal(p.volumes['broker-2-data'], `${p.name}_broker-2-data`);
  assert.equal(broker.healthcheck?.startPeriodNs, 3 * 60e9, 'three nodes starting together get three start periods');
  assert.equal(broker.environment.KAFKA_DEFAULT_REPLICATION_FACTOR, '3');
  assert.equal(broker.environment.KAFKA_MIN_INSYNC_REPLICAS, '2');
  assert.match(broker.environment.CLUSTER_ID ?? '', /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  assert.equal(p.services['broker-1'].environment.CLUSTER_ID, broker.environment.CLUSTER_ID, 'one cluster id');
  assert.equal(shape().services['broker-3'].environment.CLUSTER_ID, broker.environment.CLUSTER_ID, 'kept across loads');

  const worker = p.services['connect-2'];
  assert.equal(worker.ports[0].hostPort, '8484');
  assert.equal(worker.environment.BOOTSTRAP_SERVERS, 'broker-1:9092,broker-2:9092,broker-3:9092');
  assert.equal(worker.environment.ADVERTISED_HOST_NAME, 'connect-2');
  assert.equal(worker.environment.GROUP_ID, p.services['connect-1'].environment.GROUP_ID);
  assert.equal(worker.environment.CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR, '3');
  assert.deepEqual(worker.dependsOn.map((d) => `${d.service}:${d.condition}`).sort(), [
    'broker-1:service_healthy',
    'broker-2:service_healthy',
    'broker-3:service_healthy',
    'pg-leader:service_healthy',
  ]);
  const order = startOrder(p);
  assert.ok(order.indexOf('broker-3') < order.indexOf('connect-1'));
});

test('status names the worker Connect reports by its service, on both runtimes', () => {
  const cluster = loadConfig({ env: { CQRSCTL_CONNECT_PORT: '8483', CQRSCTL_CONNECT_WORKERS: '2' }, cwd: tmpdir() });
  assert.equal(createDockerRuntime(cluster).connectWorkerOf!('connect-2:8083'), 'connect-2');
  assert.equal(createNativeRuntime(cluster).connectWorkerOf!('127.0.0.1:8484'), 'connect-2');
  assert.equal(createNativeRuntime(cluster).connectWorkerOf!('127.0.0.1:9999'), undefined);
  assert.equal(createDockerRuntime(config).connectWorkerOf!('172.18.0.7:8083'), 'connect');
});
