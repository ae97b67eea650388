import { loadConfig } from '../src/config/load.ts';
import { openSession } from '../src/verify/session.ts';
const config = loadConfig();
import { pgClient } from '../src/pg/client.ts';
const adm = pgClient(config.replicas[2], { database: 'postgres' });
if (!(await adm.unsafe(`select 1 from pg_database where datname = 'vt'`)).length) await adm.unsafe('create database vt');
await adm.end();
const s = openSession({ ...config.replicas[2], database: 'vt' }, 1);
if (!(await s.sql.unsafe(`select 1 where to_regclass('verify_bench.t') is not null`)).length) {
  await s.sql
    .unsafe(
      `create schema verify_bench; create table verify_bench.t (id bigint primary key, qty int, name text, price numeric(12,2), created timestamptz,
                         score double precision, active boolean, attrs jsonb, ref uuid);
  insert into verify_bench.t select g, g % 1000, 'customer ' || g || ' ' || md5(g::text), (g % 100000) / 100.0,
         '2024-01-01'::timestamptz + g * interval '1 second', g / 7.0, g % 2 = 0,
         jsonb_build_object('k', g, 'tag', 't' || (g % 10)), md5(g::text)::uuid
    from generate_series(1, 1000000) g;`,
    )
    .simple();
  await s.sql.unsafe('vacuum analyze verify_bench.t');
}
const t = 'verify_bench.t';
import { segmentHashes } from '../src/verify/row-sql.ts';
import { hashedValue } from '../src/verify/row-sql.ts';
const cols: [string, string][] = [
  ['active', 'boolean'],
  ['attrs', 'jsonb'],
  ['created', 'timestamp with time zone'],
  ['id', 'bigint'],
  ['name', 'text'],
  ['price', 'numeric(12,2)'],
  ['qty', 'integer'],
  ['ref', 'uuid'],
  ['score', 'double precision'],
];
const hashed = Object.fromEntries(cols.map(([c, t], i) => [c, hashedValue(c, t, t, i)]));
const q = segmentHashes(
  {
    schema: 'verify_bench',
    name: 't',
    columns: cols.map((c) => c[0]),
    hashed,
    segmentBy: '"id"::bigint',
    key: ['id'],
    keyTypes: ['bigint'],
  },
  10,
);
console.log(q.text);
const m = q.text.match(/sum\((.*)\) h from/s)![1];
const variants: Record<string, string> = {
  current: `hash_record_extended(row(("attrs")::text, "active", ("created"), "id", ("name" collate "C"), "price", scale("price"), "qty", "ref", ("score")::text), 0)`,
  terms: m,
  count: `1`,
};
delete variants.xor;
for (const [name, expr] of Object.entries(variants)) {
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    await s.sql
      .unsafe(`select b::text, n::text, h::text from (select id::bigint & 1023 b, count(*) n, sum(${expr}) h from ${t} group by 1) s`)
      .values();
    console.log(name, (performance.now() - t0).toFixed(0), 'ms');
  }
}
await s.close();
