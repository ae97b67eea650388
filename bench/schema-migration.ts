/**
 * Schema changes on a big table: how long until every replica has the change (and the rows it implies),
 * next to the leader's own time for the DDL.
 *
 *   node --import tsx bench/schema-migration.ts [--rows 1000000]
 *
 * Needs a running stack (`cqrsctl up --detach`), found through the usual CQRSCTL_* settings. Creates
 * bench_mig.t with --rows rows, waits until the replicas hold them, then runs each migration on the leader
 * and measures: leader = the DDL statement's own time; replicas = DDL commit → every replica's watermark
 * passes the leader's WAL position after the DDL (its definition and rows are then in place: verified by
 * comparing the column's definition and a fingerprint of the affected column on every replica).
 */
import postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config/load.ts';
import { pgClient } from '../src/pg/client.ts';
import { appliedThrough } from '../src/replicator/watermark.ts';
import { processOutput } from '../src/ui/output.ts';
import { renderTable } from '../src/ui/table.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rows = Number(flag('rows', '1000000'));

const config = loadConfig();
const leader = pgClient(config.leader);
const replicas = config.replicas.map((r) => pgClient(r));

const lsnNow = async () => BigInt((await leader`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint::text as l`)[0].l);

async function untilApplied(): Promise<number> {
  const target = await lsnNow();
  const started = performance.now();
  for (;;) {
    const w = await Promise.all(replicas.map((r) => appliedThrough(r)));
    if (w.every((x) => x >= target)) return performance.now() - started;
    if (performance.now() - started > 1_800_000) throw new Error('replicas did not catch up within 30 min');
    await sleep(20);
  }
}

const fingerprint = (sql: postgres.Sql, column: string) =>
  sql
    .unsafe(
      `select md5(string_agg(${column}::text, ',' order by id)) as f,
    (select format_type(atttypid, atttypmod) || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') from pg_attribute a
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = 'bench_mig.t'::regclass and a.attname = '${column}') as def,
    (select count(*) from pg_indexes where schemaname = 'bench_mig') as indexes from bench_mig.t`,
    )
    .then((r) => JSON.stringify(r[0]));

const migrations = [
  { name: 'ADD COLUMN … DEFAULT (constant)', sql: `alter table bench_mig.t add column flag text default 'new'`, column: 'flag' },
  {
    name: 'ADD COLUMN … DEFAULT gen_random_uuid() (volatile: rows shipped)',
    sql: 'alter table bench_mig.t add column u uuid default gen_random_uuid()',
    column: 'u',
  },
  { name: 'ALTER COLUMN TYPE bigint', sql: 'alter table bench_mig.t alter column n type bigint', column: 'n' },
  { name: 'ALTER COLUMN TYPE … USING (rows shipped)', sql: 'alter table bench_mig.t alter column n type numeric using n * 2', column: 'n' },
  { name: 'CREATE INDEX', sql: 'create index t_note on bench_mig.t (note)', column: 'note' },
];

console.log(`Creating bench_mig.t with ${rows} rows on the leader and waiting for the replicas to hold them…`);
await leader.unsafe('drop schema if exists bench_mig cascade');
await leader.unsafe(`create schema bench_mig; create table bench_mig.t (id int primary key, n int not null, note text)`);
await leader.unsafe(`insert into bench_mig.t select g, g, 'note ' || (g % 1000) from generate_series(1, ${rows}) g`);
console.log(`  replicas caught up in ${((await untilApplied()) / 1000).toFixed(1)} s`);

const results: string[][] = [];
for (const m of migrations) {
  const t0 = performance.now();
  await leader.unsafe(m.sql);
  const leaderMs = performance.now() - t0;
  const replicaMs = await untilApplied();
  const want = await fingerprint(leader, m.column);
  const got = await Promise.all(replicas.map((r) => fingerprint(r, m.column)));
  const same = got.every((g) => g === want);
  results.push([
    m.name,
    `${(leaderMs / 1000).toFixed(2)} s`,
    `${(replicaMs / 1000).toFixed(2)} s`,
    `${(replicaMs / leaderMs).toFixed(1)}×`,
    same ? 'yes' : 'NO',
  ]);
  console.log(
    `  ${m.name}: leader ${(leaderMs / 1000).toFixed(2)} s, every replica ${(replicaMs / 1000).toFixed(2)} s after${same ? '' : ' — REPLICAS DIFFER'}`,
  );
}
console.log(renderTable(['migration', 'leader DDL', 'until every replica matches', 'ratio', 'equal'], results, processOutput().color));
await leader.unsafe('drop schema bench_mig cascade');
await Promise.all([leader, ...replicas].map((s) => s.end({ timeout: 2 })));
