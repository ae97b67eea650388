import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { diagnose } from '../../src/stack/problems.ts';
import type { StackStatus } from '../../src/stack/status.ts';

const config = loadConfig({ env: {}, cwd: '/nonexistent' });
const replica = (name: string, extra: Partial<StackStatus['replication'][number]> = {}) => ({
  name,
  appliedEvents: 10,
  lastLsn: '100',
  appliedThrough: '100',
  lagEvents: 0,
  lagMs: 5,
  deadLettered: 0,
  lastDeadLetter: null,
  partitions: [],
  owner: null,
  ...extra,
});

function healthy(): StackStatus {
  return {
    runtime: { name: 'native', reason: 'test' },
    services: ['leader', 'replica-1', 'replica-2', 'broker', 'connect', 'write-api', 'replicator'].map((name) => ({
      name,
      state: 'running' as const,
      address: 'x',
      pid: 1,
    })),
    connector: { name: 'leader-cdc', state: 'RUNNING', tasks: [{ id: 0, state: 'RUNNING' }] },
    slot: {
      name: 'cqrsctl_leader_cdc',
      active: true,
      walStatus: 'reserved',
      walRetainedBytes: 0,
      safeWalBytes: null,
      maxKeepBytes: null,
      warning: null,
    },
    replication: [replica('replica-1'), replica('replica-2')],
    replicators: [],
  };
}

test('a healthy stack has no problems', () => {
  assert.deepEqual(diagnose(healthy(), config), []);
});

test('a paused connector is a problem with the command that resumes it', () => {
  const s = healthy();
  s.connector = { name: 'leader-cdc', state: 'PAUSED', tasks: [{ id: 0, state: 'PAUSED' }] };
  const [p, ...rest] = diagnose(s, config);
  assert.deepEqual(rest, []);
  assert.match(p.reason, /connector leader-cdc is PAUSED/);
  assert.match(p.hint, /cqrsctl connector resume/);
});

test('a failed task shows the first line of its trace', () => {
  const s = healthy();
  s.connector.tasks = [{ id: 0, state: 'FAILED', trace: 'org.postgresql.util.PSQLException: FATAL: slot in use\n\tat x' }];
  const [p] = diagnose(s, config);
  assert.equal(p.reason, 'connector leader-cdc task 0 FAILED: org.postgresql.util.PSQLException: FATAL: slot in use');
  assert.match(p.hint, /cqrsctl connector restart/);
});

test('a replica that does not answer is down, not an error message in a column', () => {
  const s = healthy();
  s.services[2] = { name: 'replica-2', state: 'stopped', address: '127.0.0.1:5434' };
  s.replication[1] = replica('replica-2', { error: 'connect ECONNREFUSED 127.0.0.1:5434', appliedEvents: 0, lagEvents: null });
  const problems = diagnose(s, config);
  assert.deepEqual(
    problems.map((p) => p.subject),
    ['replica-2', 'replica-2'],
  );
  assert.match(problems[0].reason, /replica-2 is not running/);
  assert.match(problems[1].reason, /replica-2 is down \(connect ECONNREFUSED 127\.0\.0\.1:5434\)/);
  assert.match(problems[1].hint, /catches it up on its own/);
});

test('dead letters make the stack unhealthy and say the latest reason', () => {
  const s = healthy();
  s.replication[0] = replica('replica-1', { deadLettered: 3, lastDeadLetter: 'cannot mirror schema change 7 (CREATE INDEX)' });
  const [p] = diagnose(s, config);
  assert.equal(p.reason, 'replica-1 could not apply 3 events (dead-lettered); latest: cannot mirror schema change 7 (CREATE INDEX)');
  assert.match(p.hint, /cqrsctl-dlq\.leader/);
});

test('a stopped Connect explains the unknown connector state by itself', () => {
  const s = healthy();
  s.services[4] = { name: 'connect', state: 'stopped', address: 'x' };
  s.connector = { name: 'leader-cdc', state: 'UNKNOWN', tasks: [], error: 'ECONNREFUSED' };
  assert.deepEqual(
    diagnose(s, config).map((p) => p.reason),
    ['connect is not running'],
  );
});

test('a slot past half of max_slot_wal_keep_size is a problem that names the limit', () => {
  const s = healthy();
  s.slot = {
    name: 'cqrsctl_leader_cdc',
    active: true,
    walStatus: 'extended',
    walRetainedBytes: 600 * 1024 ** 2,
    safeWalBytes: 424 * 1024 ** 2,
    maxKeepBytes: 1024 ** 3,
    warning: 'retained WAL past half',
  };
  const [p, ...rest] = diagnose(s, config);
  assert.deepEqual(rest, []);
  assert.equal(p.subject, 'slot');
  assert.match(p.reason, /cqrsctl_leader_cdc: retained WAL past half/);
  assert.match(p.hint, /max_slot_wal_keep_size/);
});

test('an under-replicated partition is a problem naming the brokers out of sync', () => {
  const s = healthy();
  const partition = { topic: 'leader.changes', partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3] };
  s.kafka = {
    brokers: [1, 2, 3].map((id) => ({ id, name: `broker-${id}`, address: 'x', state: id === 2 ? ('down' as const) : ('up' as const) })),
    partitions: [partition],
    underReplicated: [partition],
  };
  const problems = diagnose(s, config);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.reason, /1 partition is under-replicated \(broker 2 out of sync\)/);
});
