import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSchema, EMPTY_SNAPSHOT, type DiffOptions } from '../../src/replicator/schema/diff.ts';
import { canonicalSql, normalizeSnapshot, tableDefinitionText } from '../../src/replicator/schema/normalize.ts';
import { column } from '../helpers/schema-fixtures.ts';
import type { ColumnDef, ConstraintDef, IndexDef, SequenceDef, Snapshot, TableDef, TypeDef } from '../../src/replicator/schema/snapshot.ts';

const table = (oid: number, name: string, columns: ColumnDef[], extra: Partial<TableDef> = {}): TableDef => ({
  oid,
  schema: 'public',
  name,
  kind: 'table',
  partitionKey: null,
  partitionOf: null,
  columns,
  primaryKey: [],
  constraints: [],
  indexes: [],
  ...extra,
});
const check = (oid: number, name: string, def: string): ConstraintDef => ({ oid, name, type: 'c', def });
const index = (oid: number, name: string, def: string): IndexDef => ({ oid, name, def });
const seq = (oid: number, name: string, extra: Partial<SequenceDef> = {}): SequenceDef => ({
  oid,
  schema: 'public',
  name,
  type: 'bigint',
  ownedBy: null,
  ...extra,
});
const PUBLIC = { oid: 2200, name: 'public' };
const snap = (parts: Partial<Snapshot>): Snapshot => ({ schemas: [PUBLIC], types: [], sequences: [], tables: [], ...parts });
const enumType = (oid: number, name: string, labels: [number, string][], schema = 'public'): TypeDef => ({
  oid,
  schema,
  name,
  kind: 'enum',
  labels: labels.map(([o, label]) => ({ oid: o, label })),
});

const id = column(1, 'id', 'integer', { notNull: true });
const t = table(100, 't', [id, column(2, 'a', 'text')]);

interface Case {
  name: string;
  prev: Snapshot;
  next: Snapshot;
  options?: DiffOptions;
  statements: string[];
  unsupported?: string[];
}

