import { quoteIdent } from '../pg/ident.ts';
import type { Snapshot } from './schema/snapshot.ts';

/** How a column's Debezium JSON value becomes PostgreSQL text input (see pg-text.ts). */
export type Kind = 'text' | 'bool' | 'bytea' | 'timestamp' | 'raw';

export interface Column {
  name: string;
  /** format_type() of the column, e.g. `numeric(38,10)`, `integer[]`, `public.mood`: used to cast into it. */
  type: string;
  kind: Kind;
  array: boolean;
}

export interface TableMeta {
  schema: string;
  table: string;
  /** `"schema"."table"`, quoted for SQL. */
  qualified: string;
  /** The columns a replica writes: generated columns are left out (each replica computes its own). */
  columns: Map<string, Column>;
  primaryKey: string[];
  /** Inserts must say OVERRIDING SYSTEM VALUE (an identity column GENERATED ALWAYS). */
  overriding: boolean;
}

export const qualify = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

/**
 * The tables of a captured catalog as the statement builder needs them, keyed by qualify(schema, table).
 * Events are always interpreted with the catalog recorded at their place in the stream, never the leader's
 * current one.
 */
export function tableMetas(snapshot: Snapshot): Map<string, TableMeta> {
  const out = new Map<string, TableMeta>();
  for (const t of snapshot.tables) {
    const writable = t.columns.filter((c) => c.generated === null);
    out.set(qualify(t.schema, t.name), {
      schema: t.schema,
      table: t.name,
      qualified: qualify(t.schema, t.name),
      columns: new Map(writable.map((c): [string, Column] => [c.name, { name: c.name, type: c.type, kind: c.kind, array: c.array }])),
      primaryKey: t.primaryKey,
      overriding: t.columns.some((c) => c.identity === 'always'),
    });
  }
  return out;
}
