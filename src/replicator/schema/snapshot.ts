import type postgres from 'postgres';
import type { CaptureScope } from '../../config/scope.ts';

/** The whole captured catalog at one moment; identities are the leader's OIDs, columns' are attnums. */
export interface Snapshot {
  schemas: SchemaDef[];
  types: TypeDef[];
  sequences: SequenceDef[];
  tables: TableDef[];
}

export interface SchemaDef {
  oid: number;
  name: string;
}

export type TypeDef =
  | { oid: number; schema: string; name: string; kind: 'enum'; labels: { oid: number; label: string }[] }
  | { oid: number; schema: string; name: string; kind: 'composite'; attributes: { attnum: number; name: string; type: string }[] }
  | {
      oid: number;
      schema: string;
      name: string;
      kind: 'domain';
      baseType: string;
      notNull: boolean;
      default: string | null;
      checks: { name: string; def: string }[];
    };

/** Identity columns' sequences are left out: they belong to their column. */
export interface SequenceDef {
  oid: number;
  schema: string;
  name: string;
  type: string;
  ownedBy: { table: number; column: string } | null;
}

export interface TableDef {
  oid: number;
  schema: string;
  name: string;
  kind: 'table' | 'partitioned';
  partitionKey: string | null;
  partitionOf: { parent: number; bound: string } | null;
  columns: ColumnDef[];
  primaryKey: string[];
  constraints: ConstraintDef[];
  indexes: IndexDef[];
}

export interface ConstraintDef {
  oid: number;
  name: string;
  type: 'p' | 'u' | 'c' | 'x';
  def: string;
}

export interface IndexDef {
  oid: number;
  name: string;
  def: string;
}

export interface ColumnDef {
  attnum: number;
  name: string;
  type: string;
  /** COLLATE clause operand (qualified) when the column's collation is not its type's, else null. */
  collation: string | null;
  notNull: boolean;
  default: string | null;
  generated: string | null;
  identity: 'always' | 'by default' | null;
  inherited: boolean;
  missing: string | null;
  /** How the connector sends its values; 'raw': a type Debezium does not know (composite), sent as base64 of its text. */
  kind: 'text' | 'bool' | 'bytea' | 'timestamp' | 'raw';
  array: boolean;
}

/**
 * Session settings the snapshot must be read under. search_path = pg_catalog makes every printed name
 * schema-qualified; the others make printed constants (defaults, missing values) the same text whatever
 * the caller's session uses, so equal catalogs give equal JSON. An event trigger function should carry
 * these as SET clauses.
 */
export const SNAPSHOT_SETTINGS: Readonly<Record<string, string>> = {
  search_path: 'pg_catalog',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  extra_float_digits: '3',
  bytea_output: 'hex',
  standard_conforming_strings: 'on',
};

/*
 * Parameters: $1 schemas to include (empty: all), $2 schemas to exclude, $3 tables to include as
 * 'schema.table' (empty: all), $4 tables to exclude.
 * Only permanent tables: temporary and unlogged ones never reach the WAL stream Debezium reads.
 * A partition goes with its root: it is captured when its root is included, and left out when it or
 * any ancestor is excluded, so a captured partition never lacks its parent.
 * Schemas named pg_* are the system's (users cannot create them): pg_catalog, pg_toast, pg_temp_N...
 */
