/**
 * Pure comparison of the few rows fetched from differing segments. Values are the columns' text output
 * (null for SQL NULL), so "equal" means "prints the same", which is what the row hash checks too.
 */

export type Values = (string | null)[];

export interface ChangedRow {
  key: Values;
  columns: string[];
}

export interface KeyedDiff {
  missing: Values[];
  extra: Values[];
  /** Keys present on both sides whose row hash differs; their columns are named by changedColumns. */
  differing: Values[];
}

const keyOf = (values: Values) => JSON.stringify(values);

/** Rows are key texts followed by the row hash, as segmentRows returns them for a keyed table. */
export function compareKeyedRows(leader: Values[], replica: Values[]): KeyedDiff {
  const split = (row: Values) => ({ key: row.slice(0, -1), hash: row[row.length - 1] });
  const replicaHashes = new Map(
    replica.map((r) => {
      const { key, hash } = split(r);
      return [keyOf(key), { key, hash }];
    }),
  );
  const diff: KeyedDiff = { missing: [], extra: [], differing: [] };
  for (const row of leader) {
    const { key, hash } = split(row);
    const other = replicaHashes.get(keyOf(key));
    if (!other) diff.missing.push(key);
    else if (other.hash !== hash) diff.differing.push(key);
    replicaHashes.delete(keyOf(key));
  }
  diff.extra = [...replicaHashes.values()].map((r) => r.key);
  return diff;
}

/** Names of the columns whose values differ; rows hold the key texts first, then one text per column. */
export function changedColumns(columns: string[], keyLength: number, leader: Values, replica: Values): string[] {
  return columns.filter((_, i) => leader[keyLength + i] !== replica[keyLength + i]);
}

/**
 * A table without a primary key is a multiset of rows: a row the leader holds twice and the replica once
 * is one missing row. Rows are the column texts followed by the row hash.
 */
export function compareMultisets(leader: Values[], replica: Values[]): { missing: Values[]; extra: Values[] } {
  const counts = new Map<string, { row: Values; n: number }>();
  for (const row of replica) {
    const values = row.slice(0, -1);
    const entry = counts.get(keyOf(values)) ?? { row: values, n: 0 };
    entry.n++;
    counts.set(keyOf(values), entry);
  }
  const missing: Values[] = [];
  for (const row of leader) {
    const values = row.slice(0, -1);
    const entry = counts.get(keyOf(values));
    if (entry && entry.n > 0) entry.n--;
    else missing.push(values);
  }
  const extra = [...counts.values()].flatMap((e) => Array.from({ length: e.n }, () => e.row));
  return { missing, extra };
}
