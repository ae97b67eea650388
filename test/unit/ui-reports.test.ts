import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { renderChange } from '../../src/ui/change.ts';
import { renderConfig } from '../../src/ui/config.ts';
import { renderConnectorStatus } from '../../src/ui/connector.ts';
import { renderLetters, renderReplay } from '../../src/ui/dlq.ts';
import { renderImages } from '../../src/ui/images.ts';
import { renderSimulateSummary } from '../../src/ui/simulate.ts';
import { renderSmokeReport } from '../../src/ui/smoke.ts';
import { upSummary } from '../../src/ui/stack-summary.ts';
import type { DeadLetter } from '../../src/dlq/letters.ts';
import type { Summary } from '../../src/simulate/stats.ts';

const plain = new Chalk({ level: 0 });
const colored = new Chalk({ level: 1 });

describe('dlq', () => {
  const letter = (extra: Partial<DeadLetter> = {}): DeadLetter => ({
    replica: 'replica-2',
    reason: 'column "note" does not exist',
    topic: 'cqrsctl.changes',
    partition: 0,
    offset: '41',
    lsn: '0/16B3748',
    table: 'public.orders',
    key: '{"id":7}',
    deadAt: '2026-11-26T14:00:00.000Z',
    replayedAt: null,
    replayOutcome: null,
    ...extra,
  });

  it('list: none pending, or a table, the reasons and what to do next', () => {
    assert.equal(
      renderLetters([], false, plain),
      `No pending dead letters.
`,
    );
    assert.equal(
      renderLetters([], true, plain),
      `No dead letters.
`,
    );
    assert.equal(
      renderLetters([letter(), letter({ offset: '42', table: null, key: null, lsn: null, reason: 'undecodable' })], false, plain),
      `┌───────────┬───────────────┬──────────┬───────────────────────┬───────────┬──────────────────────────┐
│ REPLICA   │ TABLE         │ KEY      │ SOURCE                │ LSN       │ TIME                     │
│ replica-2 │ public.orders │ {"id":7} │ cqrsctl.changes[0]@41 │ 0/16B3748 │ 2026-11-26T14:00:00.000Z │
│ replica-2 │ –             │ –        │ cqrsctl.changes[0]@42 │ –         │ 2026-11-26T14:00:00.000Z │
└───────────┴───────────────┴──────────┴───────────────────────┴───────────┴──────────────────────────┘
Reasons:
  replica-2 cqrsctl.changes[0]@41: column "note" does not exist
  replica-2 cqrsctl.changes[0]@42: undecodable
Fix the cause, then \`cqrsctl dlq replay\` applies them and verifies the rows against the leader.
`,
    );
  });

  it('list --all: a replay column; nothing left to do when every letter was replayed', () => {
    const replayed = letter({ replayedAt: '2026-11-26T15:00:00.000Z', replayOutcome: 'applied' });
    assert.equal(
      renderLetters([replayed], true, colored),
      `┌───────────┬───────────────┬──────────┬───────────────────────┬───────────┬──────────────────────────┬─────────┐
│ \u001b[1mREPLICA\u001b[22m   │ \u001b[1mTABLE\u001b[22m         │ \u001b[1mKEY\u001b[22m      │ \u001b[1mSOURCE\u001b[22m                │ \u001b[1mLSN\u001b[22m       │ \u001b[1mTIME\u001b[22m                     │ \u001b[1mREPLAY\u001b[22m  │
│ replica-2 │ public.orders │ {"id":7} │ cqrsctl.changes[0]@41 │ 0/16B3748 │ 2026-11-26T14:00:00.000Z │ applied │
└───────────┴───────────────┴──────────┴───────────────────────┴───────────┴──────────────────────────┴─────────┘
Reasons:
  replica-2 cqrsctl.changes[0]@41: column "note" does not exist
`,
    );
  });

  it('replay: one line per letter with its outcome, then the counts', () => {
    assert.equal(
      renderReplay({ letters: [], applied: 0, superseded: 0, pending: 0 }, plain),
      `No pending dead letters to replay.
`,
    );
    const at = { replica: 'replica-2', topic: 'cqrsctl.changes', partition: 0, table: 'public.orders', key: '{"id":7}' };
    const report = {
      letters: [
        { ...at, offset: '41', outcome: 'applied' as const },
        { ...at, offset: '42', outcome: 'failed' as const, detail: 'column "note" does not exist' },
      ],
      applied: 1,
      superseded: 0,
      pending: 1,
    };
    assert.equal(
      renderReplay(report, plain),
      `✔ replica-2 cqrsctl.changes[0]@41 public.orders {"id":7}: applied
✖ replica-2 cqrsctl.changes[0]@42 public.orders {"id":7}: failed (column "note" does not exist)
1 replayed and verified equal to the leader, 0 superseded (already equal), 1 left pending.
`,
    );
    assert.equal(
      renderReplay(report, colored),
      `\u001b[32m✔\u001b[39m replica-2 cqrsctl.changes[0]@41 public.orders {"id":7}: applied
\u001b[31m✖\u001b[39m replica-2 cqrsctl.changes[0]@42 public.orders {"id":7}: failed (column "note" does not exist)
1 replayed and verified equal to the leader, 0 superseded (already equal), 1 left pending.
`,
    );
  });
});

