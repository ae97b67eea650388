import type postgres from 'postgres';
import type { TableInfo } from './catalog.ts';
import type { Values } from './classify.ts';
import type { TableDiff } from './compare-table.ts';
import { quoteIdent } from '../pg/ident.ts';
import { keyIn, rowsByKey, tableRef, type Shape } from './row-sql.ts';
import type { VerifySession } from './session.ts';

/**
 * The replicator takes this transaction-scoped lock in every apply transaction on a replica; holding it
 * for the whole repair means no batch is applied half before and half after our fix.
 */
const takeApplyLock = (tx: postgres.TransactionSql) => tx.unsafe(`select pg_advisory_xact_lock(hashtext('cqrsctl.apply'))`);

const BATCH = 5000;

async function underApplyLock(replica: VerifySession, work: (tx: postgres.TransactionSql) => Promise<void>): Promise<void> {
  await replica.sql.begin(async (tx) => {
    await takeApplyLock(tx);
    await work(tx);
  });
}

const columnDef = (c: TableInfo['columns'][number]) => `${quoteIdent(c.name)} ${c.type}`;

/**
 * Makes the replica's table definition the leader's: creates or drops the table, adds or drops columns,
 * converts column types through their text form. Returns what it did; a different primary key is left
 * alone (changing it could fail on duplicates) and returned as a note.
 */
export async function repairSchema(replica: VerifySession, diff: TableDiff, leader?: TableInfo, current?: TableInfo): Promise<string[]> {
  const done: string[] = [];
  await underApplyLock(replica, async (tx) => {
    const run = async (statement: string, what: string) => { await tx.unsafe(statement); done.push(what); };
    if (diff.state === 'extra-table') return run(`drop table ${tableRef(current!)}`, `dropped table ${diff.table}`);
    if (diff.state === 'missing-table') {
      const t = leader!;
      const columns = t.columns.map((c) => `${columnDef(c)}${c.notNull ? ' not null' : ''}`);
      if (t.primaryKey.length) columns.push(`primary key (${t.primaryKey.map(quoteIdent).join(', ')})`);
      await tx.unsafe(`create schema if not exists ${quoteIdent(t.schema)}`);
      return run(`create table ${tableRef(t)} (${columns.join(', ')})`, `created table ${diff.table}`);
    }
    const s = diff.schema;
    if (!s || !leader) return;
    const table = tableRef(leader);
    for (const name of s.missingColumns) {
      // Added nullable: the rows are filled by the row repair that follows.
      await run(`alter table ${table} add column ${columnDef(leader.columns.find((c) => c.name === name)!)}`, `added column ${name}`);
    }
    for (const name of s.extraColumns) await run(`alter table ${table} drop column ${quoteIdent(name)}`, `dropped column ${name}`);
    for (const m of s.typeMismatches) {
      await run(`alter table ${table} alter column ${quoteIdent(m.column)} type ${m.leader} using ${quoteIdent(m.column)}::text::${m.leader}`, `changed type of ${m.column} to ${m.leader}`);
    }
    if (s.primaryKey) done.push(`primary key differs (leader: ${s.primaryKey.leader.join(', ') || 'none'}; replica: ${s.primaryKey.replica.join(', ') || 'none'}): not repaired`);
  });
  return done;
}

const insertRows = (tx: postgres.TransactionSql, table: TableInfo, columns: string[], rows: Values[]) => {
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  const casts = columns.map((c, i) => `(e->>${i})::${types.get(c)}`).join(', ');
  return tx.unsafe(
    `insert into ${tableRef(table)} (${columns.map(quoteIdent).join(', ')}) overriding system value select ${casts} from jsonb_array_elements($1::text::jsonb) e`,
    [JSON.stringify(rows)],
  );
};

/**
 * Replaces the replica's rows of every differing key by the leader's current row (or removes it when the
 * leader has none). The leader is read inside the locked transaction, so the fix is never older than what
 * the replicator could have applied meanwhile; applying an event later rewrites the same values.
 */
export async function repairKeyedRows(leader: VerifySession, replica: VerifySession, diff: TableDiff, leaderShape: Shape, replicaShape: Shape, replicaTable: TableInfo): Promise<{ deleted: number; inserted: number }> {
  const keys = [...diff.missing, ...diff.extra, ...diff.changed.map((c) => c.key)];
  const columns = leaderShape.columns;
  let deleted = 0;
  let inserted = 0;
  await underApplyLock(replica, async (tx) => {
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      const q = rowsByKey(leaderShape, columns, batch);
      const rows = (await leader.sql.unsafe(q.text, q.params).values()) as Values[];
      deleted += (await tx.unsafe(`delete from ${tableRef(replicaShape)} where ${keyIn(replicaShape)}`, [JSON.stringify(batch)])).count;
      if (rows.length) inserted += (await insertRows(tx, replicaTable, columns, rows.map((r) => r.slice(leaderShape.key.length)))).count;
    }
  });
  return { deleted, inserted };
}

/** Keyless tables: delete one replica row per extra occurrence, insert the missing rows as compared. */
export async function repairMultiset(replica: VerifySession, diff: TableDiff, replicaTable: TableInfo): Promise<{ deleted: number; inserted: number }> {
  const columns = diff.keyColumns;
  const texts = columns.map((c) => `${quoteIdent(c)}::text`).join(', ');
  const values = columns.map((_, i) => `$1::text::jsonb->>${i}`).join(', ');
  let deleted = 0;
  let inserted = 0;
  await underApplyLock(replica, async (tx) => {
    for (const row of diff.extra) {
      deleted += (await tx.unsafe(
        `delete from ${tableRef(replicaTable)} where ctid = (select ctid from ${tableRef(replicaTable)} where row(${texts}) is not distinct from row(${values}) limit 1)`,
        [JSON.stringify(row)],
      )).count;
    }
    for (let i = 0; i < diff.missing.length; i += BATCH) inserted += (await insertRows(tx, replicaTable, columns, diff.missing.slice(i, i + BATCH))).count;
  });
  return { deleted, inserted };
}
