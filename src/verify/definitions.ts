import type { CaptureScope } from '../config/scope.ts';
import { alignByName } from '../replicator/schema/align.ts';
import { diffSchema } from '../replicator/schema/diff.ts';
import { normalizeSnapshot, tableDefinitionText } from '../replicator/schema/normalize.ts';
import { readSnapshot, type Snapshot } from '../replicator/schema/snapshot.ts';
import type { VerifySession } from './session.ts';

/** One object whose definition differs: its readable definition on each side ('' when absent there). */
export interface DefinitionDiff {
  object: string;
  leader: string;
  replica: string;
}

export const readDefinitions = (s: VerifySession, scope: CaptureScope) => readSnapshot(s.sql, scope);

/**
 * Where a replica's definitions differ from the leader's, over the captured set: each table (columns in
 * order with types, defaults, nullability, generated and identity; keys, constraints, indexes) by its
 * name, and each user-defined type, sequence and schema. Foreign keys are not compared: replicas do not
 * carry them (design.md, "Schema changes").
 */
export function compareDefinitions(leader: Snapshot, replica: Snapshot): DefinitionDiff[] {
  const diffs: DefinitionDiff[] = [];
  const tables = (s: Snapshot) => new Map(s.tables.map((t) => [`${t.schema}.${t.name}`, tableDefinitionText(s, t)]));
  push(diffs, tables(leader), tables(replica));
  const others = (s: Snapshot) => {
    const n = normalizeSnapshot(s) as unknown as {
      types: { schema: string; name: string }[];
      sequences: { schema: string; name: string }[];
      schemas: unknown[];
    };
    return new Map<string, string>([
      ...n.types.map((t): [string, string] => [`type ${t.schema}.${t.name}`, JSON.stringify(t)]),
      ...n.sequences.map((q): [string, string] => [`sequence ${q.schema}.${q.name}`, JSON.stringify(q)]),
      ...n.schemas.map((x): [string, string] => [`schema ${typeof x === 'string' ? x : (x as { name: string }).name}`, JSON.stringify(x)]),
    ]);
  };
  push(diffs, others(leader), others(replica));
  return diffs;
}

function push(out: DefinitionDiff[], ours: Map<string, string>, theirs: Map<string, string>) {
  for (const object of new Set([...ours.keys(), ...theirs.keys()])) {
    const [leader, replica] = [ours.get(object) ?? '', theirs.get(object) ?? ''];
    if (leader !== replica) out.push({ object, leader, replica });
  }
}

/** The DDL that makes a replica's definitions the leader's (objects matched by name). */
export function definitionRepair(leader: Snapshot, replica: Snapshot): { statements: string[]; unsupported: string[] } {
  return diffSchema(alignByName(replica, leader), leader);
}