describe('events tail', () => {
  const at = Date.UTC(2026, 10, 26, 14, 0, 1, 250);
  it('one line per change: time, table, operation, key, changed columns', () => {
    assert.equal(
      renderChange({ at, table: 'public.orders', op: 'update', key: '{"id":7}', columns: [['status', '"shipped"']] }, plain),
      `14:00:01.250 public.orders update {"id":7} status="shipped"`,
    );
    assert.equal(
      renderChange({ at: null, table: 'public.orders', op: 'delete', key: '{"id":7}', columns: [] }, plain),
      `             public.orders delete {"id":7}`,
    );
    assert.equal(
      renderChange({ at, table: 'ALTER TABLE orders ADD note text', op: 'schema change', key: null, columns: [] }, colored),
      `\u001b[2m14:00:01.250\u001b[22m \u001b[35mschema change\u001b[39m ALTER TABLE orders ADD note text`,
    );
  });
});

describe('connector status', () => {
  it('the connector and each task, a failed one with the first line of its trace', () => {
    const s = {
      name: 'leader-cdc',
      connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' },
      tasks: [{ id: 0, state: 'FAILED', worker_id: '127.0.0.1:8083', trace: 'org.postgresql.util.PSQLException: slot in use\n\tat x' }],
    };
    assert.equal(
      renderConnectorStatus('leader-cdc', s, plain),
      `connector leader-cdc: RUNNING on 127.0.0.1:8083
  task 0: FAILED on 127.0.0.1:8083
    org.postgresql.util.PSQLException: slot in use
`,
    );
    assert.equal(
      renderConnectorStatus('leader-cdc', { ...s, tasks: [] }, colored),
      `connector leader-cdc: \u001b[32mRUNNING\u001b[39m on 127.0.0.1:8083
`,
    );
  });
});

describe('config', () => {
  const rows = [
    { name: 'leaderPort', value: '5432', from: 'default', env: 'CQRSCTL_LEADER_PORT', doc: 'leader port' },
    { name: 'pgPassword', value: '********', from: 'environment', env: 'CQRSCTL_PG_PASSWORD', doc: 'password' },
  ];
  it('the file, one row per setting (a default dimmed), and the running stack’s other values', () => {
    assert.equal(
      renderConfig({ home: '.cqrsctl', rows, conflicts: [] }, plain),
      `config file: (none)
┌────────────┬──────────┬─────────────┬─────────────────────┬─────────────┐
│ SETTING    │ VALUE    │ FROM        │ ENVIRONMENT         │ MEANING     │
│ leaderPort │ 5432     │ default     │ CQRSCTL_LEADER_PORT │ leader port │
│ pgPassword │ ******** │ environment │ CQRSCTL_PG_PASSWORD │ password    │
└────────────┴──────────┴─────────────┴─────────────────────┴─────────────┘
`,
    );
    const conflicts = [{ name: 'replicas' as const, running: '3', asked: '2', from: 'flag' as const }];
    assert.equal(
      renderConfig({ configFile: 'cqrsctl.config.json', home: '.cqrsctl', rows, conflicts }, colored),
      `config file: cqrsctl.config.json
┌────────────┬──────────┬─────────────┬─────────────────────┬─────────────┐
│ \u001b[1mSETTING\u001b[22m    │ \u001b[1mVALUE\u001b[22m    │ \u001b[1mFROM\u001b[22m        │ \u001b[1mENVIRONMENT\u001b[22m         │ \u001b[1mMEANING\u001b[22m     │
│ leaderPort │ 5432     │ \u001b[2mdefault\u001b[22m     │ CQRSCTL_LEADER_PORT │ leader port │
│ pgPassword │ ******** │ environment │ CQRSCTL_PG_PASSWORD │ password    │
└────────────┴──────────┴─────────────┴─────────────────────┴─────────────┘
\u001b[33m!\u001b[39m the stack in .cqrsctl runs with other values: replicas 3 (flag asks for 2)
`,
    );
  });
});

