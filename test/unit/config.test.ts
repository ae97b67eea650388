import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerNodes, replication } from '../../src/config/config.ts';
import { loadConfig } from '../../src/config/load.ts';
import { envName } from '../../src/config/settings.ts';
import { CqrsError } from '../../src/errors.ts';
import { writeStackRecordIn } from '../../src/config/stack-record.ts';
import { selectRuntime } from '../../src/runtime/select.ts';
import { asRunning, stackConflictError } from '../../src/stack/settings-check.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'cqrsctl-config-'));

test('defaults are the seed ports', () => {
  const c = loadConfig({ env: {}, cwd: dir() });
  assert.equal(c.leader.port, 5432);
  assert.deepEqual(
    c.replicas.map((r) => [r.name, r.port]),
    [
      ['replica-1', 5433],
      ['replica-2', 5434],
      ['replica-3', 5435],
    ],
  );
  assert.deepEqual(c.brokers, ['127.0.0.1:19092']);
  assert.equal(c.connectUrl, 'http://127.0.0.1:8083');
  assert.equal(c.writeApiUrl, 'http://127.0.0.1:8080');
});

test('file < env < flags, each overriding the one before', () => {
  const cwd = dir();
  writeFileSync(join(cwd, 'cqrsctl.config.json'), JSON.stringify({ leaderPort: 6000, replicas: 2, connectPort: 9000 }));
  const fileOnly = loadConfig({ env: {}, cwd });
  assert.equal(fileOnly.leader.port, 6000);
  assert.equal(fileOnly.replicas.length, 2);
  const withEnv = loadConfig({ env: { CQRSCTL_LEADER_PORT: '6001' }, cwd });
  assert.equal(withEnv.leader.port, 6001);
  assert.equal(withEnv.settings.connectPort, 9000);
  const withFlag = loadConfig({ env: { CQRSCTL_LEADER_PORT: '6001' }, cwd, flags: { leaderPort: '6002' } });
  assert.equal(withFlag.leader.port, 6002);
});

test('env names are CQRSCTL_ plus the setting in SCREAMING_SNAKE case', () => {
  assert.equal(envName('replicaBasePort'), 'CQRSCTL_REPLICA_BASE_PORT');
  assert.equal(envName('home'), 'CQRSCTL_HOME');
});

test('home and cache resolve to absolute paths, ~ to the home directory', () => {
  const cwd = dir();
  const c = loadConfig({ env: { CQRSCTL_HOME: 'state', CQRSCTL_CACHE: '~/x' }, cwd });
  assert.equal(c.settings.home, join(cwd, 'state'));
  assert.match(c.settings.cache, /^\/.*\/x$/);
});

test('bad values are usage errors naming their source', () => {
  const cwd = dir();
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof CqrsError);
      assert.equal(e.exitCode, 2);
      return e.message;
    }
    assert.fail('expected an error');
  };
  assert.match(
    err(() => loadConfig({ env: { CQRSCTL_LEADER_PORT: 'abc' }, cwd })),
    /CQRSCTL_LEADER_PORT: "abc" is not a TCP port/,
  );
  assert.match(
    err(() => loadConfig({ env: {}, cwd, flags: { runtime: 'podman' } })),
    /--runtime: "podman" is not one of auto, docker, native, external/,
  );
  writeFileSync(join(cwd, 'cqrsctl.config.json'), '{"leaderPort": 1, "nope": 2}');
  assert.match(
    err(() => loadConfig({ env: {}, cwd })),
    /unknown setting "nope"/,
  );
  writeFileSync(join(cwd, 'cqrsctl.config.json'), '{oops');
  assert.match(
    err(() => loadConfig({ env: {}, cwd })),
    /not valid JSON/,
  );
});

test('external URLs become endpoints; a bad URL does not echo its password', () => {
  const c = loadConfig({
    env: {
      CQRSCTL_LEADER_URL: 'postgres://u:s3cret@db.example:6543/app',
      CQRSCTL_REPLICA_URLS: 'postgres://u:p@r1/app, postgres://u:p@r2:7000/app',
    },
    cwd: dir(),
  });
  assert.deepEqual(
    [c.leader.host, c.leader.port, c.leader.user, c.leader.password, c.leader.database],
    ['db.example', 6543, 'u', 's3cret', 'app'],
  );
  assert.deepEqual(
    c.replicas.map((r) => `${r.name}@${r.host}:${r.port}`),
    ['replica-1@r1:5432', 'replica-2@r2:7000'],
  );
  assert.throws(
    () => loadConfig({ env: { CQRSCTL_LEADER_URL: 'mysql://u:s3cret@h/db' }, cwd: dir() }),
    (e: Error) => !e.message.includes('s3cret') && /not a postgres:\/\/ URL/.test(e.message),
  );
});

