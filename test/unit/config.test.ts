import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { envName } from '../../src/config/settings.ts';
import { CqrsError } from '../../src/errors.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'cqrsctl-config-'));

test('defaults are the seed ports', () => {
  const c = loadConfig({ env: {}, cwd: dir() });
  assert.equal(c.leader.port, 5432);
  assert.deepEqual(c.replicas.map((r) => [r.name, r.port]), [['replica-1', 5433], ['replica-2', 5434], ['replica-3', 5435]]);
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
  assert.match(err(() => loadConfig({ env: { CQRSCTL_LEADER_PORT: 'abc' }, cwd })), /CQRSCTL_LEADER_PORT: "abc" is not a TCP port/);
  assert.match(err(() => loadConfig({ env: {}, cwd, flags: { runtime: 'podman' } })), /--runtime: "podman" is not one of auto, docker, native, external/);
  writeFileSync(join(cwd, 'cqrsctl.config.json'), '{"leaderPort": 1, "nope": 2}');
  assert.match(err(() => loadConfig({ env: {}, cwd })), /unknown setting "nope"/);
  writeFileSync(join(cwd, 'cqrsctl.config.json'), '{oops');
  assert.match(err(() => loadConfig({ env: {}, cwd })), /not valid JSON/);
});

test('external URLs become endpoints; a bad URL does not echo its password', () => {
  const c = loadConfig({ env: { CQRSCTL_LEADER_URL: 'postgres://u:s3cret@db.example:6543/app', CQRSCTL_REPLICA_URLS: 'postgres://u:p@r1/app, postgres://u:p@r2:7000/app' }, cwd: dir() });
  assert.deepEqual([c.leader.host, c.leader.port, c.leader.user, c.leader.password, c.leader.database], ['db.example', 6543, 'u', 's3cret', 'app']);
  assert.deepEqual(c.replicas.map((r) => `${r.name}@${r.host}:${r.port}`), ['replica-1@r1:5432', 'replica-2@r2:7000']);
  assert.throws(() => loadConfig({ env: { CQRSCTL_LEADER_URL: 'mysql://u:s3cret@h/db' }, cwd: dir() }), (e: Error) => !e.message.includes('s3cret') && /not a postgres:\/\/ URL/.test(e.message));
});
