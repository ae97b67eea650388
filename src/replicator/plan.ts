import { quoteIdent } from '../pg/ident.ts';
import type { Column, TableMeta } from './catalog.ts';
import type { Change, ChangeEvent, Row } from './decode.ts';
import { isPlaceholder, toPgText } from './pg-text.ts';

export interface Statement {
  sql: string;
  /** One text[] per column for the multi-row forms, one text per placeholder for the single-row ones. */
  params: unknown[];
  /** The change a single-change statement applies (exact statements), so a failure can name it. */
  source?: Change;
}

/** A keyed change reduced to its final effect within one batch. */
type Final = { kind: 'delete'; row: Row } | { kind: 'upsert'; row: Row };

interface TablePlan {
  meta: TableMeta;
  truncate: boolean;
  finals: Map<string, Final>;
}

/**
 * The statements for a run of row changes (in commit order, no schema change among them). Collapsed (the
 * fast path): a keyed table's changes collapse per key into a few multi-row statements. Exact: one
 * statement per change, in order — the fallback when a collapsed run breaks a unique or exclusion
 * constraint the leader never broke (its own order satisfied them row by row, so replaying that order
 * does too). Keyless tables are always exact: their rows have no identity to collapse on.
 */
export function rowStatements(
  changes: (Change & { event: ChangeEvent })[],
  metaOf: (e: ChangeEvent) => TableMeta,
  exact: boolean,
): Statement[] {
  const collapsed: { key: string; event: ChangeEvent }[] = [];
  const ordered: Statement[] = [];
  for (const change of changes) {
    const meta = metaOf(change.event);
    if (exact || meta.primaryKey.length === 0) ordered.push(...exactStatements(change.event, meta).map((s) => ({ ...s, source: change })));
    else collapsed.push({ key: keyOf(meta, change.event), event: change.event });
  }
  return [...buildStatements(collapsed, metaOf), ...ordered];
}

const keyOf = (meta: TableMeta, e: ChangeEvent) => {
  const row = (e.after ?? e.before)!;
  if (e.op === 't') return '';
  // Keys are only compared within one table, whose key has a fixed number of columns.
  return meta.primaryKey.length === 1
    ? JSON.stringify(row[meta.primaryKey[0]] ?? null)
    : JSON.stringify(meta.primaryKey.map((k) => row[k] ?? null));
};

/**
 * Changes of one key collapse to the last one: a key's final state does not depend on its intermediate
 * ones, so keys are independent and the statements may run in any order (deletes first). A primary-key
 * update arrives from Debezium as a delete of the old key and a create of the new one, so it collapses like
 * any other pair of keys. A TRUNCATE drops what came before it and runs first.
 */
export function buildStatements(events: { key: string; event: ChangeEvent }[], metaOf: (e: ChangeEvent) => TableMeta): Statement[] {
  const tables = new Map<string, TablePlan>();
  for (const { key, event } of events) {
    const meta = metaOf(event);
    let t = tables.get(meta.qualified);
    if (!t) tables.set(meta.qualified, (t = { meta, truncate: false, finals: new Map() }));
    if (event.op === 't') {
      t.truncate = true;
      t.finals.clear();
    } else if (event.op === 'd') {
      t.finals.set(key, { kind: 'delete', row: event.before! });
    } else {
      const previous = t.finals.get(key);
      t.finals.set(key, { kind: 'upsert', row: previous?.kind === 'upsert' ? fillPlaceholders(event.after!, previous.row) : event.after! });
    }
  }
  const out: Statement[] = [];
  for (const t of tables.values()) {
    if (t.truncate) out.push({ sql: `truncate table ${t.meta.qualified}`, params: [] });
    const deletes = [...t.finals.values()].filter((f) => f.kind === 'delete').map((f) => f.row);
    if (deletes.length) out.push(deleteStatement(t.meta, deletes));
    const upserts = [...t.finals.values()].filter((f) => f.kind === 'upsert').map((f) => f.row);
    for (const group of groupByColumns(t.meta, upserts)) out.push(upsertStatement(t.meta, group.columns, group.rows));
  }
  return out;
}

/** An unchanged-TOAST placeholder takes the real value an earlier change of the same key in the batch carried. */
function fillPlaceholders(row: Row, earlier: Row): Row {
  let out = row;
  for (const [name, v] of Object.entries(row)) {
    if (isPlaceholder(v) && name in earlier && !isPlaceholder(earlier[name])) {
      if (out === row) out = { ...row };
      out[name] = earlier[name];
    }
  }
  return out;
}

