import type postgres from 'postgres';

/**
 * An independent look at one schema's definitions and rows, written straight against PostgreSQL's
 * catalog (not through cqrsctl's snapshot code), so a test can prove a replica equals the leader without
 * trusting the code under test: every table's columns in order (type, nullability, default, generated,
 * identity), constraints other than foreign keys, indexes, partitioning; every enum, composite and domain
 * type; and every table's rows as text, in column order.
 */
export async function schemaDump(sql: postgres.Sql, schema: string): Promise<{ definitions: string; rows: Record<string, string> }> {
  const tables = await sql<
    {
      name: string;
      relkind: string;
      columns: string | null;
      indexes: string | null;
      constraints: string | null;
      partkey: string | null;
      bound: string | null;
    }[]
  >`
    select c.relname as name, c.relkind::text,
      (select string_agg(format('%I %s%s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                case when a.attnotnull then ' not null' else '' end,
                coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                case a.attgenerated when 's' then ' stored' else '' end,
                case a.attidentity when '' then '' else ' identity ' || a.attidentity::text end), ', ' order by a.attnum)
         from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
      (select string_agg(pg_get_indexdef(i.indexrelid), '; ' order by pg_get_indexdef(i.indexrelid)) from pg_index i where i.indrelid = c.oid) as indexes,
      (select string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), '; ' order by k.conname) from pg_constraint k where k.conrelid = c.oid and k.contype <> 'f') as constraints,
      pg_get_partkeydef(c.oid) as partkey, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind in ('r', 'p')
    order by c.relname`;
  const types = await sql<{ line: string }[]>`
    select t.typname || ' ' || t.typtype::text || ' ' || coalesce(
      (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid),
      (select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' order by a.attnum) from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped),
      format_type(t.typbasetype, t.typtypmod) || coalesce(' default ' || t.typdefault, '') || case when t.typnotnull then ' not null' else '' end
        || coalesce(' ' || (select string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), '; ' order by k.conname) from pg_constraint k where k.contypid = t.oid), '')) as line
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = ${schema} and (t.typtype in ('e', 'd') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
    order by t.typname`;
  const definitions = [
    ...tables.map(
      (t) =>
        `${t.name} [${t.relkind}${t.partkey ? ` ${t.partkey}` : ''}${t.bound ? ` ${t.bound}` : ''}] (${t.columns}) constraints: ${t.constraints ?? '-'} indexes: ${t.indexes ?? '-'}`,
    ),
    ...types.map((t) => `type ${t.line}`),
  ].join('\n');
  const rows: Record<string, string> = {};
  for (const t of tables) {
    const [r] = await sql.unsafe(
      `select count(*)::text || E'\\n' || coalesce(string_agg(t::text, E'\\n' order by t::text), '') as text from ${quote(schema)}.${quote(t.name)} t`,
    );
    rows[t.name] = r.text as string;
  }
  return { definitions, rows };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Reasons of the dead letters recorded on a replica after `since` (the replicator writes them in the apply transaction). */
export async function deadLetters(sql: postgres.Sql, since: Date): Promise<string[]> {
  const rows = await sql<{ reason: string }[]>`select reason from cqrsctl.dead_letters where dead_at > ${since} order by dead_at`;
  return rows.map((r) => r.reason);
}
