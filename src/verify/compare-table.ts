import type { TableInfo } from './catalog.ts';
import { changedColumns, compareKeyedRows, compareMultisets, type ChangedRow, type Values } from './classify.ts';
import { hashedValue, integerTypes, rowsByKey, segmentValue, segmentHashes, segmentRows, tableRef, type Shape } from './row-sql.ts';
import { comparedColumns, diffSchema, schemaDiffers, type SchemaDiff } from './schema-diff.ts';
import { findLeaves, firstLevelBits, segmentSums, totalRows, type SegmentSums, type Side } from './segments.ts';
import type { DefinitionDiff } from './definitions.ts';
import type { VerifySession } from './session.ts';

export type TableState = 'equal' | 'diverged' | 'missing-table' | 'extra-table';

/** Everything found about one table on one replica: enough to report it and to repair it. */
export interface TableDiff {
  table: string;
  replica: string;
  state: TableState;
  /** No primary key (on the leader, or its key columns are missing on the replica): compared as a multiset of whole rows. */
  keyless: boolean;
  leaderRows: number;
  replicaRows: number;
  schema?: SchemaDiff;
  /** The table's (or, for a `type …`/`sequence …`/`schema …` entry, the object's) definition where it differs. */
  definition?: DefinitionDiff;
  /** Keys (or, keyless, whole rows of the compared columns) missing on the replica / only on the replica. */
  missing: Values[];
  extra: Values[];
  changed: ChangedRow[];
  /** Names of the values in missing/extra: the key columns, or the compared columns when keyless. */
  keyColumns: string[];
  ms: number;
}

/** The leader's first-level sums, computed once per table shape and shared by every replica. */
export type LeaderLevel = (shape: Shape, bits: number) => Promise<SegmentSums>;

export function leaderLevelCache(leader: VerifySession): LeaderLevel {
  const cache = new Map<string, Promise<SegmentSums>>();
  return (shape, bits) => {
    const id = JSON.stringify([shape.schema, shape.name, shape.hashed, shape.segmentBy, shape.columns, bits]);
    if (!cache.has(id)) cache.set(id, segmentSums(leader, segmentHashes(shape, bits)));
    return cache.get(id)!;
  };
}

/** Shapes of one table on the leader and a replica: common columns, and the leader's key if the replica has it. */
export function sidesOf(leader: TableInfo, replica: TableInfo) {
  const columns = comparedColumns(leader, replica);
  const key = leader.primaryKey.every((k) => columns.includes(k)) ? leader.primaryKey : [];
  const ours = new Map(leader.columns.map((c) => [c.name, c.type]));
  const theirs = new Map(replica.columns.map((c) => [c.name, c.type]));
  const hashed = Object.fromEntries(columns.map((c, i) => [c, hashedValue(c, ours.get(c)!, theirs.get(c)!, i)]));
  const integerKey = key.length === 1 && integerTypes.has(ours.get(key[0])!) && integerTypes.has(theirs.get(key[0])!);
  const segmentBy = segmentValue(hashed, columns, key, integerKey);
  const shape = (t: TableInfo, types: Map<string, string>): Shape => ({
    schema: t.schema,
    name: t.name,
    columns,
    hashed,
    segmentBy,
    key,
    keyTypes: key.map((k) => types.get(k)!),
  });
  return { key, columns, leader: shape(leader, ours), replica: shape(replica, theirs) };
}

const countRows = async (session: VerifySession, t: TableInfo) =>
  Number((await session.sql.unsafe(`select count(*)::text from ${tableRef(t)}`).values())[0][0]);

export async function compareTable(
  leader: VerifySession,
  replica: VerifySession,
  leaderTable: TableInfo | undefined,
  replicaTable: TableInfo | undefined,
  leaderLevel: LeaderLevel,
): Promise<TableDiff> {
  const started = Date.now();
  const base = {
    table: (leaderTable ?? replicaTable)!.id,
    replica: replica.name,
    missing: [],
    extra: [],
    changed: [],
    keyless: false,
    keyColumns: [],
  };
  if (!leaderTable || !replicaTable) {
    const rows = await countRows(leaderTable ? leader : replica, (leaderTable ?? replicaTable)!);
    return {
      ...base,
      state: leaderTable ? 'missing-table' : 'extra-table',
      leaderRows: leaderTable ? rows : 0,
      replicaRows: leaderTable ? 0 : rows,
      ms: Date.now() - started,
    };
  }
  const sides = sidesOf(leaderTable, replicaTable);
  const l: Side = { session: leader, shape: sides.leader };
  const r: Side = { session: replica, shape: sides.replica };
  const bits = firstLevelBits(leaderTable.estimatedRows);
  const [leaderSums, replicaSums] = await Promise.all([leaderLevel(l.shape, bits), segmentSums(replica, segmentHashes(r.shape, bits))]);
  const leaves = await findLeaves(l, r, bits, leaderSums, replicaSums);
  const fetchLeaves = async (side: Side) => {
    const parts = await Promise.all(
      leaves.map((leaf) => {
        const q = segmentRows(side.shape, leaf.bits, leaf.segments);
        return side.session.sql.unsafe(q.text, q.params).values();
      }),
    );
    return parts.flat() as Values[];
  };
  const [leaderRows, replicaRows] = await Promise.all([fetchLeaves(l), fetchLeaves(r)]);

  const schema = diffSchema(leaderTable, replicaTable);
  const diff: TableDiff = {
    ...base,
    state: 'equal',
    keyless: sides.key.length === 0,
    keyColumns: sides.key.length ? sides.key : sides.columns,
    leaderRows: totalRows(leaderSums),
    replicaRows: totalRows(replicaSums),
    ...(schemaDiffers(schema) ? { schema } : {}),
    ms: 0,
  };
  if (diff.keyless) {
    Object.assign(diff, compareMultisets(leaderRows, replicaRows));
  } else {
    const keyed = compareKeyedRows(leaderRows, replicaRows);
    diff.missing = keyed.missing;
    diff.extra = keyed.extra;
    diff.changed = await namedChanges(l, r, keyed.differing);
  }
  for (const list of [diff.missing, diff.extra]) list.sort(byValues);
  diff.changed.sort((a, b) => byValues(a.key, b.key));
  if (diff.schema || diff.missing.length || diff.extra.length || diff.changed.length) diff.state = 'diverged';
  diff.ms = Date.now() - started;
  return diff;
}

/** Fetches both versions of the rows whose hashes differ, to name the columns that differ. */
async function namedChanges(leader: Side, replica: Side, keys: Values[]): Promise<ChangedRow[]> {
  if (!keys.length) return [];
  const fetch = async (side: Side) => {
    const q = rowsByKey(side.shape, side.shape.columns, keys);
    const rows = (await side.session.sql.unsafe(q.text, q.params).values()) as Values[];
    return new Map(rows.map((row) => [JSON.stringify(row.slice(0, side.shape.key.length)), row]));
  };
  const [ours, theirs] = await Promise.all([fetch(leader), fetch(replica)]);
  const k = leader.shape.key.length;
  return keys.flatMap((key) => {
    const a = ours.get(JSON.stringify(key));
    const b = theirs.get(JSON.stringify(key));
    // A row can change between the segment pass and this fetch on a live system; report what is seen now.
    if (!a || !b) return [];
    const columns = changedColumns(leader.shape.columns, k, a, b);
    return columns.length ? [{ key, columns }] : [];
  });
}

const collator = new Intl.Collator('en', { numeric: true });
function byValues(a: Values, b: Values): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = collator.compare(a[i] ?? '', b[i] ?? '');
    if (c) return c;
  }
  return a.length - b.length;
}