/**
 * Rows grouped by the columns they carry. A placeholder column is left out of its row's statement, so the
 * replica keeps the value it has (REPLICA IDENTITY FULL, set on the leader, normally prevents placeholders
 * altogether); a column the replica table does not know is ignored (it belonged to a since-dropped column).
 */
function groupByColumns(meta: TableMeta, rows: Row[]): { columns: Column[]; rows: Row[] }[] {
  const groups = new Map<string, { columns: Column[]; rows: Row[] }>();
  for (const row of rows) {
    const columns = carried(meta, row);
    const sig = columns.map((c) => c.name).join('\u0000');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { columns, rows: [] }));
    g.rows.push(row);
  }
  return [...groups.values()];
}

const columnArrays = (columns: Column[], rows: Row[]) => columns.map((c) => rows.map((r) => toPgText(r[c.name], c)));
const unnestOf = (columns: Column[]) =>
  `unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as u(${columns.map((_, i) => `c${i}`).join(', ')})`;

function insertStatement(meta: TableMeta, columns: Column[], rows: Row[]): Statement {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const casts = columns.map((c, i) => `u.c${i}::${c.type}`).join(', ');
  const overriding = meta.overriding ? ' overriding system value' : '';
  return {
    sql: `insert into ${meta.qualified} (${names})${overriding} select ${casts} from ${unnestOf(columns)}`,
    params: columnArrays(columns, rows),
  };
}

function upsertStatement(meta: TableMeta, columns: Column[], rows: Row[]): Statement {
  const insert = insertStatement(meta, columns, rows);
  const rest = columns.filter((c) => !meta.primaryKey.includes(c.name));
  const onConflict = rest.length
    ? `do update set ${rest.map((c) => `${quoteIdent(c.name)} = excluded.${quoteIdent(c.name)}`).join(', ')}`
    : 'do nothing';
  return { sql: `${insert.sql} on conflict (${meta.primaryKey.map(quoteIdent).join(', ')}) ${onConflict}`, params: insert.params };
}

/** The columns of a row a replica can write: known to its table, no placeholder. */
const carried = (meta: TableMeta, row: Row) =>
  Object.keys(row)
    .filter((n) => meta.columns.has(n) && !isPlaceholder(row[n]))
    .map((n) => meta.columns.get(n)!);

/**
 * One change as statements of its own. Keyless: an insert adds a row; a delete removes one row equal to
 * the old one (REPLICA IDENTITY FULL sends it whole; compared as text, which every type has, so json and
 * point columns compare too); an update is both.
 */
function exactStatements(e: ChangeEvent, meta: TableMeta): Statement[] {
  if (e.op === 't') return [{ sql: `truncate table ${meta.qualified}`, params: [] }];
  if (meta.primaryKey.length) {
    if (e.op === 'd') return [deleteStatement(meta, [e.before!])];
    return [upsertStatement(meta, carried(meta, e.after!), [e.after!])];
  }
  const out: Statement[] = [];
  if (e.op === 'u' || e.op === 'd') out.push(deleteOneStatement(meta, e.before!));
  if (e.op !== 'd') out.push(insertStatement(meta, carried(meta, e.after!), [e.after!]));
  return out;
}

function deleteOneStatement(meta: TableMeta, row: Row): Statement {
  const columns = carried(meta, row);
  const match =
    columns.map((c, i) => `t.${quoteIdent(c.name)}::text is not distinct from ($${i + 1}::${c.type})::text`).join(' and ') || 'true';
  return {
    sql: `delete from ${meta.qualified} where ctid = (select t.ctid from ${meta.qualified} t where ${match} limit 1)`,
    params: columns.map((c) => toPgText(row[c.name], c)),
  };
}

function deleteStatement(meta: TableMeta, rows: Row[]): Statement {
  const keys = meta.primaryKey.map((n) => meta.columns.get(n)!);
  const match = keys.map((c, i) => `t.${quoteIdent(c.name)} = u.c${i}::${c.type}`).join(' and ');
  return { sql: `delete from ${meta.qualified} t using ${unnestOf(keys)} where ${match}`, params: columnArrays(keys, rows) };
}