const cases: Case[] = [
  {
    name: 'create schema, then a table in it',
    prev: snap({}),
    next: snap({
      schemas: [PUBLIC, { oid: 10, name: 'sales' }],
      tables: [
        table(100, 'invoices', [column(1, 'id', 'bigint', { notNull: true }), column(2, 'total', 'numeric(10,2)', { default: '0' })], {
          schema: 'sales',
          primaryKey: ['id'],
          constraints: [{ oid: 101, name: 'invoices_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
        }),
      ],
    }),
    statements: [
      'CREATE SCHEMA IF NOT EXISTS "sales"',
      'CREATE TABLE "sales"."invoices" ("id" bigint NOT NULL, "total" numeric(10,2) DEFAULT 0)',
      'ALTER TABLE "sales"."invoices" ADD CONSTRAINT "invoices_pkey" PRIMARY KEY (id)',
    ],
  },
  {
    name: 'drop schema: its table first, then its sequence and type, the schema last',
    prev: snap({
      schemas: [PUBLIC, { oid: 10, name: 's' }],
      types: [enumType(20, 'st', [[21, 'a']], 's')],
      sequences: [seq(30, 'n', { schema: 's' })],
      tables: [table(100, 't', [column(1, 'st', 's.st')], { schema: 's' })],
    }),
    next: snap({}),
    statements: ['DROP TABLE "s"."t"', 'DROP SEQUENCE "s"."n"', 'DROP TYPE "s"."st"', 'DROP SCHEMA "s"'],
  },
  {
    name: 'rename schema: columns, defaults and indexes that name it are left alone',
    prev: snap({
      schemas: [{ oid: 10, name: 'a' }],
      types: [enumType(20, 'mood', [[21, 'ok']], 'a')],
      sequences: [seq(30, 't_id_seq', { schema: 'a', ownedBy: { table: 100, column: 'id' } })],
      tables: [
        table(
          100,
          't',
          [
            column(1, 'id', 'integer', { default: "nextval('a.t_id_seq'::regclass)" }),
            column(2, 'm', 'a.mood', { default: "'ok'::a.mood" }),
          ],
          {
            schema: 'a',
            indexes: [index(40, 't_m', 'CREATE INDEX t_m ON a.t USING btree (m)')],
          },
        ),
      ],
    }),
    next: snap({
      schemas: [{ oid: 10, name: 'b' }],
      types: [enumType(20, 'mood', [[21, 'ok']], 'b')],
      sequences: [seq(30, 't_id_seq', { schema: 'b', ownedBy: { table: 100, column: 'id' } })],
      tables: [
        table(
          100,
          't',
          [
            column(1, 'id', 'integer', { default: "nextval('b.t_id_seq'::regclass)" }),
            column(2, 'm', 'b.mood', { default: "'ok'::b.mood" }),
          ],
          {
            schema: 'b',
            indexes: [index(40, 't_m', 'CREATE INDEX t_m ON b.t USING btree (m)')],
          },
        ),
      ],
    }),
    statements: ['ALTER SCHEMA "a" RENAME TO "b"'],
  },
  {
    name: 'move a table to another schema and rename it; its owned sequence moves with it',
    prev: snap({
      schemas: [PUBLIC, { oid: 10, name: 'b' }],
      sequences: [seq(30, 't_id_seq', { ownedBy: { table: 100, column: 'id' } })],
      tables: [
        table(100, 't', [column(1, 'id', 'integer', { default: "nextval('public.t_id_seq'::regclass)" })], {
          indexes: [index(40, 't_id', 'CREATE INDEX t_id ON public.t USING btree (id)')],
        }),
      ],
    }),
    next: snap({
      schemas: [PUBLIC, { oid: 10, name: 'b' }],
      sequences: [seq(30, 't_id_seq', { schema: 'b', ownedBy: { table: 100, column: 'id' } })],
      tables: [
        table(100, 't2', [column(1, 'id', 'integer', { default: "nextval('b.t_id_seq'::regclass)" })], {
          schema: 'b',
          indexes: [index(40, 't_id', 'CREATE INDEX t_id ON b.t2 USING btree (id)')],
        }),
      ],
    }),
    statements: ['ALTER TABLE "public"."t" SET SCHEMA "b"', 'ALTER TABLE "b"."t" RENAME TO "t2"'],
  },
  {
    name: 'drop table',
    prev: snap({ tables: [t, table(101, 'keep', [id])] }),
    next: snap({ tables: [table(101, 'keep', [id])] }),
    statements: ['DROP TABLE "public"."t"'],
  },
  {
    name: "add columns: default, not null, identity and generated on a new table's columns as declared",
    prev: snap({}),
    next: snap({
      tables: [
        table(100, 't', [
          column(1, 'id', 'integer', { notNull: true, identity: 'by default' }),
          column(2, 'c', 'text', { default: "'d'::text", notNull: true, missing: 'd' }),
          column(3, 'g', 'integer', { generated: '(id * 2)' }),
        ]),
      ],
    }),
    statements: [
      'CREATE TABLE "public"."t" ("id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL, "c" text DEFAULT \'d\'::text NOT NULL, "g" integer GENERATED ALWAYS AS ((id * 2)) STORED)',
    ],
  },
  {
    name: 'add columns to a table with rows: the missing value is what existing rows get',
    prev: snap({ tables: [t] }),
    next: snap({
      tables: [
        table(100, 't', [
          ...t.columns,
          column(3, 'c', 'text', { default: "'d'::text", missing: 'd' }),
          column(4, 'at', 'timestamp with time zone', { default: 'now()', notNull: true, missing: '2024-05-06 07:08:09.123456+00' }),
          column(5, 'gone', 'text', { missing: 'x' }),
          column(6, 'g', 'integer', { generated: '(id * 2)' }),
          column(7, 'plain', 'text'),
        ]),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."t" ADD COLUMN "c" text DEFAULT \'d\'::text',
      'ALTER TABLE "public"."t" ADD COLUMN "at" timestamp with time zone DEFAULT \'2024-05-06 07:08:09.123456+00\'::timestamp with time zone NOT NULL',
      'ALTER TABLE "public"."t" ALTER COLUMN "at" SET DEFAULT now()',
      'ALTER TABLE "public"."t" ADD COLUMN "gone" text DEFAULT \'x\'::text',
      'ALTER TABLE "public"."t" ALTER COLUMN "gone" DROP DEFAULT',
      'ALTER TABLE "public"."t" ADD COLUMN "g" integer GENERATED ALWAYS AS ((id * 2)) STORED',
      'ALTER TABLE "public"."t" ADD COLUMN "plain" text',
    ],
  },
  {
    name: 'a column added with a volatile default or as identity to an existing table is reported, unless reloaded',
    prev: snap({ tables: [t] }),
    next: snap({
      tables: [
        table(100, 't', [
          ...t.columns,
          column(3, 'r', 'double precision', { default: 'random()' }),
          column(4, 'n', 'integer', { notNull: true, identity: 'always' }),
        ]),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."t" ADD COLUMN "r" double precision DEFAULT random()',
      'ALTER TABLE "public"."t" ADD COLUMN "n" integer GENERATED ALWAYS AS IDENTITY NOT NULL',
    ],
    unsupported: [
      'column "public"."t"."r": added with a volatile default; the leader\'s existing rows got values no change event carries (reload the table)',
      'column "public"."t"."n": added as an identity column; the leader\'s existing rows got values no change event carries (reload the table)',
    ],
  },
  {
    name: 'drop, rename and retype columns',
    prev: snap({
      tables: [table(100, 't', [id, column(2, 'a', 'text'), column(3, 'b', 'integer', { default: '0' }), column(4, 'gone', 'text')])],
    }),
    next: snap({ tables: [table(100, 't', [id, column(2, 'a2', 'text'), column(3, 'b', 'bigint', { default: '0' })])] }),
    statements: [
      'ALTER TABLE "public"."t" DROP COLUMN "gone"',
      'ALTER TABLE "public"."t" RENAME COLUMN "a" TO "a2"',
      'ALTER TABLE ONLY "public"."t" ALTER COLUMN "b" DROP DEFAULT',
      'ALTER TABLE "public"."t" ALTER COLUMN "b" TYPE bigint USING "b"::bigint',
      'ALTER TABLE ONLY "public"."t" ALTER COLUMN "b" SET DEFAULT 0',
    ],
  },
  {
    name: 'retype a column of a reloaded table: no cast of rows that are gone; a collation change is a retype',
    prev: snap({ tables: [table(100, 't', [id, column(2, 'd', 'date'), column(3, 's', 'text')])] }),
    next: snap({ tables: [table(100, 't', [id, column(2, 'd', 'integer'), column(3, 's', 'text', { collation: 'pg_catalog."C"' })])] }),
    options: { reloaded: new Set([100]) },
    statements: [
      'ALTER TABLE "public"."t" ALTER COLUMN "d" TYPE integer USING NULL::integer',
      'ALTER TABLE "public"."t" ALTER COLUMN "s" TYPE text COLLATE pg_catalog."C" USING NULL::text',
    ],
  },
  {
    name: 'defaults and not null (defaults only on the table itself, not its partitions)',
    prev: snap({
      tables: [
        table(100, 't', [
          id,
          column(2, 'a', 'integer', { default: '1' }),
          column(3, 'b', 'text'),
          column(4, 'c', 'text', { notNull: true }),
        ]),
      ],
    }),
    next: snap({
      tables: [
        table(100, 't', [
          id,
          column(2, 'a', 'integer'),
          column(3, 'b', 'text', { default: "'z'::text", notNull: true }),
          column(4, 'c', 'text'),
        ]),
      ],
    }),
    statements: [
      'ALTER TABLE ONLY "public"."t" ALTER COLUMN "a" DROP DEFAULT',
      'ALTER TABLE "public"."t" ALTER COLUMN "b" SET NOT NULL',
      'ALTER TABLE ONLY "public"."t" ALTER COLUMN "b" SET DEFAULT \'z\'::text',
      'ALTER TABLE "public"."t" ALTER COLUMN "c" DROP NOT NULL',
    ],
  },
  {
    name: 'identity added (after its default is dropped), changed and dropped',
    prev: snap({
      tables: [
        table(100, 't', [
          column(1, 'a', 'integer', { default: '5' }),
          column(2, 'b', 'integer', { notNull: true, identity: 'by default' }),
          column(3, 'c', 'integer', { notNull: true, identity: 'always' }),
        ]),
      ],
    }),
    next: snap({
      tables: [
        table(100, 't', [
          column(1, 'a', 'integer', { notNull: true, identity: 'always' }),
          column(2, 'b', 'integer', { notNull: true, identity: 'always' }),
          column(3, 'c', 'integer', { notNull: true }),
        ]),
      ],
    }),
    statements: [
      'ALTER TABLE ONLY "public"."t" ALTER COLUMN "a" DROP DEFAULT',
      'ALTER TABLE "public"."t" ALTER COLUMN "a" SET NOT NULL',
      'ALTER TABLE "public"."t" ALTER COLUMN "a" ADD GENERATED ALWAYS AS IDENTITY',
      'ALTER TABLE "public"."t" ALTER COLUMN "b" SET GENERATED ALWAYS',
      'ALTER TABLE "public"."t" ALTER COLUMN "c" DROP IDENTITY',
    ],
  },
  {
    name: 'generation expression dropped; changed is reported',
    prev: snap({
      tables: [
        table(100, 't', [id, column(2, 'g', 'integer', { generated: '(id + 1)' }), column(3, 'h', 'integer', { generated: '(id + 2)' })]),
      ],
    }),
    next: snap({ tables: [table(100, 't', [id, column(2, 'g', 'integer'), column(3, 'h', 'integer', { generated: '(id + 3)' })])] }),
    statements: ['ALTER TABLE "public"."t" ALTER COLUMN "g" DROP EXPRESSION'],
    unsupported: ['column "public"."t"."h": generation expression changed to (id + 3) (reload the table)'],
  },
  {
    name: 'generation expression changed on a reloaded table: the column is rebuilt',
    prev: snap({ tables: [table(100, 't', [id, column(2, 'h', 'integer', { generated: '(id + 2)' })])] }),
    next: snap({ tables: [table(100, 't', [id, column(2, 'h', 'integer', { generated: '(id + 3)' })])] }),
    options: { reloaded: new Set([100]) },
    statements: [
      'ALTER TABLE "public"."t" DROP COLUMN "h"',
      'ALTER TABLE "public"."t" ADD COLUMN "h" integer GENERATED ALWAYS AS ((id + 3)) STORED',
    ],
  },
  {
    name: 'partitioned parent, partitions (a default one), an index on the parent made for every partition',
    prev: snap({}),
    next: snap({
      tables: [
        table(100, 'ev', [column(1, 'at', 'date', { notNull: true }), column(2, 'v', 'text', { default: "'p'::text" })], {
          kind: 'partitioned',
          partitionKey: 'RANGE (at)',
          indexes: [index(110, 'ev_v_idx', 'CREATE INDEX ev_v_idx ON ONLY public.ev USING btree (v)')],
        }),
        table(
          101,
          'ev_2025',
          [column(1, 'at', 'date', { notNull: true, inherited: true }), column(2, 'v', 'text', { default: "'x'::text", inherited: true })],
          {
            partitionOf: { parent: 100, bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')" },
          },
        ),
        table(
          102,
          'ev_other',
          [column(1, 'at', 'date', { notNull: true, inherited: true }), column(2, 'v', 'text', { default: "'p'::text", inherited: true })],
          {
            partitionOf: { parent: 100, bound: 'DEFAULT' },
          },
        ),
      ],
    }),
    statements: [
      'CREATE TABLE "public"."ev" ("at" date NOT NULL, "v" text DEFAULT \'p\'::text) PARTITION BY RANGE (at)',
      'CREATE TABLE "public"."ev_2025" PARTITION OF "public"."ev" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\')',
      'CREATE TABLE "public"."ev_other" PARTITION OF "public"."ev" DEFAULT',
      'ALTER TABLE ONLY "public"."ev_2025" ALTER COLUMN "v" SET DEFAULT \'x\'::text',
      'CREATE INDEX ev_v_idx ON public.ev USING btree (v)',
    ],
  },
  {
    name: "a column added on the parent reaches the partitions through it, with the partitions' missing value",
    prev: snap({
      tables: [
        table(100, 'ev', [column(1, 'at', 'date')], { kind: 'partitioned', partitionKey: 'RANGE (at)' }),
        table(101, 'ev_1', [column(1, 'at', 'date', { inherited: true })], { partitionOf: { parent: 100, bound: 'DEFAULT' } }),
      ],
    }),
    next: snap({
      tables: [
        table(100, 'ev', [column(1, 'at', 'date'), column(2, 'seen', 'timestamp with time zone', { default: 'now()' })], {
          kind: 'partitioned',
          partitionKey: 'RANGE (at)',
        }),
        table(
          101,
          'ev_1',
          [
            column(1, 'at', 'date', { inherited: true }),
            column(2, 'seen', 'timestamp with time zone', { default: 'now()', inherited: true, missing: '2024-01-01 00:00:00+00' }),
          ],
          {
            partitionOf: { parent: 100, bound: 'DEFAULT' },
          },
        ),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."ev" ADD COLUMN "seen" timestamp with time zone DEFAULT \'2024-01-01 00:00:00+00\'::timestamp with time zone',
      'ALTER TABLE "public"."ev" ALTER COLUMN "seen" SET DEFAULT now()',
    ],
  },
  {
    name: 'columns dropped, renamed and retyped on the parent are not touched on its partitions',
    prev: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer'), column(2, 'v', 'text'), column(3, 'gone', 'text')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
        }),
        table(
          101,
          'p1',
          [
            column(1, 'k', 'integer', { inherited: true }),
            column(2, 'v', 'text', { inherited: true }),
            column(3, 'gone', 'text', { inherited: true }),
          ],
          {
            partitionOf: { parent: 100, bound: 'FOR VALUES IN (1)' },
          },
        ),
      ],
    }),
    next: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer'), column(2, 'v2', 'character varying(5)')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
        }),
        table(101, 'p1', [column(1, 'k', 'integer', { inherited: true }), column(2, 'v2', 'character varying(5)', { inherited: true })], {
          partitionOf: { parent: 100, bound: 'FOR VALUES IN (1)' },
        }),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."p" DROP COLUMN "gone"',
      'ALTER TABLE "public"."p" RENAME COLUMN "v" TO "v2"',
      'ALTER TABLE "public"."p" ALTER COLUMN "v2" TYPE character varying(5) USING "v2"::character varying(5)',
    ],
  },
  {
    name: "detach: the partition's copies of the parent's constraints and indexes are replaced by its own list",
    prev: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
          constraints: [check(120, 'k_pos', 'CHECK ((k > 0))')],
        }),
        table(101, 'p1', [column(1, 'k', 'integer', { inherited: true })], { partitionOf: { parent: 100, bound: 'FOR VALUES IN (1)' } }),
      ],
    }),
    next: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
          constraints: [check(120, 'k_pos', 'CHECK ((k > 0))')],
        }),
        table(101, 'p1', [column(1, 'k', 'integer')], { constraints: [check(121, 'k_pos', 'CHECK ((k > 0))')] }),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."p" DETACH PARTITION "public"."p1"',
      `DO $cqrsctl$ DECLARE r record; BEGIN
  FOR r IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = '"public"."p1"'::pg_catalog.regclass AND contype IN ('p', 'u', 'x', 'c') LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', '"public"."p1"', r.conname);
  END LOOP;
  FOR r IN SELECT indexrelid::pg_catalog.regclass::text AS name FROM pg_catalog.pg_index WHERE indrelid = '"public"."p1"'::pg_catalog.regclass LOOP
    EXECUTE 'DROP INDEX ' || r.name;
  END LOOP;
END $cqrsctl$`,
      'ALTER TABLE "public"."p1" ADD CONSTRAINT "k_pos" CHECK ((k > 0))',
    ],
  },
  {
    name: "attach: the table keeps the checks that become inherited, gets the parent's it lacks, after its own changes",
    prev: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
          constraints: [check(120, 'k_pos', 'CHECK ((k > 0))'), check(122, 'k_small', 'CHECK ((k < 9))')],
        }),
        table(101, 'p1', [column(1, 'k', 'integer'), column(2, 'extra', 'text')], {
          constraints: [check(121, 'k_pos', 'CHECK ((k > 0))'), check(123, 'own', 'CHECK ((k <> 5))')],
        }),
      ],
    }),
    next: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer')], {
          kind: 'partitioned',
          partitionKey: 'LIST (k)',
          constraints: [check(120, 'k_pos', 'CHECK ((k > 0))'), check(122, 'k_small', 'CHECK ((k < 9))')],
        }),
        table(101, 'p1', [column(1, 'k', 'integer', { inherited: true })], {
          partitionOf: { parent: 100, bound: 'FOR VALUES IN (1)' },
          constraints: [check(123, 'own', 'CHECK ((k <> 5))')],
        }),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."p1" DROP COLUMN "extra"',
      'ALTER TABLE "public"."p1" ADD CONSTRAINT "k_small" CHECK ((k < 9))',
      'ALTER TABLE "public"."p" ATTACH PARTITION "public"."p1" FOR VALUES IN (1)',
    ],
  },
  {
    name: "a new partition whose columns are in another order than its parent's is created alone and attached",
    prev: snap({
      tables: [table(100, 'p', [column(1, 'k', 'integer'), column(2, 'v', 'text')], { kind: 'partitioned', partitionKey: 'LIST (k)' })],
    }),
    next: snap({
      tables: [
        table(100, 'p', [column(1, 'k', 'integer'), column(2, 'v', 'text')], { kind: 'partitioned', partitionKey: 'LIST (k)' }),
        table(101, 'p1', [column(1, 'v', 'text', { inherited: true }), column(2, 'k', 'integer', { inherited: true })], {
          partitionOf: { parent: 100, bound: 'FOR VALUES IN (1)' },
        }),
      ],
    }),
    statements: [
      'CREATE TABLE "public"."p1" ("v" text, "k" integer)',
      'ALTER TABLE "public"."p" ATTACH PARTITION "public"."p1" FOR VALUES IN (1)',
    ],
  },
  {
    name: 'constraints by oid: dropped, renamed, changed (drop and add), added; primary key changed before not null drops',
    prev: snap({
      tables: [
        table(100, 't', [id, column(2, 'a', 'integer', { notNull: true })], {
          primaryKey: ['a'],
          constraints: [
            { oid: 110, name: 't_pkey', type: 'p', def: 'PRIMARY KEY (a)' },
            check(111, 'gone', 'CHECK ((a > 0))'),
            check(112, 'old_name', 'CHECK ((a < 10))'),
            check(113, 'changes', 'CHECK ((a <> 3))'),
          ],
        }),
      ],
    }),
    next: snap({
      tables: [
        table(100, 't', [id, column(2, 'a', 'integer')], {
          primaryKey: ['id'],
          constraints: [
            check(112, 'new_name', 'CHECK ((a < 10))'),
            check(113, 'changes', 'CHECK ((a <> 4))'),
            { oid: 114, name: 't_pkey', type: 'p', def: 'PRIMARY KEY (id)' },
            { oid: 115, name: 'no_overlap', type: 'x', def: 'EXCLUDE USING btree (a WITH =)' },
          ],
        }),
      ],
    }),
    statements: [
      'ALTER TABLE "public"."t" DROP CONSTRAINT "t_pkey"',
      'ALTER TABLE "public"."t" DROP CONSTRAINT "gone"',
      'ALTER TABLE "public"."t" DROP CONSTRAINT "changes"',
      'ALTER TABLE "public"."t" ALTER COLUMN "a" DROP NOT NULL',
      'ALTER TABLE "public"."t" RENAME CONSTRAINT "old_name" TO "new_name"',
      'ALTER TABLE "public"."t" ADD CONSTRAINT "changes" CHECK ((a <> 4))',
      'ALTER TABLE "public"."t" ADD CONSTRAINT "t_pkey" PRIMARY KEY (id)',
      'ALTER TABLE "public"."t" ADD CONSTRAINT "no_overlap" EXCLUDE USING btree (a WITH =)',
    ],
  },
  {
    name: 'indexes by oid: dropped, renamed, changed (drop and create), created; a column rename alone rebuilds nothing',
    prev: snap({
      tables: [
        table(100, 't', [id, column(2, 'a', 'text')], {
          indexes: [
            index(110, 'gone', 'CREATE INDEX gone ON public.t USING btree (id)'),
            index(111, 't_a', 'CREATE INDEX t_a ON public.t USING btree (lower(a))'),
            index(112, 'changes', 'CREATE INDEX changes ON public.t USING btree (id)'),
          ],
        }),
      ],
    }),
    next: snap({
      tables: [
        table(100, 't', [id, column(2, 'b', 'text')], {
          indexes: [
            index(111, 't_b', 'CREATE INDEX t_b ON public.t USING btree (lower(b))'),
            index(112, 'changes', 'CREATE INDEX changes ON public.t USING btree (id DESC)'),
            index(113, 'part', 'CREATE UNIQUE INDEX part ON public.t USING btree (b) WHERE (id > 0)'),
          ],
        }),
      ],
    }),
    statements: [
      'DROP INDEX "public"."gone"',
      'DROP INDEX "public"."changes"',
      'ALTER TABLE "public"."t" RENAME COLUMN "a" TO "b"',
      'ALTER INDEX "public"."t_a" RENAME TO "t_b"',
      'CREATE INDEX changes ON public.t USING btree (id DESC)',
      'CREATE UNIQUE INDEX part ON public.t USING btree (b) WHERE (id > 0)',
    ],
  },
  {
    name: 'sequences: created before the table using them, owned after; renamed, retyped, disowned before their owner goes, dropped',
    prev: snap({
      sequences: [
        seq(30, 'old'),
        seq(31, 'kept', { ownedBy: { table: 101, column: 'id' } }),
        seq(32, 'goes'),
        seq(33, 'owned', { ownedBy: { table: 101, column: 'id' } }),
      ],
      tables: [table(101, 'o', [id])],
    }),
    next: snap({
      sequences: [seq(30, 'new', { type: 'integer' }), seq(31, 'kept'), seq(34, 'n', { ownedBy: { table: 100, column: 'id' } })],
      tables: [table(100, 't', [column(1, 'id', 'integer', { default: "nextval('n'::regclass)" })])],
    }),
    statements: [
      'ALTER SEQUENCE "public"."kept" OWNED BY NONE',
      'DROP TABLE "public"."o"',
      'ALTER SEQUENCE "public"."old" RENAME TO "new"',
      'ALTER SEQUENCE "public"."new" AS integer',
      'CREATE SEQUENCE "public"."n" AS bigint',
      'CREATE TABLE "public"."t" ("id" integer DEFAULT nextval(\'n\'::regclass))',
      'ALTER SEQUENCE "public"."n" OWNED BY "public"."t"."id"',
      'DROP SEQUENCE "public"."goes"',
    ],
  },
  {
    name: 'enum: labels added in place, renamed first; created; a column using it is left alone',
    prev: snap({
      types: [
        enumType(20, 'mood', [
          [21, 'sad'],
          [22, 'ok'],
        ]),
      ],
      tables: [table(100, 't', [column(1, 'm', 'mood')])],
    }),
    next: snap({
      types: [
        enumType(20, 'mood', [
          [25, 'awful'],
          [21, 'blue'],
          [23, 'meh'],
          [24, 'meh2'],
          [22, 'ok'],
          [26, 'great'],
        ]),
        enumType(27, 'colour', [
          [28, "it's"],
          [29, 'a\\b'],
        ]),
      ],
      tables: [table(100, 't', [column(1, 'm', 'mood')])],
    }),
    statements: [
      "CREATE TYPE \"public\".\"colour\" AS ENUM ('it''s', E'a\\\\b')",
      'ALTER TYPE "public"."mood" RENAME VALUE \'sad\' TO \'blue\'',
      'ALTER TYPE "public"."mood" ADD VALUE \'awful\' BEFORE \'blue\'',
      'ALTER TYPE "public"."mood" ADD VALUE \'meh\' AFTER \'blue\'',
      'ALTER TYPE "public"."mood" ADD VALUE \'meh2\' AFTER \'meh\'',
      'ALTER TYPE "public"."mood" ADD VALUE \'great\' AFTER \'ok\'',
    ],
  },
  {
    name: 'enum: a removed or reordered label is reported',
    prev: snap({
      types: [
        enumType(20, 'mood', [
          [21, 'a'],
          [22, 'b'],
          [23, 'c'],
        ]),
      ],
    }),
    next: snap({
      types: [
        enumType(20, 'mood', [
          [22, 'b'],
          [21, 'a'],
        ]),
      ],
    }),
    statements: [],
    unsupported: [
      'type "public"."mood": enum label \'c\' removed (PostgreSQL cannot drop an enum label)',
      'type "public"."mood": enum labels reordered',
    ],
  },
  {
    name: 'composite: created after the type it uses; attributes dropped, renamed, added, retyped',
    prev: snap({
      types: [
        {
          oid: 20,
          schema: 'public',
          name: 'pair',
          kind: 'composite',
          attributes: [
            { attnum: 1, name: 'a', type: 'integer' },
            { attnum: 2, name: 'b', type: 'text' },
            { attnum: 3, name: 'c', type: 'text' },
          ],
        },
      ],
    }),
    next: snap({
      types: [
        {
          oid: 20,
          schema: 'public',
          name: 'pair',
          kind: 'composite',
          attributes: [
            { attnum: 1, name: 'a2', type: 'integer' },
            { attnum: 2, name: 'b', type: 'character varying(10)' },
            { attnum: 4, name: 'd', type: 'date' },
          ],
        },
        { oid: 30, schema: 'public', name: 'box', kind: 'composite', attributes: [{ attnum: 1, name: 'lo', type: 'public.pt' }] },
        { oid: 31, schema: 'public', name: 'pt', kind: 'composite', attributes: [{ attnum: 1, name: 'x', type: 'integer' }] },
      ],
    }),
    statements: [
      'CREATE TYPE "public"."pt" AS ("x" integer)',
      'CREATE TYPE "public"."box" AS ("lo" public.pt)',
      'ALTER TYPE "public"."pair" DROP ATTRIBUTE "c"',
      'ALTER TYPE "public"."pair" RENAME ATTRIBUTE "a" TO "a2"',
      'ALTER TYPE "public"."pair" ALTER ATTRIBUTE "b" TYPE character varying(10)',
      'ALTER TYPE "public"."pair" ADD ATTRIBUTE "d" date',
    ],
  },
  {
    name: 'domain: created with default, not null and named checks; altered; base type change reported',
    prev: snap({
      types: [
        {
          oid: 20,
          schema: 'public',
          name: 'pos',
          kind: 'domain',
          baseType: 'integer',
          notNull: false,
          default: null,
          checks: [
            { name: 'pos_check', def: 'CHECK ((VALUE > 0))' },
            { name: 'same', def: 'CHECK ((VALUE < 99))' },
          ],
        },
      ],
    }),
    next: snap({
      types: [
        {
          oid: 20,
          schema: 'public',
          name: 'pos',
          kind: 'domain',
          baseType: 'bigint',
          notNull: true,
          default: '1',
          checks: [
            { name: 'same', def: 'CHECK ((VALUE < 99))' },
            { name: 'small', def: 'CHECK ((VALUE < 1000)) NOT VALID' },
          ],
        },
        {
          oid: 21,
          schema: 'public',
          name: 'code',
          kind: 'domain',
          baseType: 'text',
          notNull: true,
          default: "'x'::text",
          checks: [{ name: 'short', def: 'CHECK ((length(VALUE) < 5))' }],
        },
      ],
    }),
    statements: [
      'CREATE DOMAIN "public"."code" AS text DEFAULT \'x\'::text NOT NULL',
      'ALTER DOMAIN "public"."code" ADD CONSTRAINT "short" CHECK ((length(VALUE) < 5))',
      'ALTER DOMAIN "public"."pos" SET DEFAULT 1',
      'ALTER DOMAIN "public"."pos" SET NOT NULL',
      'ALTER DOMAIN "public"."pos" DROP CONSTRAINT "pos_check"',
      'ALTER DOMAIN "public"."pos" ADD CONSTRAINT "small" CHECK ((VALUE < 1000)) NOT VALID',
    ],
    unsupported: ['type "public"."pos": domain base type changed from integer to bigint'],
  },
  {
    name: 'types renamed and moved before the tables that use them; a domain over an enum dropped before the enum',
    prev: snap({
      schemas: [PUBLIC, { oid: 10, name: 'x' }],
      types: [
        enumType(20, 'mood', [[21, 'ok']]),
        { oid: 22, schema: 'public', name: 'd', kind: 'domain', baseType: 'integer', notNull: false, default: null, checks: [] },
        enumType(23, 'base', [[24, 'a']]),
        { oid: 19, schema: 'public', name: 'over', kind: 'domain', baseType: 'public.base', notNull: false, default: null, checks: [] },
      ],
      tables: [table(100, 't', [column(1, 'm', 'public.mood'), column(2, 'ms', 'public.mood[]')])],
    }),
    next: snap({
      schemas: [PUBLIC, { oid: 10, name: 'x' }],
      types: [
        enumType(20, 'feeling', [[21, 'ok']], 'x'),
        { oid: 22, schema: 'public', name: 'd2', kind: 'domain', baseType: 'integer', notNull: false, default: null, checks: [] },
      ],
      tables: [table(100, 't', [column(1, 'm', 'x.feeling'), column(2, 'ms', 'x.feeling[]'), column(3, 'n', 'x.feeling')])],
    }),
    statements: [
      'ALTER TYPE "public"."mood" SET SCHEMA "x"',
      'ALTER TYPE "x"."mood" RENAME TO "feeling"',
      'ALTER TYPE "public"."d" RENAME TO "d2"',
      'ALTER TABLE "public"."t" ADD COLUMN "n" x.feeling',
      'DROP DOMAIN "public"."over"',
      'DROP TYPE "public"."base"',
    ],
  },
  {
    name: 'identifiers are quoted, whatever they hold',
    prev: snap({}),
    next: snap({
      schemas: [PUBLIC, { oid: 10, name: 'Sales "Team"' }],
      tables: [table(100, 'Line Items', [column(1, 'Price €', 'numeric', { default: "'1.5'::numeric" })], { schema: 'Sales "Team"' })],
    }),
    statements: [
      'CREATE SCHEMA IF NOT EXISTS "Sales ""Team"""',
      'CREATE TABLE "Sales ""Team"""."Line Items" ("Price €" numeric DEFAULT \'1.5\'::numeric)',
    ],
  },
  {
    name: 'equal snapshots: nothing to do',
    prev: snap({ tables: [t] }),
    next: snap({ tables: [t] }),
    statements: [],
  },
];

