import type { ColumnDef } from '../../src/replicator/schema/snapshot.ts';

/** A captured column as the schema snapshot describes it: a plain nullable column unless `extra` says more. */
export const column = (attnum: number, name: string, type = 'integer', extra: Partial<ColumnDef> = {}): ColumnDef => ({
  attnum,
  name,
  type,
  collation: null,
  notNull: false,
  default: null,
  generated: null,
  identity: null,
  inherited: false,
  missing: null,
  kind: 'text',
  array: false,
  ...extra,
});
