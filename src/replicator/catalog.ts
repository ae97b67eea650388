import type postgres from 'postgres';
import { quoteIdent } from '../pg/ident.ts';

/** How a column's Debezium JSON value becomes PostgreSQL text input (see pg-text.ts). */
export type Kind = 'text' | 'bool' | 'bytea' | 'timestamp';

export interface Column {
  name: string;
  /** format_type() of the column, e.g. `numeric(38,10)`, `integer[]`: used to create it and to cast into it. */
  type: string;
  kind: Kind;
  array: boolean;
}

export interface TableMeta {
  schema: string;
  table: string;
  /** `"schema"."table"`, quoted for SQL. */
  qualified: string;
  columns: Map<string, Column>;
  primaryKey: string[];
}

export const qualify = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

const kindOf = (typname: string): Kind =>
  typname === 'bool' ? 'bool' : typname === 'bytea' ? 'bytea' : typname === 'timestamp' ? 'timestamp' : 'text';

/** A table's columns and primary key from a database's catalog; undefined when the table does not exist there. */
export async function readTableMeta(sql: postgres.Sql, schema: string, table: string): Promise<TableMeta | undefined> {
  const rows = await sql<{ name: string; type: string; typname: string; elem: string | null; pk: number | null }[]>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typname, e.typname as elem,
           array_position(i.indkey::int2[], a.attnum) as pk
    from pg_attribute a
    join pg_type t on t.oid = a.atttypid
    left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
    left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
    where a.attrelid = to_regclass(${qualify(schema, table)}) and a.attnum > 0 and not a.attisdropped
    order by a.attnum`;
  if (rows.length === 0) return undefined;
  const columns = new Map(rows.map((r): [string, Column] => [r.name, { name: r.name, type: r.type, kind: kindOf(r.elem ?? r.typname), array: r.elem !== null }]));
  const primaryKey = rows.filter((r) => r.pk !== null).sort((a, b) => a.pk! - b.pk!).map((r) => r.name);
  return { schema, table, qualified: qualify(schema, table), columns, primaryKey };
}

/**
 * Makes the replica's table match the leader's: created with the same columns, types and primary key the
 * first time it is seen, and given any column the leader has and it lacks (a column added while running).
 * Defaults and other constraints are not copied: rows arrive complete, and a replica must accept whatever
 * the leader accepted. Idempotent, so concurrent or repeated calls are harmless.
 */
export async function ensureReplicaTable(sql: postgres.Sql, leader: TableMeta): Promise<void> {
  const cols = [...leader.columns.values()];
  const existing = await readTableMeta(sql, leader.schema, leader.table);
  if (!existing) {
    const defs = cols.map((c) => `${quoteIdent(c.name)} ${c.type}`);
    if (leader.primaryKey.length) defs.push(`primary key (${leader.primaryKey.map(quoteIdent).join(', ')})`);
    await sql.begin(async (tx) => {
      await tx.unsafe(`create schema if not exists ${quoteIdent(leader.schema)}`);
      await tx.unsafe(`create table if not exists ${leader.qualified} (${defs.join(', ')})`);
    });
    return;
  }
  const missing = cols.filter((c) => !existing.columns.has(c.name));
  if (missing.length) {
    await sql.unsafe(`alter table ${leader.qualified} ${missing.map((c) => `add column if not exists ${quoteIdent(c.name)} ${c.type}`).join(', ')}`);
  }
}
