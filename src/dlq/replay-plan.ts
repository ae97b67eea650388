import { qualify, tableMetas, type TableMeta } from '../replicator/catalog.ts';
import { decode, type ChangeEvent } from '../replicator/decode.ts';
import { toPgText } from '../replicator/pg-text.ts';
import { lone } from '../replicator/order.ts';
import type { Statement } from '../replicator/plan.ts';
import { planGroup, type SchemaState } from '../replicator/steps.ts';
import { isInternalTable } from '../replicator/topics.ts';
import type { StoredLetter } from './letters.ts';

/** The letters of one row (one table and primary key), replayed and verified together, oldest first. */
export interface KeyGroup {
  /** schema.table, as verify names tables. */
  table: string;
  keyColumns: string[];
  /** The key's values as PostgreSQL text, in key order. */
  key: (string | null)[];
  letters: StoredLetter[];
  /** What the replicator's exact plan runs for these changes, in their order. */
  statements: Statement[];
}

export interface Unreplayable {
  letter: StoredLetter;
  why: string;
}

/**
 * Sorts letters into rows that can be replayed and letters that cannot, with why. A row's letters go
 * together: with each change a whole row, only the newest of them decides what the row becomes, and only
 * the row's state can be verified against the leader. Rows are independent, so replaying row after row
 * (each in the order of its first letter) is the original order as far as any row can tell.
 */
export function planReplay(letters: StoredLetter[], state: SchemaState): { groups: KeyGroup[]; unreplayable: Unreplayable[] } {
  const metas = tableMetas(state.snapshot);
  const groups = new Map<string, KeyGroup>();
  const unreplayable: Unreplayable[] = [];
  for (const letter of letters) {
    const found = eventOf(letter, metas);
    if ('why' in found) {
      unreplayable.push({ letter, why: found.why });
      continue;
    }
    const { meta, event } = found;
    const row = (event.after ?? event.before)!;
    const key = meta.primaryKey.map((k) => toPgText(row[k], meta.columns.get(k)!));
    const id = JSON.stringify([meta.schema, meta.table, key]);
    let group = groups.get(id);
    if (!group)
      groups.set(id, (group = { table: `${meta.schema}.${meta.table}`, keyColumns: meta.primaryKey, key, letters: [], statements: [] }));
    group.letters.push(letter);
  }
  for (const group of groups.values()) {
    const units = group.letters.map((l) => lone(decodeLetter(l)));
    group.statements = planGroup(units, state, true).steps.flatMap((s) => (s.kind === 'rows' ? s.statements : []));
  }
  return { groups: [...groups.values()], unreplayable };
}

const decodeLetter = (l: StoredLetter) =>
  decode(l.topic, l.partition, {
    offset: l.offset,
    key: l.key === null ? null : Buffer.from(l.key),
    value: l.value === null ? null : Buffer.from(l.value),
  });

function eventOf(letter: StoredLetter, metas: Map<string, TableMeta>): { meta: TableMeta; event: ChangeEvent } | { why: string } {
  if (letter.value === null) return { why: 'the letter holds no event (recorded by a cqrsctl older than `dlq replay`)' };
  const change = decodeLetter(letter);
  if (change.poison) return { why: `the message cannot be decoded (${change.poison})` };
  const event = change.event;
  if (!event) return { why: 'the message is not a change event' };
  const repair = `\`cqrsctl verify-replicas --repair --table ${event.schema}.${event.table}\` makes the replica equal to the leader`;
  if (isInternalTable(event.schema))
    return { why: 'a schema change or rewritten rows, not a row change: `cqrsctl verify-replicas --repair` mirrors them' };
  if (event.op === 't') return { why: `a TRUNCATE: it concerns the whole table, not rows that can be verified one by one; ${repair}` };
  const meta = metas.get(qualify(event.schema, event.table));
  if (!meta) return { why: `table ${event.schema}.${event.table} is not in the replica's replicated schema` };
  if (!meta.primaryKey.length)
    return { why: `${event.schema}.${event.table} has no primary key, so its rows cannot be verified one by one; ${repair}` };
  return { meta, event };
}
