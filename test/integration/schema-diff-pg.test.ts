import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { quoteIdent } from '../../src/pg/ident.ts';
import { diffSchema, EMPTY_SNAPSHOT } from '../../src/replicator/schema/diff.ts';
import { normalizeSnapshot } from '../../src/replicator/schema/normalize.ts';
import type { CaptureScope } from '../../src/config/scope.ts';
import { readSnapshot, SNAPSHOT_SQL, type Snapshot } from '../../src/replicator/schema/snapshot.ts';
import { startScratchPostgres, type ScratchPostgres } from '../helpers/scratch-pg.ts';

/**
 * Each case builds `before` on a leader, mirrors it onto a replica with diffSchema(EMPTY, before) and
 * plain INSERTs of the rows, runs `ddl` on the leader and diffSchema(before, after) on the replica; the
 * two must then hold the same definitions (by our snapshot and by an independent catalog dump) and rows.
 */
interface Case {
  name: string;
  before?: string;
  ddl: string;
  unsupported?: RegExp[];
  /** Tables (schema.table) truncated on the replica before the statements and reloaded from the leader after. */
  reloaded?: string[];
  /** Checks on the statements themselves, where a correct end state could hide needless work. */
  statements?: (statements: string[]) => void;
}

const none = (pattern: RegExp) => (statements: string[]) =>
  assert.deepEqual(
    statements.filter((s) => pattern.test(s)),
    [],
    `no statement should match ${pattern}`,
  );