export const SNAPSHOT_SQL = `
with recursive
domain_base(oid, base) as (
  select t.oid, t.typbasetype from pg_catalog.pg_type t where t.typtype = 'd'
  union all
  select b.oid, t.typbasetype from domain_base b join pg_catalog.pg_type t on t.oid = b.base where t.typtype = 'd'
),
resolved(oid, base) as (
  select b.oid, b.base from domain_base b join pg_catalog.pg_type t on t.oid = b.base where t.typtype <> 'd'
),
nsp as (
  select n.oid, n.nspname from pg_catalog.pg_namespace n
  where pg_catalog.left(n.nspname, 3) <> 'pg_' and n.nspname not in ('information_schema', 'cqrsctl')
    and (cardinality($1::text[]) = 0 or n.nspname = any($1::text[]))
    and not n.nspname = any($2::text[])
    and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.objid = n.oid and d.deptype = 'e')
),
candidate as (
  select c.oid from pg_catalog.pg_class c join nsp n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and c.relpersistence = 'p'
    and not (n.nspname || '.' || c.relname) = any($4::text[])
    and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
),
captured as (
  select c.oid, c.relname, c.relkind, c.relpartbound, n.nspname
  from candidate k
  join pg_catalog.pg_class c on c.oid = k.oid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_class root on root.oid = coalesce(pg_catalog.pg_partition_root(c.oid), c.oid)
  join pg_catalog.pg_namespace rn on rn.oid = root.relnamespace
  where (cardinality($3::text[]) = 0 or (rn.nspname || '.' || root.relname) = any($3::text[]))
    and not exists (select 1 from pg_catalog.pg_partition_ancestors(c.oid) a
                    where a.relid not in (select oid from candidate))
),
typ as (
  select t.oid, t.typname, t.typtype, t.typrelid, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefaultbin, n.nspname
  from pg_catalog.pg_type t join nsp n on n.oid = t.typnamespace
  where (t.typtype in ('e', 'd') or (t.typtype = 'c' and (select r.relkind from pg_catalog.pg_class r where r.oid = t.typrelid) = 'c'))
    and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass and d.objid = t.oid and d.deptype = 'e')
),
seq as (
  select c.oid, c.relname, n.nspname, s.seqtypid, own.refobjid as owner, own.attname as owner_column
  from pg_catalog.pg_sequence s
  join pg_catalog.pg_class c on c.oid = s.seqrelid
  join nsp n on n.oid = c.relnamespace
  left join lateral (
    select d.refobjid, a.attname from pg_catalog.pg_depend d
    join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid
      and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjsubid > 0 and d.deptype = 'a'
  ) own on true
  where c.relpersistence = 'p'
    and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype in ('e', 'i'))
    and (own.refobjid is null or own.refobjid in (select oid from captured))
)
select pg_catalog.jsonb_build_object(
  'schemas', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('oid', n.oid::int8, 'name', n.nspname) order by n.oid) from nsp n), '[]'),
  'types', coalesce((select pg_catalog.jsonb_agg(
      pg_catalog.jsonb_build_object('oid', t.oid::int8, 'schema', t.nspname, 'name', t.typname) ||
      case t.typtype
        when 'e' then pg_catalog.jsonb_build_object('kind', 'enum', 'labels', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('oid', e.oid::int8, 'label', e.enumlabel) order by e.enumsortorder)
          from pg_catalog.pg_enum e where e.enumtypid = t.oid), '[]'))
        when 'c' then pg_catalog.jsonb_build_object('kind', 'composite', 'attributes', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('attnum', a.attnum, 'name', a.attname,
                   'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum)
          from pg_catalog.pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped), '[]'))
        else pg_catalog.jsonb_build_object('kind', 'domain', 'baseType', pg_catalog.format_type(t.typbasetype, t.typtypmod),
          'notNull', t.typnotnull, 'default', pg_catalog.pg_get_expr(t.typdefaultbin, 0), 'checks', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', k.conname, 'def', pg_catalog.pg_get_constraintdef(k.oid)) order by k.oid)
          from pg_catalog.pg_constraint k where k.contypid = t.oid and k.contype = 'c'), '[]'))
      end order by t.oid) from typ t), '[]'),
  'sequences', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'oid', s.oid::int8, 'schema', s.nspname, 'name', s.relname, 'type', pg_catalog.format_type(s.seqtypid, null),
      'ownedBy', case when s.owner is not null then pg_catalog.jsonb_build_object('table', s.owner::int8, 'column', s.owner_column) end)
    order by s.oid) from seq s), '[]'),
  'tables', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'oid', c.oid::int8, 'schema', c.nspname, 'name', c.relname,
      'kind', case c.relkind when 'p' then 'partitioned' else 'table' end,
      'partitionKey', case c.relkind when 'p' then pg_catalog.pg_get_partkeydef(c.oid) end,
      'partitionOf', (select pg_catalog.jsonb_build_object('parent', i.inhparent::int8, 'bound', pg_catalog.pg_get_expr(c.relpartbound, c.oid))
                      from pg_catalog.pg_inherits i where i.inhrelid = c.oid and c.relpartbound is not null),
      'columns', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'attnum', a.attnum, 'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
          'collation', case when a.attcollation <> at.typcollation then
            (select pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
             from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation) end,
          'notNull', a.attnotnull,
          'default', case when a.attgenerated = '' then pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) end,
          'generated', case when a.attgenerated = 's' then pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) end,
          'identity', case a.attidentity when 'a' then 'always' when 'd' then 'by default' end,
          'inherited', not a.attislocal,
          'missing', case when a.atthasmissing then (a.attmissingval::text::text[])[1] end,
          'kind', case when (select et.typtype from pg_catalog.pg_type et where et.oid = coalesce(el.base, nullif(bt.typelem, 0), bt.oid)) = 'c' then 'raw'
                    else case coalesce(el.base, nullif(bt.typelem, 0), bt.oid)
                    when 'pg_catalog.bool'::pg_catalog.regtype then 'bool' when 'pg_catalog.bytea'::pg_catalog.regtype then 'bytea'
                    when 'pg_catalog.timestamp'::pg_catalog.regtype then 'timestamp' else 'text' end end,
          'array', bt.typelem <> 0)
          order by a.attnum)
        from pg_catalog.pg_attribute a
        join pg_catalog.pg_type at on at.oid = a.atttypid
        left join resolved ab on ab.oid = a.atttypid
        join lateral (
          select t.oid,
                 case when t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
                       and t.oid not in ('pg_catalog.int2vector'::pg_catalog.regtype, 'pg_catalog.oidvector'::pg_catalog.regtype)
                      then t.typelem else 0::oid end as typelem
          from pg_catalog.pg_type t where t.oid = coalesce(ab.base, a.atttypid)
        ) bt on true
        left join resolved el on el.oid = bt.typelem
        left join pg_catalog.pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]'),
      'primaryKey', coalesce((
        select pg_catalog.jsonb_agg(a.attname order by k.ord)
        from pg_catalog.pg_constraint p
        cross join lateral unnest(p.conkey) with ordinality as k(attnum, ord)
        join pg_catalog.pg_attribute a on a.attrelid = p.conrelid and a.attnum = k.attnum
        where p.conrelid = c.oid and p.contype = 'p'), '[]'),
      'constraints', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('oid', k.oid::int8, 'name', k.conname, 'type', k.contype,
                 'def', pg_catalog.pg_get_constraintdef(k.oid)) order by k.oid)
        from pg_catalog.pg_constraint k
        where k.conrelid = c.oid and k.contype in ('p', 'u', 'c', 'x') and k.conparentid = 0 and k.conislocal), '[]'),
      'indexes', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('oid', i.indexrelid::int8, 'name', ic.relname,
                 'def', pg_catalog.pg_get_indexdef(i.indexrelid)) order by i.indexrelid)
        from pg_catalog.pg_index i join pg_catalog.pg_class ic on ic.oid = i.indexrelid
        where i.indrelid = c.oid and i.indisvalid and not ic.relispartition
          and not exists (select 1 from pg_catalog.pg_constraint k
                          where k.conindid = i.indexrelid and k.conrelid = c.oid and k.contype in ('p', 'u', 'x'))), '[]'))
    order by c.oid) from captured c), '[]')
) as snapshot
`;

/** A text[] literal: postgres.js sends an untyped empty JS array as '', which text[] does not accept. */
const textArray = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** Reads the captured catalog; settings are set locally and put back, so a caller's transaction keeps its own. */
export async function readSnapshot(sql: postgres.Sql | postgres.TransactionSql, scope: CaptureScope): Promise<Snapshot> {
  const names = Object.keys(SNAPSHOT_SETTINGS);
  const read = async (tx: postgres.TransactionSql) => {
    const [saved] = await tx.unsafe(`select ${names.map((_, i) => `pg_catalog.current_setting($${i + 1}) as s${i}`).join(', ')}`, names);
    const apply = (values: string[]) =>
      tx.unsafe(
        `select ${names.map((_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`,
        names.flatMap((n, i) => [n, values[i]]),
      );
    await apply(names.map((n) => SNAPSHOT_SETTINGS[n]));
    const [row] = await tx.unsafe(SNAPSHOT_SQL, [scope.schemas, scope.excludeSchemas, scope.tables, scope.excludeTables].map(textArray));
    await apply(names.map((_, i) => saved[`s${i}`] as string));
    return row.snapshot as Snapshot;
  };
  return 'savepoint' in sql ? read(sql) : (sql.begin(read) as Promise<Snapshot>);
}
