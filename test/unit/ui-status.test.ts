import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { renderStatus } from '../../src/commands/status.ts';
import type { StackStatus } from '../../src/stack/status.ts';

const plain = new Chalk({ level: 0 });
const colored = new Chalk({ level: 1 });

function stack(): StackStatus {
  return {
    runtime: { name: 'native', reason: 'CQRSCTL_RUNTIME=native' },
    services: [
      { name: 'leader', state: 'running', address: '127.0.0.1:5432', pid: 101 },
      { name: 'replica-1', state: 'running', address: '127.0.0.1:5433', pid: 102 },
      { name: 'replicator', state: 'stopped', address: '' },
    ],
    connector: { name: 'leader-cdc', state: 'RUNNING', tasks: [{ id: 0, state: 'RUNNING' }] },
    slot: {
      name: 'cqrsctl_leader_cdc',
      active: true,
      walStatus: 'reserved',
      walRetainedBytes: 2048,
      safeWalBytes: null,
      maxKeepBytes: null,
      warning: null,
    },
    replication: [
      {
        name: 'replica-1',
        appliedEvents: 41,
        lastLsn: String(0x1be41b0),
        appliedThrough: '0',
        lagEvents: 0,
        lagMs: 338,
        deadLettered: 0,
        lastDeadLetter: null,
        partitions: [],
        owner: null,
      },
    ],
    replicators: [],
  };
}

describe('status as text', () => {
  it('shows services, connector, slot and replicas, and says healthy', () => {
    assert.equal(
      renderStatus(stack(), [], plain),
      `Runtime: native (CQRSCTL_RUNTIME=native)
┌────────────┬─────────┬────────────────┬─────┐
│ SERVICE    │ STATE   │ ADDRESS        │ PID │
│ leader     │ running │ 127.0.0.1:5432 │ 101 │
│ replica-1  │ running │ 127.0.0.1:5433 │ 102 │
│ replicator │ stopped │                │     │
└────────────┴─────────┴────────────────┴─────┘
Connector leader-cdc: RUNNING, task 0 RUNNING
Replication slot cqrsctl_leader_cdc: active, WAL retained 2.0 kB, wal_status reserved
┌───────────┬─────────┬───────────┬────────────┬────────┬───────────────┐
│ REPLICA   │ APPLIED │ LSN       │ LAG EVENTS │    LAG │ DEAD-LETTERED │
│ replica-1 │      41 │ 0/1BE41B0 │          0 │ 338 ms │             0 │
└───────────┴─────────┴───────────┴────────────┴────────┴───────────────┘
✔ healthy
`,
    );
  });

  it('lists each problem with its hint; a replica that is down says so in its row', () => {
    const s = stack();
    s.slot = null;
    s.connector = { name: 'leader-cdc', state: 'FAILED', tasks: [] };
    s.replication[0] = { ...s.replication[0], error: 'connect ECONNREFUSED 127.0.0.1:5433', lastLsn: null, lagMs: null, deadLettered: 2 };
    const problems = [
      { subject: 'connector', reason: 'connector leader-cdc is FAILED', hint: '`cqrsctl connector restart`' },
      { subject: 'replica-1', reason: 'replica-1 is down', hint: '`cqrsctl up`' },
    ];
    assert.equal(
      renderStatus(s, problems, plain),
      `Runtime: native (CQRSCTL_RUNTIME=native)
┌────────────┬─────────┬────────────────┬─────┐
│ SERVICE    │ STATE   │ ADDRESS        │ PID │
│ leader     │ running │ 127.0.0.1:5432 │ 101 │
│ replica-1  │ running │ 127.0.0.1:5433 │ 102 │
│ replicator │ stopped │                │     │
└────────────┴─────────┴────────────────┴─────┘
Connector leader-cdc: FAILED
Replication slot: not created yet
┌───────────┬─────────┬─────┬────────────┬─────┬───────────────┐
│ REPLICA   │ APPLIED │ LSN │ LAG EVENTS │ LAG │ DEAD-LETTERED │
│ replica-1 │ down    │ –   │ ?          │ –   │             2 │
└───────────┴─────────┴─────┴────────────┴─────┴───────────────┘
Not healthy (2 problems):
  ✖ connector leader-cdc is FAILED
    hint: \`cqrsctl connector restart\`
  ✖ replica-1 is down
    hint: \`cqrsctl up\`
`,
    );
  });

  it('colours states and the verdict when colour is on; an empty table keeps its head', () => {
    const s = stack();
    s.replication = [];
    assert.equal(
      renderStatus(s, [], colored),
      `\u001b[1mRuntime\u001b[22m: native \u001b[2m(CQRSCTL_RUNTIME=native)\u001b[22m
┌────────────┬─────────┬────────────────┬─────┐
│ \u001b[1mSERVICE\u001b[22m    │ \u001b[1mSTATE\u001b[22m   │ \u001b[1mADDRESS\u001b[22m        │ \u001b[1mPID\u001b[22m │
│ leader     │ \u001b[32mrunning\u001b[39m │ 127.0.0.1:5432 │ 101 │
│ replica-1  │ \u001b[32mrunning\u001b[39m │ 127.0.0.1:5433 │ 102 │
│ replicator │ \u001b[2mstopped\u001b[22m │                │     │
└────────────┴─────────┴────────────────┴─────┘
\u001b[1mConnector\u001b[22m leader-cdc: \u001b[32mRUNNING\u001b[39m, task 0 \u001b[32mRUNNING\u001b[39m
\u001b[1mReplication slot\u001b[22m cqrsctl_leader_cdc: active, WAL retained 2.0 kB, wal_status reserved
┌─────────┬─────────┬─────┬────────────┬─────┬───────────────┐
│ \u001b[1mREPLICA\u001b[22m │ \u001b[1mAPPLIED\u001b[22m │ \u001b[1mLSN\u001b[22m │ \u001b[1mLAG EVENTS\u001b[22m │ \u001b[1mLAG\u001b[22m │ \u001b[1mDEAD-LETTERED\u001b[22m │
└─────────┴─────────┴─────┴────────────┴─────┴───────────────┘
\u001b[32m✔\u001b[39m healthy
`,
    );
  });

  it('with several brokers, a table of them and the partitions that lack a copy', () => {
    const s = stack();
    s.kafka = {
      brokers: [
        { id: 1, name: 'broker-1', address: '127.0.0.1:9092', state: 'up' },
        { id: 2, name: 'broker-2', address: '127.0.0.1:9094', state: 'down' },
      ],
      partitions: [{ topic: 'cqrsctl.changes', partition: 0, leader: 1, replicas: [1, 2], isr: [1] }],
      underReplicated: [{ topic: 'cqrsctl.changes', partition: 0, leader: 1, replicas: [1, 2], isr: [1] }],
    };
    const text = renderStatus(s, [], plain);
    assert.equal(
      text.split('\n').slice(8, 14).join('\n'),
      `┌──────────┬────┬─────────┬────────────────┬───────────────────┐
│ BROKER   │ ID │ STATE   │ ADDRESS        │ LEADS             │
│ broker-1 │  1 │ running │ 127.0.0.1:9092 │ cqrsctl.changes/0 │
│ broker-2 │  2 │ down    │ 127.0.0.1:9094 │ –                 │
└──────────┴────┴─────────┴────────────────┴───────────────────┘
Kafka: 1 under-replicated: cqrsctl.changes/0 (isr 1 of 1,2)`,
    );
  });
});