const cases: Case[] = [
  {
    name: 'create schema and table',
    ddl: `create schema sales;
      create table sales.invoices (id bigint primary key, total numeric(10,2) not null default 0, note text, issued date default current_date)`,
  },
  {
    name: 'drop schema with its tables, types and sequences',
    before: `create schema sales; create type sales.state as enum ('open', 'paid');
      create table sales.invoices (id serial primary key, state sales.state default 'open');
      create sequence sales.numbers; insert into sales.invoices default values`,
    ddl: 'drop schema sales cascade',
  },
  {
    name: 'rename schema: nothing that names it is rebuilt',
    before: `create schema sales; create type sales.state as enum ('open', 'paid'); create domain sales.amount as numeric check (value >= 0);
      create table sales.invoices (id serial primary key, state sales.state default 'open', total sales.amount, check (total < 1000));
      create index on sales.invoices (state, total); insert into sales.invoices (total) values (5)`,
    ddl: 'alter schema sales rename to billing',
    statements: none(/INDEX|CONSTRAINT|ALTER COLUMN|SEQUENCE/),
  },
  {
    name: 'rename a table and move it to another schema, with its serial sequence',
    before: `create schema a; create schema b;
      create table a.t (id serial primary key, v text unique, w int check (w > 0));
      create index t_w on a.t (w) where w > 10; insert into a.t (v, w) values ('x', 11)`,
    ddl: 'alter table a.t rename to t2; alter table a.t2 set schema b',
    statements: none(/INDEX|CONSTRAINT|ALTER COLUMN|SEQUENCE/),
  },
  {
    name: 'drop table',
    before: 'create table t (id int primary key, v text); create table keep (id int); insert into t values (1, $$a$$)',
    ddl: 'drop table t',
  },
  {
    name: "add columns with defaults: existing rows get the leader's values, now() included",
    before: 'create table t (id int primary key); insert into t select generate_series(1, 3)',
    ddl: `select pg_sleep(0.02);
      alter table t add column c text default 'd', add column n int not null default 7, add column at timestamptz default now(),
        add column born timestamp default localtimestamp, add column tags text[] default '{"a b",c}'`,
  },
  {
    name: 'add a column whose default was later changed: rows keep the value they got',
    before: 'create table t (id int primary key); insert into t values (1), (2)',
    ddl: "alter table t add column c text default 'first'; alter table t alter column c set default 'second'; alter table t alter column c drop default",
  },
  {
    name: 'add a stored generated column and a keyless table',
    before: 'create table t (id int primary key, a int); insert into t values (1, 2)',
    ddl: 'alter table t add column twice int generated always as (a * 2) stored; create table log (at timestamptz, line text)',
  },
  {
    name: 'add an identity column to a table with rows is reported',
    before: 'create table t (a text); insert into t values ($$x$$)',
    ddl: 'alter table t add column id int generated always as identity',
    unsupported: [/"public"\."t"\."id": added as an identity column/],
  },
  {
    name: 'drop, rename and retype columns; indexes and checks on them are not rebuilt by the rename',
    before: `create table t (id int primary key, a int check (a > 0), b text check (b <> ''), gone text, n text);
      create index t_b on t (lower(b)); insert into t values (1, 2, 'B', 'g', '42')`,
    ddl: 'alter table t drop column gone; alter table t rename column b to b2; alter table t alter column a type bigint; alter table t alter column n type int using n::int',
    // Retyping a rebuilds its check on the leader too (a new constraint): only what names b must stay.
    statements: none(/INDEX|t_b_check/),
  },
  {
    name: 'defaults, not null and collation',
    before:
      "create table t (id int primary key, a int default 1, b text, c text not null, d text); insert into t values (1, 1, 'b', 'c', 'd')",
    ddl: 'alter table t alter column a drop default; alter table t alter column b set default $$z$$; alter table t alter column b set not null; alter table t alter column c drop not null; alter table t alter column d type text collate "C"',
  },
  {
    name: 'identity added, changed and dropped; generation expression dropped',
    before: `create table t (id int not null, a int generated by default as identity, b int generated always as identity, g int generated always as (id + 1) stored);
      insert into t (id) values (1)`,
    ddl: `alter table t alter column id add generated always as identity; alter table t alter column a set generated always;
      alter table t alter column b drop identity; alter table t alter column g drop expression`,
  },
  {
    name: 'partitioned table: partitions, default partition, index on the parent, column added through the parent',
    before: `create table ev (id int, at date not null, v text, primary key (id, at)) partition by range (at);
      create table ev_2025 partition of ev for values from ('2025-01-01') to ('2026-01-01');
      insert into ev values (1, '2025-03-01', 'a')`,
    ddl: `create table ev_2026 partition of ev for values from ('2026-01-01') to ('2027-01-01');
      create table ev_other partition of ev default;
      create index on ev (v); select pg_sleep(0.02); alter table ev add column seen timestamptz not null default now();
      alter table ev_2025 alter column v set default 'x'; alter table only ev alter column v set default 'parent only'`,
  },
  {
    name: 'partitions detached, attached, and created in another column order',
    before: `create table p (id int, region text not null, v text, primary key (id, region), check (id > 0)) partition by list (region);
      create table p_a partition of p for values in ('a'); create table p_b partition of p for values in ('b');
      create index on p (v); insert into p values (1, 'a', 'x'), (2, 'b', 'y')`,
    ddl: `alter table p detach partition p_b; alter table only p alter column v set default 'parent only';
      create table p_c (v text, region text not null, id int not null, constraint p_id_check check (id > 0)); alter table p attach partition p_c for values in ('c');
      create table p_d (id int not null, region text not null, v text, constraint p_id_check check (id > 0), constraint own check (v <> '')); create index p_d_v on p_d (v); alter table p attach partition p_d for values in ('d')`,
  },
  {
    name: 'constraints: unique, check, exclusion added, renamed, dropped; primary key changed',
    before: `create table t (id int primary key, a int, b int, r tsrange, constraint a_pos check (a > 0), constraint b_uq unique (b));
      insert into t values (1, 1, 1, '[2024-01-01,2024-02-01)')`,
    ddl: `alter table t rename constraint a_pos to a_positive; alter table t drop constraint b_uq;
      alter table t add constraint ab_uq unique (a, b); alter table t add constraint no_overlap exclude using gist (r with &&);
      alter table t drop constraint t_pkey, add primary key (id, a); alter table t add constraint b_small check (b < 100) not valid`,
  },
  {
    name: 'indexes: unique, partial, expression created; renamed; dropped; changed',
    before:
      'create table t (id int primary key, a text, b int); create index t_a on t (a); create index t_b on t (b); create index t_old on t (a, b)',
    ddl: `create unique index t_lower_a on t (lower(a)); create index t_big on t (b) where b > 100;
      alter index t_a rename to t_a2; drop index t_old; drop index t_b; create index t_b on t (b desc)`,
  },
  {
    name: 'sequences: created, owned, retyped, renamed, dropped; serial column',
    before:
      'create sequence s1; create sequence s2; create sequence s3; create table t (id serial, n int); create table old (id int); create sequence s4 owned by old.id',
    ddl: `alter sequence s1 owned by t.n; alter sequence s3 as smallint; alter sequence s3 rename to s3b; drop sequence s2;
      alter sequence s4 owned by none; drop table old;
      create table u (id bigserial primary key); alter table t rename column n to n2`,
  },
  {
    name: 'enum: created, labels added in place and renamed, type renamed and moved; columns using it untouched',
    before:
      "create schema x; create type mood as enum ('sad', 'ok', 'happy'); create table t (m mood default 'ok', ms mood[]); insert into t values ('sad', '{ok}')",
    ddl: `alter type mood add value 'meh' before 'ok'; alter type mood add value 'ecstatic' after 'happy'; alter type mood add value 'awful' before 'sad';
      alter type mood rename value 'sad' to 'blue'; alter type mood rename to feeling; alter type feeling set schema x;
      create type colour as enum ('red', 'green')`,
    statements: none(/ALTER COLUMN/),
  },
  {
    name: 'composite types: created, attributes added, dropped, renamed, retyped',
    before: 'create type pair as (a int, b text, c text); create type point3 as (x int)',
    ddl: `alter type pair add attribute d date; alter type pair drop attribute c; alter type pair rename attribute a to a2;
      alter type pair alter attribute b type varchar(10); create type box3 as (lo point3, hi point3); create table t (p pair, b box3)`,
  },
  {
    name: 'domains: created with checks, altered, renamed, moved, dropped',
    before: `create schema y; create domain pos as int check (value > 0); create domain code as text not null default 'x';
      create domain gone as int; create table t (p pos, c code); insert into t values (1, 'a')`,
    ddl: `alter domain pos add constraint small check (value < 1000); alter domain pos drop constraint pos_check;
      alter domain code drop not null; alter domain code set default 'y'; alter domain pos rename to positive; alter domain positive set schema y;
      drop domain gone; create domain cents as bigint default 0 constraint whole check (value % 100 = 0)`,
  },
  {
    name: 'drop a type used by a column (cascade)',
    before: "create type st as enum ('a'); create table t (id int, s st, s2 st[]); insert into t values (1, 'a', '{a}')",
    ddl: 'drop type st cascade',
  },
  {
    name: 'table rename: indexes and constraints are renamed in place, not rebuilt',
    before: 'create table t (id int primary key, a text unique, b int check (b > 0)); create index t_a_b on t (a, b) where b > 1',
    ddl: 'alter table t rename to t2; alter table t2 rename column a to a2',
    statements: none(/INDEX|CONSTRAINT/),
  },
  {
    name: 'names that need quoting, renamed, with a quote, a backslash and a keyword',
    before: `create schema "Sales Dept";
      create table "Sales Dept"."Order Items" ("Item ID" int primary key, "Unit Price" numeric check ("Unit Price" >= 0), "select" text);
      create index "By Price" on "Sales Dept"."Order Items" ("Unit Price") where "select" <> 'it''s';
      create type "Sales Dept"."Mood ""Q""" as enum ('it''s', 'a\\b');
      create table "Sales Dept".plain (m "Sales Dept"."Mood ""Q""" default 'a\\b', s serial);
      insert into "Sales Dept"."Order Items" values (1, 2.5, 'x'); insert into "Sales Dept".plain default values`,
    ddl: `alter schema "Sales Dept" rename to "Sales ""Team""";
      alter table "Sales ""Team"""."Order Items" rename to "Line Items";
      alter table "Sales ""Team"""."Line Items" rename column "Unit Price" to "Price €";
      alter type "Sales ""Team"""."Mood ""Q""" add value 'new''one' before 'a\\b'`,
    statements: none(/INDEX|CONSTRAINT|ALTER COLUMN|SEQUENCE/),
  },
  {
    name: 'sub-partitions and a generated column on a partitioned table',
    before: 'create table m (id int, k text, d date, total int, doubled int generated always as (total * 2) stored) partition by list (k)',
    ddl: `create table m_a partition of m for values in ('a') partition by range (d);
      create table m_a_2025 partition of m_a for values from ('2025-01-01') to ('2026-01-01');
      create index on m (d); alter table m add column note text default 'n'`,
  },
  {
    name: "a partition attached with an index and a key that match the parent's",
    before: `create table q (id int, r text, v text, primary key (id, r), constraint q_r check (r <> '')) partition by list (r);
      create index q_v on q (v);
      create table q_x (id int not null, r text not null, v text, primary key (id, r), constraint q_r check (r <> ''));
      create index q_x_v on q_x (v);
      insert into q_x values (1, 'x', 'v')`,
    ddl: "alter table q attach partition q_x for values in ('x')",
  },
  {
    name: 'a type change with USING and no cast, on a reloaded table',
    before:
      "create table t (id int primary key, d date, g int generated always as (id * 2) stored); insert into t values (1, '2024-05-06')",
    ddl: 'alter table t alter column d type int using extract(year from d)::int',
    reloaded: ['public.t'],
  },
];