describe('diffSchema', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = diffSchema(c.prev, c.next, c.options);
      assert.deepEqual(d.statements, c.statements);
      assert.deepEqual(d.unsupported, c.unsupported ?? []);
    });
  }

  it('from EMPTY_SNAPSHOT to EMPTY_SNAPSHOT there is nothing to do', () => {
    assert.deepEqual(diffSchema(EMPTY_SNAPSHOT, EMPTY_SNAPSHOT), { statements: [], unsupported: [] });
  });
});

describe('normalizeSnapshot and the definition text', () => {
  const leader = snap({
    sequences: [seq(30, 't_id_seq', { ownedBy: { table: 100, column: 'id' } })],
    tables: [
      table(
        100,
        't',
        [column(1, 'id', 'integer', { notNull: true, missing: null }), column(3, 'a', 'text', { missing: 'x', default: "'x'::text" })],
        {
          primaryKey: ['id'],
          constraints: [{ oid: 110, name: 't_pkey', type: 'p', def: 'PRIMARY KEY (id)' }, check(111, 'a_check', "CHECK ((a <> ''::text))")],
          indexes: [index(112, 't_a', 'CREATE INDEX t_a ON public.t USING btree (a)')],
        },
      ),
    ],
  });
  // The same definitions with the replica's own OIDs and attnums, constraints listed in another order, no missing value.
  const replica = snap({
    sequences: [seq(930, 't_id_seq', { ownedBy: { table: 900, column: 'id' } })],
    tables: [
      table(900, 't', [column(1, 'id', 'integer', { notNull: true }), column(2, 'a', 'text', { default: "'x'::text" })], {
        primaryKey: ['id'],
        constraints: [check(911, 'a_check', "CHECK ((a <> ''::text))"), { oid: 910, name: 't_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
        indexes: [index(912, 't_a', 'CREATE INDEX t_a ON public.t USING btree (a)')],
      }),
    ],
  });

  it('equal definitions normalize equal, whatever the OIDs, attnums and missing values', () => {
    assert.deepEqual(normalizeSnapshot(replica), normalizeSnapshot(leader));
  });

  it('a difference in a definition shows', () => {
    const renamed = snap({
      ...replica,
      tables: [{ ...replica.tables[0], columns: [replica.tables[0].columns[0], column(2, 'b', 'text', { default: "'x'::text" })] }],
    });
    assert.notDeepEqual(normalizeSnapshot(renamed), normalizeSnapshot(leader));
    const retyped = snap({
      ...replica,
      tables: [{ ...replica.tables[0], indexes: [index(912, 't_a', 'CREATE INDEX t_a ON public.t USING hash (a)')] }],
    });
    assert.notDeepEqual(normalizeSnapshot(retyped), normalizeSnapshot(leader));
    assert.equal(normalizeSnapshot(leader).sequences[0].ownedBy, 'public.t.id');
  });

  it('tableDefinitionText lists columns, key, constraints and indexes', () => {
    assert.equal(
      tableDefinitionText(leader, leader.tables[0]),
      [
        'TABLE "public"."t"',
        '  "id" integer NOT NULL',
        '  "a" text DEFAULT \'x\'::text',
        '  PRIMARY KEY ("id")',
        '  CONSTRAINT "a_check" CHECK ((a <> \'\'::text))',
        '  CONSTRAINT "t_pkey" PRIMARY KEY (id)',
        '  CREATE INDEX t_a ON public.t USING btree (a)',
      ].join('\n'),
    );
  });

  it('canonicalSql spells a text one way and applies renames, regclass literals included', () => {
    const renames = {
      objects: new Map([['public\0t_id_seq', ['x', 'seq'] as [string, string]]]),
      schemas: new Map([['a', 'b']]),
      columns: new Map([['c', 'd']]),
    };
    assert.equal(canonicalSql("nextval('t_id_seq'::regclass)", renames), canonicalSql("nextval('t_id_seq'::regclass)"));
    assert.equal(canonicalSql("nextval('public.t_id_seq'::regclass)", renames), canonicalSql("nextval('x.seq'::regclass)"));
    assert.equal(canonicalSql("(c > 0) AND (a.f(c) = 'c')", renames), canonicalSql("(d > 0) AND (b.f(d) = 'c')"));
    assert.equal(canonicalSql('"My T".x'), canonicalSql('"My T"."x"'));
  });
});