describe('simulate', () => {
  const summary = (extra: Partial<Summary> = {}): Summary => ({
    via: 'api',
    seed: 7,
    planned: 100,
    interrupted: false,
    elapsedSeconds: 0.5,
    achievedRate: 200,
    ops: { total: 100, ok: 97, rejected: 3, errors: 0 },
    byKind: [
      { kind: 'place order', ok: 60, rejected: 0, errors: 0, p50Ms: 4, p99Ms: 12 },
      { kind: 'ship order', ok: 37, rejected: 3, errors: 0, p50Ms: 3, p99Ms: 9 },
    ],
    writeLatencyMs: { p50: 4, p99: 11 },
    firstErrors: [],
    ...extra,
  });
  it('a row per kind of command, the total, the rate; read-your-writes when checked', () => {
    assert.equal(
      renderSimulateSummary(summary(), plain),
      `┌─────────────┬────┬──────────┬────────┬────────┬────────┐
│ COMMAND     │ OK │ REJECTED │ ERRORS │ P50 MS │ P99 MS │
│ place order │ 60 │        0 │      0 │      4 │     12 │
│ ship order  │ 37 │        3 │      0 │      3 │      9 │
│ total       │ 97 │        3 │      0 │      4 │     11 │
└─────────────┴────┴──────────┴────────┴────────┴────────┘
100 commands in 0.5 s: 200 commands/s via api (seed 7; rejected = refused by the domain, e.g. an order already shipped)
`,
    );
    const bad = summary({
      interrupted: true,
      ops: { total: 60, ok: 59, rejected: 0, errors: 1 },
      reads: { checked: 59, fresh: 58, stale: 1, unavailable: 0, p50Ms: 2, p99Ms: 5 },
      firstErrors: ['place order: 503 Service Unavailable'],
    });
    assert.equal(
      renderSimulateSummary(bad, plain).split('\n').slice(-5).join('\n'),
      `60 commands in 0.5 s: 200 commands/s via api (seed 7; rejected = refused by the domain, e.g. an order already shipped)
Interrupted: 60 of 100 commands ran; every one that started finished.
Read-your-writes: 59 read back with their token, 1 stale, 0 unavailable; read latency p50 2 ms, p99 5 ms
  place order: 503 Service Unavailable
`,
    );
  });
});

describe('smoke', () => {
  it('a line per phase, the verdict, where the JUnit report went', () => {
    const report = {
      passed: false,
      seconds: 42,
      phases: [
        { name: 'up' as const, status: 'passed' as const, seconds: 30, message: 'stack up (native runtime)' },
        { name: 'simulate' as const, status: 'failed' as const, seconds: 10, message: '1 stale read' },
        { name: 'verify' as const, status: 'skipped' as const, seconds: 0, message: 'an earlier phase did not pass' },
      ],
    };
    assert.equal(
      renderSmokeReport(report, '/tmp/smoke.xml', plain),
      `✔ up (30s): stack up (native runtime)
✖ simulate (10s): failed: 1 stale read
– verify (0s): skipped: an earlier phase did not pass
Smoke test did not pass (42s).
JUnit report: /tmp/smoke.xml
`,
    );
    assert.equal(
      renderSmokeReport({ ...report, passed: true, phases: report.phases.slice(0, 1) }, undefined, colored),
      `\u001b[32m✔\u001b[39m up \u001b[2m(30s)\u001b[22m: stack up (native runtime)
\u001b[32mSmoke test passed in 42s.\u001b[39m
`,
    );
  });
});

describe('images build', () => {
  it('what happened to each image', () => {
    assert.equal(
      renderImages(
        [
          { image: 'cqrsctl/postgres:15', action: 'built', seconds: 61.25 },
          { image: 'cqrsctl/kafka:3.9', action: 'up to date', seconds: 0.04 },
        ],
        plain,
      ),
      `┌─────────────────────┬────────────┬─────────┐
│ IMAGE               │ ACTION     │ SECONDS │
│ cqrsctl/postgres:15 │ built      │    61.3 │
│ cqrsctl/kafka:3.9   │ up to date │     0.0 │
└─────────────────────┴────────────┴─────────┘
`,
    );
  });
});

describe('up', () => {
  it('what it started, or that there was nothing to do, then what to try next', () => {
    const dashboardUrl = 'http://127.0.0.1:8090/';
    assert.deepEqual(
      upSummary({ runtime: 'native', result: { started: ['leader', 'broker'], connector: 'created' }, apps: ['replicator'], dashboardUrl }),
      [
        'Stack is up (native runtime); started leader, broker, replicator; connector created.',
        'Next: `cqrsctl status` to look around, `cqrsctl logs <service>` to read a log, `cqrsctl down` to stop.',
        'Dashboard: `cqrsctl dashboard` serves a live page on http://127.0.0.1:8090/',
      ],
    );
    assert.equal(
      upSummary({ runtime: 'docker', result: { started: [], connector: 'unchanged' }, apps: [], dashboardUrl })[0],
      'Everything is already running (docker runtime); nothing to do.',
    );
    assert.equal(
      upSummary({ runtime: 'docker', result: { started: [], connector: 'updated' }, apps: [], dashboardUrl })[0],
      'Stack is up (docker runtime); connector updated.',
    );
  });
});