const SCOPE: CaptureScope = { schemas: [], excludeSchemas: [], tables: [], excludeTables: [] };

/**
 * Definitions by name, straight from the catalog printers, without going through the snapshot code:
 * every index and constraint, a partition's copies of its parent's included (those indexes without
 * their name, which PostgreSQL chooses on each side), and the identity sequences.
 */
async function catalogDump(sql: postgres.Sql): Promise<unknown> {
  const [r] = await sql`
    select (select json_agg(x order by x::text) from (
        select n.nspname || '.' || c.relname as name, c.relkind, pg_get_partkeydef(c.oid) as key, pg_get_expr(c.relpartbound, c.oid) as bound,
          (select json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                    a.attgenerated, a.attidentity, a.attcollation::regcollation::text) order by a.attnum)
             from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
          (select json_agg(x.def || case when x.valid then '' else ' INVALID' end order by x.def) from (
             select i.indisvalid as valid, case when ic.relispartition
               then regexp_replace(pg_get_indexdef(i.indexrelid), '^(CREATE (UNIQUE )?INDEX )\\S+', '\\1(partition of an index)')
               else pg_get_indexdef(i.indexrelid) end as def
             from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = c.oid) x) as indexes,
          (select json_agg(k.conname || ' ' || pg_get_constraintdef(k.oid) order by k.conname) from pg_constraint k where k.conrelid = c.oid) as constraints
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' and c.relkind in ('r', 'p')) x) as tables,
      (select json_agg(x order by x::text) from (
        select t.oid::regtype::text as name, t.typtype, format_type(t.typbasetype, t.typtypmod) as base, t.typnotnull, t.typdefault,
          (select json_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) as labels,
          (select json_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) order by a.attnum) from pg_attribute a
            where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) as attributes,
          (select json_agg(k.conname || ' ' || pg_get_constraintdef(k.oid) order by k.conname) from pg_constraint k where k.contypid = t.oid) as checks
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
          and (t.typtype in ('e', 'd') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))) x) as types,
      (select json_agg(x order by x::text) from (
        select s.schemaname || '.' || s.sequencename as name, s.data_type::text,
          (select d.refobjid::regclass::text || '.' || a.attname from pg_depend d join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
            where d.objid = (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass and d.deptype in ('a', 'i') and d.refobjsubid > 0) as owner
        from pg_sequences s) x) as sequences,
      (select json_agg(nspname order by nspname) from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema') as schemas`;
  return r;
}

