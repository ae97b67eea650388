/**
 * The migration suite of the schema-change tests: each item of the faithful-replicas issue's list as SQL
 * run on the leader (with rows around it, so "existing rows as on the leader" is checked too).
 */
export function migrationSteps(s: string): { name: string; sql: string }[] {
  return [
    { name: 'create schema and an empty table', sql: `create schema ${s}; create table ${s}.t (id int primary key, a int, b text)` },
    { name: 'rows', sql: `insert into ${s}.t select g, g, 'r' || g from generate_series(1, 300) g` },
    {
      name: 'add column with constant default and not null',
      sql: `alter table ${s}.t add column c text default 'd'; alter table ${s}.t add column n int not null default 7`,
    },
    { name: 'add column with a stable default (now())', sql: `alter table ${s}.t add column ts timestamptz default now()` },
    { name: 'add column with a volatile default (rewrite)', sql: `alter table ${s}.t add column u uuid default gen_random_uuid()` },
    { name: 'drop column', sql: `alter table ${s}.t drop column b` },
    {
      name: 'rename column, then write it',
      sql: `alter table ${s}.t rename column c to c2; update ${s}.t set c2 = 'x' || id where id % 10 = 0`,
    },
    {
      name: 'alter column type, then values above 2^31',
      sql: `alter table ${s}.t alter column a type bigint; update ${s}.t set a = a + 3000000000 where id <= 10`,
    },
    { name: 'alter column type with USING', sql: `alter table ${s}.t alter column c2 type varchar(20) using upper(c2)` },
    {
      name: 'set/drop default and not null',
      sql: `alter table ${s}.t alter column n set default 9; alter table ${s}.t alter column c2 drop default; alter table ${s}.t alter column c2 set not null; alter table ${s}.t alter column n drop not null`,
    },
    {
      name: 'primary key changed',
      sql: `alter table ${s}.t add column k int; update ${s}.t set k = id * 2; alter table ${s}.t drop constraint t_pkey, add primary key (k); update ${s}.t set a = -1 where k = 4`,
    },
    {
      name: 'inserts, then a rename a moment later',
      sql: `insert into ${s}.t (id, a, k, c2) values (1001, 1, 2002, 'new'); alter table ${s}.t rename to t2; insert into ${s}.t2 (id, a, k, c2) values (1002, 2, 2004, 'newer')`,
    },
    {
      name: 'unique, partial and expression indexes',
      sql: `create unique index t2_id_key on ${s}.t2 (id); create index t2_big on ${s}.t2 (a) where a > 1000000; create index t2_lower_idx on ${s}.t2 (lower(c2))`,
    },
    {
      name: 'unique values swapped in one transaction',
      sql: `update ${s}.t2 set id = -id where id in (1, 2); update ${s}.t2 set id = 1 where id = -2; update ${s}.t2 set id = 2 where id = -1`,
    },
    { name: 'drop index', sql: `drop index ${s}.t2_big` },
    {
      name: 'enum type and a table using it',
      sql: `create type ${s}.mood as enum ('sad', 'ok'); create table ${s}.feel (id int primary key, m ${s}.mood); insert into ${s}.feel values (1, 'sad'), (2, 'ok')`,
    },
    { name: 'enum value added, then used', sql: `alter type ${s}.mood add value 'happy' before 'ok'` },
    { name: 'new enum value used', sql: `insert into ${s}.feel values (3, 'happy')` },
    {
      name: 'composite type, and columns of it',
      sql: `create type ${s}.pair as (x int, y text);
        create table ${s}.pairs (id int primary key, p ${s}.pair, ps ${s}.pair[]);
        insert into ${s}.pairs values (1, row(1, 'a b')::${s}.pair, array[row(2, 'c "d')::${s}.pair, row(null, 'e,f')::${s}.pair]), (2, null, null);
        update ${s}.pairs set p = row(3, null)::${s}.pair where id = 2`,
    },
    {
      name: 'domain with a check',
      sql: `create domain ${s}.posint as int check (value > 0); create table ${s}.qty (id int primary key, q ${s}.posint not null); insert into ${s}.qty values (1, 5), (2, 10)`,
    },
    {
      name: 'partitioned table',
      sql: `create table ${s}.ev (id int, at date, v text, primary key (id, at)) partition by range (at);
        create table ${s}.ev_2025 partition of ${s}.ev for values from ('2025-01-01') to ('2026-01-01');
        create table ${s}.ev_2026 partition of ${s}.ev for values from ('2026-01-01') to ('2027-01-01');
        create table ${s}.ev_other partition of ${s}.ev default;
        create index ev_v on ${s}.ev (v);
        insert into ${s}.ev select g, date '2025-06-01' + g * 3, 'v' || g from generate_series(1, 400) g`,
    },
    {
      name: 'generated column',
      sql: `alter table ${s}.qty add column double_q int generated always as (q * 2) stored; insert into ${s}.qty (id, q) values (3, 21)`,
    },
    {
      name: 'keyless table: duplicates, update and delete of one copy',
      sql: `create table ${s}.log (a int, b text);
        insert into ${s}.log values (1, 'x'), (1, 'x'), (2, 'y'), (3, null);
        update ${s}.log set b = 'z' where ctid = (select ctid from ${s}.log where a = 1 limit 1);
        delete from ${s}.log where ctid = (select ctid from ${s}.log where a = 2 limit 1)`,
    },
    {
      name: 'identity and serial columns',
      sql: `create table ${s}.ids (id int generated always as identity primary key, s serial, v text); insert into ${s}.ids (v) values ('a'), ('b')`,
    },
    { name: 'truncate', sql: `truncate ${s}.log` },
    { name: 'drop table and type', sql: `drop table ${s}.feel; drop type ${s}.mood` },
  ];
}
