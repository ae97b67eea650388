import type { TableInfo } from './catalog.ts';

export interface TypeMismatch {
  column: string;
  leader: string;
  replica: string;
}

/** How a replica's table definition differs from the leader's; empty lists mean "same columns". */
export interface SchemaDiff {
  missingColumns: string[];
  extraColumns: string[];
  typeMismatches: TypeMismatch[];
  /** Set when the primary keys differ: the leader's and the replica's key columns. */
  primaryKey?: { leader: string[]; replica: string[] };
}

export function diffSchema(leader: TableInfo, replica: TableInfo): SchemaDiff {
  const theirs = new Map(replica.columns.map((c) => [c.name, c]));
  const ours = new Set(leader.columns.map((c) => c.name));
  const diff: SchemaDiff = {
    missingColumns: leader.columns.filter((c) => !theirs.has(c.name)).map((c) => c.name),
    extraColumns: replica.columns.filter((c) => !ours.has(c.name)).map((c) => c.name),
    typeMismatches: leader.columns
      .filter((c) => theirs.has(c.name) && theirs.get(c.name)!.type !== c.type)
      .map((c) => ({ column: c.name, leader: c.type, replica: theirs.get(c.name)!.type })),
  };
  if (leader.primaryKey.join('\0') !== replica.primaryKey.join('\0'))
    diff.primaryKey = { leader: leader.primaryKey, replica: replica.primaryKey };
  return diff;
}

export const schemaDiffers = (d: SchemaDiff) =>
  d.missingColumns.length > 0 || d.extraColumns.length > 0 || d.typeMismatches.length > 0 || d.primaryKey !== undefined;

/** Columns compared by value: those both sides have, by name, sorted so column order never matters. */
export const comparedColumns = (leader: TableInfo, replica: TableInfo) => {
  const theirs = new Set(replica.columns.map((c) => c.name));
  return leader.columns
    .map((c) => c.name)
    .filter((n) => theirs.has(n))
    .sort();
};
