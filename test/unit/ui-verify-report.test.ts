import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { renderVerifyReport } from '../../src/ui/verify-report.ts';
import type { TableDiff } from '../../src/verify/compare-table.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';

const plain = new Chalk({ level: 0 });
const colored = new Chalk({ level: 1 });

const equal = (replica: string, table: string): TableDiff => ({
  table,
  replica,
  state: 'equal',
  keyless: false,
  leaderRows: 120,
  replicaRows: 120,
  missing: [],
  extra: [],
  changed: [],
  keyColumns: ['id'],
  ms: 12,
});

const report = (tables: TableDiff[], extra: Partial<VerifyReport> = {}): VerifyReport => ({
  verdict: tables.every((t) => t.state === 'equal') ? 'equal' : 'diverged',
  leaderLsn: '0/1BE41B0',
  lag: [{ replica: 'replica-1', appliedLsn: '0/1BE41B0', behindBytes: 0 }],
  tables,
  scope: 'schema public',
  bytesReceived: 2048,
  ms: 1250,
  ...extra,
});

describe('verify-replicas as text', () => {
  it('equal: what was compared, a row per table and replica, the verdict', () => {
    assert.equal(
      renderVerifyReport(report([equal('replica-1', 'public.orders')]), 60_000, plain),
      `Compared definitions and rows of the replicated set: schema public.
┌───────────┬───────────────┬───────┬──────┬─────────┬───────┬─────────┬───────┐
│ REPLICA   │ TABLE         │ STATE │ ROWS │ MISSING │ EXTRA │ CHANGED │  TIME │
│ replica-1 │ public.orders │ equal │  120 │       0 │     0 │       0 │ 12 ms │
└───────────┴───────────────┴───────┴──────┴─────────┴───────┴─────────┴───────┘
✔ 1 replica equals the leader on 1 table (1.3s, 2.0 kB received)
`,
    );
    assert.equal(
      renderVerifyReport(report([equal('replica-1', 'public.orders')]), 60_000, colored)
        .split('\n')
        .at(-2),
      `\u001b[32m✔\u001b[39m 1 replica equals the leader on 1 table \u001b[2m(1.3s, 2.0 kB received)\u001b[22m`,
    );
  });

  it('without --wait, first the WAL not yet applied; with no tables, an empty table', () => {
    const r = report([], { lag: [{ replica: 'replica-1', appliedLsn: null, behindBytes: null }] });
    assert.equal(
      renderVerifyReport(r, undefined, plain),
      `Leader WAL not yet applied at start (differences there may be in flight; --wait avoids them): replica-1 unknown (no replicator watermark yet)
Compared definitions and rows of the replicated set: schema public.
┌─────────┬───────┬───────┬──────┬─────────┬───────┬─────────┬──────┐
│ REPLICA │ TABLE │ STATE │ ROWS │ MISSING │ EXTRA │ CHANGED │ TIME │
└─────────┴───────┴───────┴──────┴─────────┴───────┴─────────┴──────┘
✔ 0 replicas equal the leader on 0 tables (1.3s, 2.0 kB received)
`,
    );
  });

  it('diverged: missing, extra and changed keys, schema differences, definitions only one side has', () => {
    const orders: TableDiff = {
      ...equal('replica-2', 'public.orders'),
      state: 'diverged',
      replicaRows: 119,
      missing: [['7'], ['8']],
      extra: [],
      changed: [{ key: ['9'], columns: ['status', 'updated_at'] }],
      schema: { missingColumns: ['note'], extraColumns: [], typeMismatches: [{ column: 'total', leader: 'numeric', replica: 'integer' }] },
    };
    const events: TableDiff = {
      ...equal('replica-2', 'public.events'),
      state: 'diverged',
      keyless: true,
      keyColumns: ['at', 'kind'],
      extra: [['2026-11-26 02:28:11.0158+00', null]],
      definition: {
        object: 'public.events',
        leader: 'CREATE TABLE events (\n  at timestamptz\n)',
        replica: 'CREATE TABLE events (\n  at timestamp\n)',
      },
    };
    assert.equal(
      renderVerifyReport(report([equal('replica-1', 'public.orders'), orders, events]), 60_000, plain),
      `Compared definitions and rows of the replicated set: schema public.
┌───────────┬───────────────┬───────────────────────┬───────────┬─────────┬───────┬─────────┬───────┐
│ REPLICA   │ TABLE         │ STATE                 │      ROWS │ MISSING │ EXTRA │ CHANGED │  TIME │
│ replica-1 │ public.orders │ equal                 │       120 │       0 │     0 │       0 │ 12 ms │
│ replica-2 │ public.orders │ diverged (definition) │ 120 / 119 │       2 │     0 │       1 │ 12 ms │
│ replica-2 │ public.events │ diverged (definition) │       120 │       0 │     1 │       0 │ 12 ms │
└───────────┴───────────────┴───────────────────────┴───────────┴─────────┴───────┴─────────┴───────┘
  replica-2 public.orders: columns missing on the replica: note
  replica-2 public.orders: column total is integer, leader has numeric
  replica-2 public.orders: missing id=7; id=8
  replica-2 public.orders: changed id=9 (status, updated_at)
  replica-2 public.events (no primary key: compared as a multiset of rows): leader has   at timestamptz
  replica-2 public.events (no primary key: compared as a multiset of rows): replica has  at timestamp
  replica-2 public.events (no primary key: compared as a multiset of rows): extra at=2026-11-26T02:28:11.0158Z,kind=NULL
✖ diverged: public.orders on replica-2, public.events on replica-2 (1.3s, 2.0 kB received)
`,
    );
  });

  it('lagging: only which replicas did not catch up, by how much', () => {
    const r = report([], { verdict: 'lagging', lag: [{ replica: 'replica-1', appliedLsn: '0/1000000', behindBytes: 3 * 1024 * 1024 }] });
    assert.equal(
      renderVerifyReport(r, 30_000, plain),
      `✖ replicas did not catch up with the leader (0/1BE41B0) within 30s; WAL not yet applied: replica-1 3.0 MB
`,
    );
  });

  it('--repair: before, what was repaired, after', () => {
    const before = { ...equal('replica-1', 'public.orders'), state: 'diverged' as const, missing: [['7']], replicaRows: 119 };
    const r = report([equal('replica-1', 'public.orders')], {
      beforeRepair: [before],
      repairs: [{ replica: 'replica-1', table: 'public.orders', actions: [], deleted: 0, inserted: 1 }],
    });
    assert.equal(
      renderVerifyReport(r, 60_000, plain),
      `Compared definitions and rows of the replicated set: schema public.
Before repair:
┌───────────┬───────────────┬──────────┬───────────┬─────────┬───────┬─────────┬───────┐
│ REPLICA   │ TABLE         │ STATE    │      ROWS │ MISSING │ EXTRA │ CHANGED │  TIME │
│ replica-1 │ public.orders │ diverged │ 120 / 119 │       1 │     0 │       0 │ 12 ms │
└───────────┴───────────────┴──────────┴───────────┴─────────┴───────┴─────────┴───────┘
  replica-1 public.orders: missing id=7
Repaired public.orders on replica-1: 0 rows deleted, 1 inserted
After repair:
┌───────────┬───────────────┬───────┬──────┬─────────┬───────┬─────────┬───────┐
│ REPLICA   │ TABLE         │ STATE │ ROWS │ MISSING │ EXTRA │ CHANGED │  TIME │
│ replica-1 │ public.orders │ equal │  120 │       0 │     0 │       0 │ 12 ms │
└───────────┴───────────────┴───────┴──────┴─────────┴───────┴─────────┴───────┘
✔ 1 replica equals the leader on 1 table (1.3s, 2.0 kB received)
`,
    );
  });
});
