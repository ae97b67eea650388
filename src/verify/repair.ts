import type postgres from 'postgres';
import type { TableInfo } from './catalog.ts';
import type { Values } from './classify.ts';
import type { TableDiff } from './compare-table.ts';
import { quoteIdent } from '../pg/ident.ts';
import { takeApplyLock } from '../replicator/progress-schema.ts';
import { keyIn, rowsByKey, tableRef, type Shape } from './row-sql.ts';
import type { VerifySession } from './session.ts';

const BATCH = 5000;

/** Holding the apply lock for the whole repair means no batch is applied half before and half after our fix. */
async function underApplyLock(replica: VerifySession, work: (tx: postgres.TransactionSql) => Promise<void>): Promise<void> {
  await replica.sql.begin(async (tx) => {
    await takeApplyLock(tx);
    await work(tx);
  });
}

/**
 * Makes the replica's definitions the leader's (tables, columns, keys, indexes, user-defined types and
 * domains, schemas; objects matched by name) in one transaction under the apply lock. Returns what it ran,
 * and what it could not express.
 */
export async function repairDefinitions(
  replica: VerifySession,
  repair: { statements: string[]; unsupported: string[] },
): Promise<string[]> {
  await underApplyLock(replica, async (tx) => {
    for (const statement of repair.statements) await tx.unsafe(statement);
  });
  return [...repair.statements, ...repair.unsupported.map((u) => `not repaired: ${u}`)];
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
export async function repairKeyedRows(
  leader: VerifySession,
  replica: VerifySession,
  diff: TableDiff,
  leaderShape: Shape,
  replicaShape: Shape,
  replicaTable: TableInfo,
): Promise<{ deleted: number; inserted: number }> {
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
      if (rows.length)
        inserted += (
          await insertRows(
            tx,
            replicaTable,
            columns,
            rows.map((r) => r.slice(leaderShape.key.length)),
          )
        ).count;
    }
  });
  return { deleted, inserted };
}

/** Keyless tables: delete one replica row per extra occurrence, insert the missing rows as compared. */
export async function repairMultiset(
  replica: VerifySession,
  diff: TableDiff,
  replicaTable: TableInfo,
): Promise<{ deleted: number; inserted: number }> {
  const columns = diff.keyColumns;
  const texts = columns.map((c) => `${quoteIdent(c)}::text`).join(', ');
  const values = columns.map((_, i) => `$1::text::jsonb->>${i}`).join(', ');
  let deleted = 0;
  let inserted = 0;
  await underApplyLock(replica, async (tx) => {
    for (const row of diff.extra) {
      deleted += (
        await tx.unsafe(
          `delete from ${tableRef(replicaTable)} where ctid = (select ctid from ${tableRef(replicaTable)} where row(${texts}) is not distinct from row(${values}) limit 1)`,
          [JSON.stringify(row)],
        )
      ).count;
    }
    for (let i = 0; i < diff.missing.length; i += BATCH)
      inserted += (await insertRows(tx, replicaTable, columns, diff.missing.slice(i, i + BATCH))).count;
  });
  return { deleted, inserted };
}
