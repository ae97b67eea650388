import type postgres from 'postgres';
import { qualify, readTableMeta, type TableMeta } from './catalog.ts';
import type { ChangeEvent } from './decode.ts';

/**
 * Table definitions as the leader has them now, shared by every replica so each batch's statements are
 * built once. A definition is re-read when an event carries a column it lacks (a column added on the
 * leader); `version` changes then, which tells each replica to add the column before applying.
 */
export class LeaderCatalog {
  private readonly tables = new Map<string, { meta: TableMeta; version: number }>();
  private version = 0;

  constructor(private readonly sql: postgres.Sql) {}

  /** Loads or refreshes the definitions the events need; a table the leader no longer has stays unknown. */
  async prepare(events: ChangeEvent[]): Promise<void> {
    const stale = new Map<string, ChangeEvent>();
    for (const e of events) {
      const key = qualify(e.schema, e.table);
      if (stale.has(key)) continue;
      const known = this.tables.get(key);
      const row = e.after ?? e.before;
      if (!known || (row && Object.keys(row).some((c) => !known.meta.columns.has(c)))) stale.set(key, e);
    }
    for (const [key, e] of stale) {
      const meta = await readTableMeta(this.sql, e.schema, e.table);
      if (meta) this.tables.set(key, { meta, version: ++this.version });
    }
  }

  get(schema: string, table: string): { meta: TableMeta; version: number } | undefined {
    return this.tables.get(qualify(schema, table));
  }
}
