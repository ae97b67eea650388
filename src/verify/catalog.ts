import { inScope, type CaptureScope } from '../config/scope.ts';
import type { VerifySession } from './session.ts';

export interface Column {
  name: string;
  /** As format_type prints it, so it can be used in casts and DDL. */
  type: string;
  notNull: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  /** `schema.name`, unquoted: what users pass to --table and what reports show. */
  id: string;
  columns: Column[];
  /** Primary-key column names in key order; empty when the table has none. */
  primaryKey: string[];
  /** pg_class.reltuples: sizes the first segmentation level without a count(*). */
  estimatedRows: number;
}

/** Schemas that are not user data: cqrsctl's own bookkeeping and PostgreSQL's. */
const ignoredSchemas = ['cqrsctl', 'pg_catalog', 'information_schema', 'pg_toast'];

/** Every replicated user table of the database (partitioned tables as their parent), keyed by id. */
export async function readCatalog(session: VerifySession, scope: CaptureScope): Promise<Map<string, TableInfo>> {
  const rows = await session.sql.unsafe<
    { schema: string; name: string; estimate: string; column: string; type: string; notnull: string; pk: string | null }[]
  >(
    `
    select n.nspname as schema, c.relname as name, c.reltuples::text as estimate,
           a.attname as column, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull::text as notnull,
           array_position(i.indkey::int2[], a.attnum)::text as pk
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      left join pg_index i on i.indrelid = c.oid and i.indisprimary
     where c.relkind in ('r', 'p') and not c.relispartition
       and n.nspname <> all($1::text[]) and n.nspname not like 'pg\\_%'
     order by n.nspname, c.relname, a.attnum`,
    [`{${ignoredSchemas.join(',')}}`],
  );
  const tables = new Map<string, TableInfo>();
  const keyOrder = new Map<string, { column: string; position: number }[]>();
  for (const r of rows) {
    const id = `${r.schema}.${r.name}`;
    let t = tables.get(id);
    if (!t) {
      t = { schema: r.schema, name: r.name, id, columns: [], primaryKey: [], estimatedRows: Math.max(0, Number(r.estimate)) };
      tables.set(id, t);
      keyOrder.set(id, []);
    }
    t.columns.push({ name: r.column, type: r.type, notNull: r.notnull === 'true' });
    if (r.pk !== null) keyOrder.get(id)!.push({ column: r.column, position: Number(r.pk) });
  }
  for (const [id, key] of keyOrder) {
    tables.get(id)!.primaryKey = key.sort((a, b) => a.position - b.position).map((k) => k.column);
  }
  for (const [id, t] of tables) if (!inScope(scope, t.schema, t.name)) tables.delete(id);
  return tables;
}
