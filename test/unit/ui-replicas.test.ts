import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import type { SeedReport } from '../../src/replicas/seed.ts';
import { renderAdd, renderReplicaList, renderSeed } from '../../src/ui/replicas.ts';

const plain = new Chalk({ level: 0 });
const seed: SeedReport = {
  replica: 'replica-4',
  point: '0/1975FF8',
  topic: 'leader.changes',
  resumeOffset: '1200',
  partitions: [],
  schemaChangeId: 3,
  tables: [
    { table: 'public.orders', rows: 1500 },
    { table: 'public.customers', rows: 40 },
  ],
  rows: 1540,
  definitions: [],
  unsupported: [],
  deadLettersSettled: 0,
  ms: 2300,
};

test('renderSeed names the point, the resume offset and only the notes that apply', () => {
  assert.equal(
    renderSeed(seed),
    'Seeded replica-4: 2 tables, 1,540 rows as of leader LSN 0/1975FF8 (schema change 3); it streams on from leader.changes offset 1200 (2300 ms).\n',
  );
  assert.match(
    renderSeed({
      ...seed,
      topic: 'leader.transaction',
      partitions: [
        { topic: 'leader.changes', partition: 0, offset: '7' },
        { topic: 'leader.changes', partition: 1, offset: '9' },
      ],
    }),
    /streams on from leader\.transaction offset 1200 and leader\.changes offsets 0:7, 1:9 \(2300 ms\)/,
  );
  const noted = renderSeed({ ...seed, unsupported: ['public.t: exclusion constraint'], deadLettersSettled: 2 });
  assert.match(
    noted,
    /\nNot mirrored: public\.t: exclusion constraint\n2 pending dead letters settled by the copy \(marked superseded\)\.\n$/,
  );
});

test('renderAdd tells which apps were restarted and which must be', () => {
  const text = renderAdd({
    replica: 'replica-4',
    address: '127.0.0.1:5436',
    replicas: 4,
    seed,
    restarted: ['replicator'],
    foreground: ['write-api'],
  } as Parameters<typeof renderAdd>[0]);
  assert.match(text, /^Added replica-4 on 127\.0\.0\.1:5436; the stack now has 4 replicas\.\nSeeded replica-4/);
  assert.match(text, /\nRestarted replicator to use it\.\n/);
  assert.match(text, /The write-api run in a foreground `cqrsctl up`: restart it/);
});

test('renderReplicaList shows lag and dead letters per replica, dashes where unknown', () => {
  const progress = {
    name: 'x',
    appliedEvents: 10,
    lastLsn: null,
    appliedThrough: '0',
    lagEvents: null,
    lagMs: null,
    deadLettered: 1,
    lastDeadLetter: null,
    partitions: [],
    owner: null,
  };
  const text = renderReplicaList(
    [
      { name: 'replica-1', address: '127.0.0.1:5433', state: 'running', progress: { ...progress, lagEvents: 0, lagMs: 40 } },
      { name: 'replica-2', address: '127.0.0.1:5434', state: 'stopped', progress },
    ],
    plain,
  );
  const lines = text.split('\n');
  assert.match(lines.find((l) => l.includes('replica-1')) ?? '', /running\s*│\s*10 │\s*0 │\s*40 ms │\s*1 │/);
  assert.match(lines.find((l) => l.includes('replica-2')) ?? '', /stopped\s*│\s*10 │\s*– │\s*– │\s*1 │/);
});