/** Every leaf table's rows as text, by table name. */
async function rowsOf(sql: postgres.Sql, s: Snapshot): Promise<Record<string, string>> {
  const rows: Record<string, string> = {};
  for (const t of s.tables.filter((x) => x.kind === 'table')) {
    const q = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
    const [r] = await sql.unsafe(
      `select count(*) || ': ' || coalesce(string_agg(t::text, ' | ' order by t::text), '') as rows from only ${q} t`,
    );
    rows[q] = r.rows as string;
  }
  return rows;
}

/** The leader's rows copied with plain INSERTs, as the replicator would have applied them. */
async function copyRows(from: postgres.Sql, to: postgres.Sql, s: Snapshot): Promise<void> {
  for (const t of s.tables.filter((x) => x.kind === 'table')) {
    const q = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
    const [r] = await from.unsafe(`select json_agg(t)::text as rows from only ${q} t`);
    if (!r.rows) continue;
    const cols = t.columns
      .filter((c) => !c.generated)
      .map((c) => quoteIdent(c.name))
      .join(', ');
    await to.unsafe(
      `insert into ${q} (${cols}) overriding system value select ${cols} from json_populate_recordset(null::${q}, $1::text::json)`,
      [r.rows],
    );
  }
}

async function apply(sql: postgres.Sql, statements: string[]): Promise<void> {
  await sql.begin(async (tx) => {
    for (const s of statements) {
      try {
        await tx.unsafe(s);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n  in: ${s}\n  statements:\n${statements.join(';\n')}`);
      }
    }
  });
}

let pg: ScratchPostgres;
let admin: postgres.Sql;
before(async () => {
  pg = await startScratchPostgres();
  admin = postgres(pg.url, { max: 1, onnotice: () => {} });
});
after(async () => {
  await admin?.end({ timeout: 1 });
  await pg?.stop();
});

async function freshDatabases(...names: string[]): Promise<postgres.Sql[]> {
  for (const db of names) {
    await admin.unsafe(`drop database if exists ${db}`);
    await admin.unsafe(`create database ${db}`);
  }
  return names.map((db) => postgres(pg.urlOf(db), { max: 1, onnotice: () => {} }));
}

describe(
  "diffSchema on PostgreSQL: a replica given the statements ends with the leader's definitions and rows",
  { timeout: 300_000 },
  () => {
    for (const c of cases) {
      test(c.name, async () => {
        const [leader, replica] = await freshDatabases('leader', 'replica');
        try {
          if (c.before) await leader.unsafe(c.before);
          const before = await readSnapshot(leader, SCOPE);
          const build = diffSchema(EMPTY_SNAPSHOT, before);
          assert.deepEqual(build.unsupported, []);
          await apply(replica, build.statements);
          await copyRows(leader, replica, before);
          assert.deepEqual(normalizeSnapshot(await readSnapshot(replica, SCOPE)), normalizeSnapshot(before), 'replica built from EMPTY');
          assert.deepEqual(await catalogDump(replica), await catalogDump(leader), 'replica built from EMPTY');

          await leader.unsafe(c.ddl);
          const next = await readSnapshot(leader, SCOPE);
          const reloaded = next.tables.filter((t) => c.reloaded?.includes(`${t.schema}.${t.name}`));
          const diff = diffSchema(before, next, { reloaded: new Set(reloaded.map((t) => t.oid)) });
          const truncate = reloaded.map((t) => `truncate ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
          await apply(replica, [...truncate, ...diff.statements]);
          await copyRows(leader, replica, { ...next, tables: reloaded });

          assert.equal(diff.unsupported.length, c.unsupported?.length ?? 0, diff.unsupported.join('\n'));
          for (const pattern of c.unsupported ?? [])
            assert.ok(
              diff.unsupported.some((u) => pattern.test(u)),
              `${pattern} in ${diff.unsupported.join('\n')}`,
            );
          c.statements?.(diff.statements);
          assert.deepEqual(normalizeSnapshot(await readSnapshot(replica, SCOPE)), normalizeSnapshot(next));
          assert.deepEqual(await catalogDump(replica), await catalogDump(leader));
          assert.deepEqual(await rowsOf(replica, next), await rowsOf(leader, next));
        } finally {
          await Promise.all([leader.end({ timeout: 1 }), replica.end({ timeout: 1 })]);
        }
      });
    }
  },
);

