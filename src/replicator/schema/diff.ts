import { quoteIdent } from '../../pg/ident.ts';
import { diffTables } from './diff-tables.ts';
import { diffSequences, diffTypes } from './diff-types.ts';
import { byOid, Differ } from './differ.ts';
import type { Snapshot } from './snapshot.ts';

export const EMPTY_SNAPSHOT: Snapshot = { schemas: [], types: [], sequences: [], tables: [] };

export interface DiffOptions {
  /** Tables (leader oids) truncated before the statements run and reloaded after: their rows need not survive. */
  reloaded?: ReadonlySet<number>;
}

export interface SchemaDiff {
  statements: string[];
  unsupported: string[];
}

function diffSchemas(d: Differ): void {
  const prev = byOid(d.prev.schemas);
  const next = byOid(d.next.schemas);
  // IF NOT EXISTS: every database starts with a public schema.
  for (const s of d.next.schemas) {
    const p = prev.get(s.oid);
    if (!p) d.emit('createSchemas', `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.name)}`);
    else if (p.name !== s.name) d.emit('renameSchemas', `ALTER SCHEMA ${quoteIdent(p.name)} RENAME TO ${quoteIdent(s.name)}`);
  }
  for (const s of d.prev.schemas) if (!next.has(s.oid)) d.emit('dropSchemas', `DROP SCHEMA ${quoteIdent(s.name)}`);
}

export function diffSchema(prev: Snapshot, next: Snapshot, options: DiffOptions = {}): SchemaDiff {
  const d = new Differ(prev, next, options.reloaded ?? new Set());
  diffSchemas(d);
  diffTypes(d);
  diffSequences(d);
  diffTables(d);
  return { statements: d.statements(), unsupported: d.unsupported };
}