test('the settings the running stack was started with replace defaults; explicit values that differ are conflicts', () => {
  const home = dir();
  writeStackRecordIn(home, {
    runtime: 'native',
    reason: 'selected with --runtime native',
    since: 'now',
    settings: { leaderPort: 6432, replicas: 2, connectPort: 9083 },
  });
  const plain = loadConfig({ env: { CQRSCTL_HOME: home }, cwd: dir() });
  assert.equal(plain.leader.port, 6432);
  assert.equal(plain.replicas.length, 2);
  assert.equal(plain.sources.leaderPort.kind, 'stack');
  assert.deepEqual(plain.stack?.conflicts, []);

  const same = loadConfig({ env: { CQRSCTL_HOME: home, CQRSCTL_LEADER_PORT: '6432' }, cwd: dir() });
  assert.deepEqual(same.stack?.conflicts, []);

  const other = loadConfig({
    env: { CQRSCTL_HOME: home, CQRSCTL_REPLICAS: '3', CQRSCTL_RUNTIME: 'docker' },
    flags: { leaderPort: '7432' },
    cwd: dir(),
  });
  assert.deepEqual(other.stack?.conflicts, [
    { name: 'leaderPort', running: 6432, asked: 7432, from: '--leader-port' },
    { name: 'replicas', running: 2, asked: 3, from: 'CQRSCTL_REPLICAS' },
    { name: 'runtime', running: 'native', asked: 'docker', from: 'CQRSCTL_RUNTIME' },
  ]);
  assert.equal(other.leader.port, 7432, 'the asked value is what the command would use');
  const running = asRunning(other);
  assert.equal(running.leader.port, 6432);
  assert.equal(running.replicas.length, 2);
  assert.equal(running.settings.runtime, 'native');
  assert.match(
    stackConflictError(other).message,
    /leaderPort 6432 \(--leader-port asks for 7432\), replicas 2 \(CQRSCTL_REPLICAS asks for 3\)/,
  );
  assert.match(stackConflictError(other).hint!, /cqrsctl down`, then `cqrsctl up --leader-port 7432 --replicas 3 --runtime docker`/);
});

test('a runtime kept from the stack record is explained once, however often up ran', async () => {
  const home = dir();
  writeStackRecordIn(home, { runtime: 'native', reason: 'selected with --runtime native', since: 'now', settings: {} });
  const runtime = await selectRuntime(loadConfig({ env: { CQRSCTL_HOME: home }, cwd: dir() }));
  assert.equal(runtime.name, 'native');
  assert.equal(runtime.reason, `auto: the stack in ${home} runs on native (selected with --runtime native)`);
  const fromEnv = await selectRuntime(loadConfig({ env: { CQRSCTL_HOME: dir(), CQRSCTL_RUNTIME: 'native' }, cwd: dir() }));
  assert.equal(fromEnv.reason, 'selected with CQRSCTL_RUNTIME=native');
});

test('sources say where each value came from', () => {
  const cwd = dir();
  writeFileSync(join(cwd, 'cqrsctl.config.json'), JSON.stringify({ replicas: 2 }));
  const c = loadConfig({ env: { CQRSCTL_CONNECT_PORT: '9000' }, flags: { leaderPort: '7000' }, cwd });
  assert.deepEqual(
    [c.sources.replicas.label, c.sources.connectPort.label, c.sources.leaderPort.label, c.sources.brokerPort.label],
    ['"replicas" in cqrsctl.config.json', 'CQRSCTL_CONNECT_PORT', '--leader-port', 'default'],
  );
});

test('--broker-count and --connect-workers: each broker a port pair, each worker the next port, replication up to three', () => {
  const c = loadConfig({ env: {}, cwd: dir(), flags: { brokerCount: '3', connectWorkers: '2' } });
  assert.deepEqual(
    brokerNodes(c.settings).map((b) => [b.name, b.id, b.port, b.controllerPort]),
    [
      ['broker-1', 1, 19092, 19093],
      ['broker-2', 2, 19094, 19095],
      ['broker-3', 3, 19096, 19097],
    ],
  );
  assert.deepEqual(c.brokers, ['127.0.0.1:19092', '127.0.0.1:19094', '127.0.0.1:19096']);
  assert.deepEqual(c.connectUrls, ['http://127.0.0.1:8083', 'http://127.0.0.1:8084']);
  assert.deepEqual(replication(c.settings), { factor: 3, minInsync: 2 });
  const two = loadConfig({ env: { CQRSCTL_BROKER_COUNT: '2' }, cwd: dir() });
  assert.deepEqual(replication(two.settings), { factor: 2, minInsync: 1 });
  const five = loadConfig({ env: { CQRSCTL_BROKER_COUNT: '5' }, cwd: dir() });
  assert.deepEqual(replication(five.settings), { factor: 3, minInsync: 2 });
  const one = loadConfig({ env: {}, cwd: dir() });
  assert.deepEqual(
    brokerNodes(one.settings).map((b) => b.name),
    ['broker'],
  );
  assert.deepEqual(replication(one.settings), { factor: 1, minInsync: 1 });
  assert.throws(() => loadConfig({ env: {}, cwd: dir(), flags: { brokerCount: '0' } }), /not a valid count/);
});

test('external runtime: brokers and connectUrl take comma-separated lists (a cluster, the workers of one group)', () => {
  const c = loadConfig({
    env: {
      CQRSCTL_BROKERS: 'k1:9092, k2:9092,k3:9092',
      CQRSCTL_CONNECT_URL: 'http://c1:8083/, http://c2:8083',
    },
    cwd: dir(),
  });
  assert.deepEqual(c.brokers, ['k1:9092', 'k2:9092', 'k3:9092']);
  assert.deepEqual(c.connectUrls, ['http://c1:8083', 'http://c2:8083']);
  assert.equal(c.connectUrl, 'http://c1:8083');
});