describe('readSnapshot: what is captured', { timeout: 120_000 }, () => {
  let sql: postgres.Sql;
  const tablesIn = async (scope: Partial<CaptureScope>) =>
    (await readSnapshot(sql, { ...SCOPE, ...scope })).tables.map((t) => `${t.schema}.${t.name}`).sort();
  before(async () => {
    [sql] = await freshDatabases('scoped');
    await sql.unsafe(`create extension citext; create schema a; create schema b; create schema cqrsctl;
      create table cqrsctl.log (id int); create unlogged table a.scratch (id int); create temp table session_only (id int);
      create table a.t1 (id int); create table a.t2 (id int); create table b.t3 (id int); create sequence b.s owned by b.t3.id;
      create table a.p (id int, k int) partition by list (k); create table b.p1 partition of a.p for values in (1)`);
  });
  after(() => sql.end({ timeout: 1 }));

  test('every permanent table of every user schema; not cqrsctl, temporary, unlogged or extension objects', async () => {
    const s = await readSnapshot(sql, SCOPE);
    assert.deepEqual(s.tables.map((t) => `${t.schema}.${t.name}`).sort(), ['a.p', 'a.t1', 'a.t2', 'b.p1', 'b.t3']);
    assert.deepEqual(s.schemas.map((x) => x.name).sort(), ['a', 'b', 'public']);
    assert.deepEqual(s.types, [], 'citext belongs to its extension');
    assert.deepEqual(
      s.sequences.map((q) => q.name),
      ['s'],
    );
  });

  test('schema and table filters; a partition goes with its root; a sequence with its owner', async () => {
    assert.deepEqual(await tablesIn({ schemas: ['a'] }), ['a.p', 'a.t1', 'a.t2']);
    assert.deepEqual(await tablesIn({ excludeSchemas: ['a'] }), ['b.t3']);
    assert.deepEqual(await tablesIn({ tables: ['a.p', 'b.t3'] }), ['a.p', 'b.p1', 'b.t3']);
    assert.deepEqual(await tablesIn({ tables: ['b.p1'] }), []);
    assert.deepEqual(await tablesIn({ excludeTables: ['a.p', 'a.t1'] }), ['a.t2', 'b.t3']);
    assert.deepEqual((await readSnapshot(sql, { ...SCOPE, excludeTables: ['b.t3'] })).sequences, []);
  });

  test('the same JSON from a plpgsql EXECUTE ... USING, as an event trigger runs it', async () => {
    await sql.unsafe(`create function public.snap(a text[], b text[], c text[], d text[]) returns jsonb language plpgsql
      set search_path = pg_catalog as $fn$ declare s jsonb; begin execute $q$${SNAPSHOT_SQL}$q$ into s using a, b, c, d; return s; end $fn$`);
    const [r] = await sql`select public.snap('{}', '{}', '{a.t2}', '{}') as s`;
    assert.deepEqual(r.s, await readSnapshot(sql, { ...SCOPE, tables: ['a.t2'] }));
  });

  test("inside a caller's transaction, the caller's settings are put back", async () => {
    const after = await sql.begin(async (tx) => {
      await tx`set local search_path to a, public`;
      await tx`set local timezone to 'Europe/Paris'`;
      assert.deepEqual(
        (await readSnapshot(tx, { ...SCOPE, tables: ['a.t1'] })).tables.map((t) => t.name),
        ['t1'],
      );
      return tx`select current_setting('search_path') as path, current_setting('TimeZone') as zone`;
    });
    assert.deepEqual([after[0].path, after[0].zone], ['a, public', 'Europe/Paris']);
  });

  test('column facts the replicator needs', async () => {
    await sql.unsafe(`create domain a.flag as bool; create domain a.blob as bytea; create domain a.stamp as a.flag;
      create table a.kinds (b bool, f a.flag, ff a.stamp, y bytea[], yb a.blob[], ts timestamp(3), tz timestamptz, n numeric, v int2vector,
        c text collate "C", id int generated always as identity, g int generated always as (id + 1) stored);
      insert into a.kinds (b) values (true); alter table a.kinds add column m timestamp default '2024-02-03 04:05:06.789'`);
    const [t] = (await readSnapshot(sql, { ...SCOPE, tables: ['a.kinds'] })).tables;
    const facts = t.columns.map((c) => [c.name, c.kind, c.array]);
    assert.deepEqual(facts, [
      ['b', 'bool', false],
      ['f', 'bool', false],
      ['ff', 'bool', false],
      ['y', 'bytea', true],
      ['yb', 'bytea', true],
      ['ts', 'timestamp', false],
      ['tz', 'text', false],
      ['n', 'text', false],
      ['v', 'text', false],
      ['c', 'text', false],
      ['id', 'text', false],
      ['g', 'text', false],
      ['m', 'timestamp', false],
    ]);
    const column = (name: string) => t.columns.find((c) => c.name === name)!;
    assert.equal(column('c').collation, 'pg_catalog."C"');
    assert.deepEqual(
      [column('id').identity, column('id').default, column('g').generated, column('g').default],
      ['always', null, '(id + 1)', null],
    );
    assert.deepEqual([column('m').missing, column('b').missing], ['2024-02-03 04:05:06.789', null]);
    const [p1] = (await readSnapshot(sql, { ...SCOPE, tables: ['a.p'] })).tables.filter((x) => x.name === 'p1');
    assert.deepEqual(
      p1.columns.map((c) => c.inherited),
      [true, true],
    );
  });
});
