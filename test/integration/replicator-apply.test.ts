import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureStack } from '../helpers/stack.ts';
import { databases, fingerprints, uniqueName, waitApplied } from './replicator-support.ts';

let dbs: ReturnType<typeof databases>;
before(async () => {
  dbs = databases(await ensureStack());
});
after(() => dbs.end());

/** Every database holds the same rows: leader first, then each replica. */
async function assertEqual(qualified: string, orderBy: string) {
  await waitApplied(dbs.leader, dbs.replicas);
  const f = await fingerprints(dbs, qualified, orderBy);
  for (const [i, x] of f.slice(1).entries()) assert.equal(x, f[0], `replica-${i + 1} differs from the leader on ${qualified}`);
  return f[0];
}

test('every column type round-trips exactly through inserts, updates and deletes', { timeout: 120_000 }, async () => {
  const t = uniqueName('types');
  await dbs.leader.unsafe(`create table ${t} (id bigint primary key, n38 numeric(38,10), n numeric, d double precision, r real,
    tz timestamptz, ts timestamp, dt date, tm time, iv interval, jb jsonb, js json, u uuid, b bytea, ia int[], ta text[],
    bo boolean, tx text, ch char(5), vc varchar(10))`);
  await dbs.leader.unsafe(`insert into ${t} values
    (9007199254740993, 12345678901234567890.0123456789, 1.50, 0.1, 1.1, '2024-01-02 03:04:05.123456+02', '2024-01-02 03:04:05.123456',
     '2024-02-29', '23:59:59.999999', '1 year 2 mons -3 days 04:05:06.789', '{"a": [1, 2.50, "x"], "b": null}', '{ "k" :  1 }',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{1,NULL,3}', '{"a b",NULL,"c\\"d","NULL",""}', true,
     E'tab\\there\\nnew "q" ''s'' \\U0001F600 \\\\', 'ab', 'xyz'),
    (2, 'NaN', -0.000001, 'NaN', '-Infinity', '-infinity', 'infinity', '0001-01-01', '00:00', '-1 days +02:00', '[]', 'null',
     null, '', '{}', '{}', false, '', null, null),
    (3, -1e-10, 1e30, 1.7976931348623157e308, 3.4e38, '1970-01-01 00:00:00+00', '2000-02-29 23:59:59.999999', '9999-12-31', '12:00:00.5',
     '00:00:00.000001', '{"z": {"deep": [true, false, null]}}', '[1, 2]', null, '\\xdeadbeef', '{-2147483648,2147483647}', '{"€","日本"}', null, null, 'abcde', '')`);
  await dbs.leader.unsafe(`insert into ${t} (id) values (4), (5)`);
  await dbs.leader.unsafe(`update ${t} set n = n * 3, ta = '{x,NULL}', jb = '{"updated": 1}' where id in (2, 3)`);
  await dbs.leader.unsafe(`update ${t} set tx = repeat('toast ', 3000) where id = 4`);
  await dbs.leader.unsafe(`update ${t} set bo = true where id = 4`); // leaves the >8 kB TOASTed text unchanged
  await dbs.leader.unsafe(`delete from ${t} where id = 5`);
  const f = await assertEqual(t, 'id');
  assert.match(f, /^4:/);
});

test('quoted identifiers, composite keys, key updates, delete and re-insert in one transaction', { timeout: 120_000 }, async () => {
  const t = `"${uniqueName('odd name; with')} spaces"`;
  await dbs.leader.unsafe(
    `create table ${t} ("Region; Code" text, "order id" int, "Value ""q""" text, primary key ("Region; Code", "order id"))`,
  );
  await dbs.leader.unsafe(`insert into ${t} select 'r' || (i % 3), i, 'v' || i from generate_series(1, 50) i`);
  await dbs.leader.unsafe(`update ${t} set "order id" = "order id" + 1000 where "order id" % 5 = 0`); // primary-key update
  await dbs.leader.begin(async (tx) => {
    await tx.unsafe(`delete from ${t} where "order id" = 7`);
    await tx.unsafe(`insert into ${t} values ('r1', 7, 'reborn')`);
    await tx.unsafe(`update ${t} set "Value ""q""" = 'twice' where "order id" = 7`);
  });
  await assertEqual(t, '"Region; Code", "order id"');
});

test('a 20,000-row transaction, then TRUNCATE, then more rows', { timeout: 120_000 }, async () => {
  const t = uniqueName('bulk');
  await dbs.leader.unsafe(`create table ${t} (id int primary key, payload text)`);
  await dbs.leader.unsafe(`insert into ${t} select i, md5(i::text) from generate_series(1, 20000) i`);
  assert.match(await assertEqual(t, 'id'), /^20000:/);
  await dbs.leader.unsafe(`truncate ${t}`);
  await dbs.leader.unsafe(`insert into ${t} values (1, 'after truncate')`);
  assert.match(await assertEqual(t, 'id'), /^1:/);
});

test('a table created and a column added while replicating', { timeout: 120_000 }, async () => {
  const t = uniqueName('evolving');
  await dbs.leader.unsafe(`create table ${t} (id int primary key, a text)`);
  await dbs.leader.unsafe(`insert into ${t} select i, 'a' || i from generate_series(1, 100) i`);
  await assertEqual(t, 'id');
  await dbs.leader.unsafe(`alter table ${t} add column b numeric(10,2)`);
  await dbs.leader.unsafe(`insert into ${t} values (101, 'new', 12.34)`);
  await dbs.leader.unsafe(`update ${t} set b = id where id <= 10`);
  await assertEqual(t, 'id');
});
