import { quoteIdent } from '../pg/ident.ts';
import { qualify, tableMetas, type TableMeta } from './catalog.ts';
import type { Change, ChangeEvent, Row } from './decode.ts';
import type { Unit } from './order.ts';
import { rowStatements, type Statement } from './plan.ts';
import { diffSchema } from './schema/diff.ts';
import type { Snapshot } from './schema/snapshot.ts';
import { isInternalTable, isRewriteChunk, isSchemaChange } from './topics.ts';

/** The captured catalog a replica's tables follow, and the schema change that produced it (0: none yet). */
export interface SchemaState {
  changeId: number;
  snapshot: Snapshot;
}

export type Step =
  | { kind: 'rows'; statements: Statement[] }
  /** A schema change: `truncate` first (tables whose rows the leader rewrote), then the diff's DDL. */
  | { kind: 'schema'; change: Change; changeId: number; tag: string; truncate: string[]; statements: string[]; unsupported: string[] }
  /** Rows of a rewritten table, as the leader had them after the rewrite. */
  | { kind: 'reload'; change: Change; statement: Statement };

export interface Plan {
  steps: Step[];
  /** The schema after the group. */
  state: SchemaState;
  /** Changes that cannot be applied, with why: they go to the dead letters and the rest goes on. */
  rejected: { change: Change; reason: string }[];
}

/**
 * Turns a group of units into what one replica transaction runs, for a replica whose schema is `state`.
 * Each row change is interpreted with the schema in effect at its place in the stream; a schema change
 * ends the run of rows before it. In the connector's snapshot, the newest recorded schema comes first
 * (the snapshot reads tables in no useful order, and its rows are the tables' state under that schema).
 */
export function planGroup(units: Unit[], state: SchemaState, exact: boolean): Plan {
  const steps: Step[] = [];
  const rejected: Plan['rejected'] = [];
  let current = state;
  let metaOf = metaLookup(tableMetas(current.snapshot));
  let run: (Change & { event: ChangeEvent })[] = [];
  const flush = () => {
    if (run.length) steps.push({ kind: 'rows', statements: rowStatements(run, (e) => metaOf(e)!, exact) });
    run = [];
  };
  for (const unit of units) {
    for (const change of unit.kind === 'snapshot' ? schemaFirst(unit.records) : unit.records) {
      const e = change.event;
      if (change.poison) rejected.push({ change, reason: change.poison });
      if (!e) continue;
      if (isSchemaChange(e)) {
        flush();
        const step = schemaStep(change, e, current);
        if (!step) continue;
        steps.push(step.step);
        current = step.state;
        metaOf = metaLookup(tableMetas(current.snapshot));
      } else if (isRewriteChunk(e)) {
        flush();
        const reload = reloadStep(change, e, current.snapshot);
        if (typeof reload === 'string') rejected.push({ change, reason: reload });
        else steps.push(reload);
      } else if (!isInternalTable(e.schema)) {
        const meta = metaOf(e);
        if (meta) {
          run.push(change as Change & { event: ChangeEvent });
          const absent = e.after ? absentColumns(meta, e.after) : [];
          // Applied with what it carries, and named: a column the connector could not send must not go unnoticed.
          if (absent.length)
            rejected.push({
              change,
              reason: `the event has no value for ${absent.join(', ')} of ${e.schema}.${e.table} (a type the connector cannot send); the replica keeps its previous value there`,
            });
        } else
          rejected.push({
            change,
            reason: `table ${e.schema}.${e.table} is not in the replicated schema as of this change (outside the capture scope, or created in a way the schema capture did not see)`,
          });
      }
    }
  }
  flush();
  return { steps, state: current, rejected };
}

/** Table metadata of an event, found by schema and table without quoting both names again for every event. */
function metaLookup(metas: Map<string, TableMeta>): (e: ChangeEvent) => TableMeta | undefined {
  const bySchema = new Map<string, Map<string, TableMeta | undefined>>();
  return (e) => {
    let tables = bySchema.get(e.schema);
    if (!tables) bySchema.set(e.schema, (tables = new Map()));
    if (!tables.has(e.table)) tables.set(e.table, metas.get(qualify(e.schema, e.table)));
    return tables.get(e.table);
  };
}

/** Columns of the table the row carries no value for (none, nearly always: no array is made then). */
function absentColumns(meta: TableMeta, row: Row): string[] {
  let absent: string[] | undefined;
  for (const c of meta.columns.keys()) if (!(c in row)) (absent ??= []).push(c);
  return absent ?? [];
}

/** In a snapshot: only the newest schema_changes row matters, and it goes first. */
function schemaFirst(records: Change[]): Change[] {
  const schemas = records.filter((r) => r.event && isSchemaChange(r.event));
  if (!schemas.length) return records;
  const newest = schemas.reduce((a, b) => (changeIdOf(b.event!) > changeIdOf(a.event!) ? b : a));
  return [newest, ...records.filter((r) => !(r.event && isSchemaChange(r.event)))];
}

const changeIdOf = (e: ChangeEvent) => Number(e.after!.id);

function schemaStep(change: Change, e: ChangeEvent, current: SchemaState): { step: Step; state: SchemaState } | undefined {
  const changeId = changeIdOf(e);
  // A replica that already holds this schema change (or a later one) skips it: changes replay after a crash.
  if (changeId <= current.changeId) return undefined;
  const after = e.after!;
  const snapshot = (typeof after.snapshot === 'string' ? JSON.parse(after.snapshot) : after.snapshot) as Snapshot;
  const rewritten = new Set(((after.rewritten as (number | string)[] | null) ?? []).map(Number));
  const truncate = current.snapshot.tables.filter((t) => rewritten.has(t.oid)).map((t) => `truncate table ${qualify(t.schema, t.name)}`);
  const diff = diffSchema(current.snapshot, snapshot, { reloaded: rewritten });
  return {
    step: {
      kind: 'schema',
      change,
      changeId,
      tag: String(after.tag),
      truncate,
      statements: diff.statements,
      unsupported: diff.unsupported,
    },
    state: { changeId, snapshot },
  };
}

/** Loads a chunk of rewritten rows: jsonb_populate_recordset is the exact inverse of the leader's to_jsonb. */
function reloadStep(change: Change, e: ChangeEvent, snapshot: Snapshot): Step | string {
  const relid = Number(e.after!.relid);
  const table = snapshot.tables.find((t) => t.oid === relid);
  if (!table) return `rewritten rows of table oid ${relid}, which the replicated schema does not have`;
  const meta: TableMeta = tableMetas({ ...snapshot, tables: [table] }).get(qualify(table.schema, table.name))!;
  const names = [...meta.columns.keys()].map(quoteIdent).join(', ');
  const overriding = meta.overriding ? ' overriding system value' : '';
  return {
    kind: 'reload',
    change,
    statement: {
      sql: `insert into ${meta.qualified} (${names})${overriding} select ${names} from jsonb_populate_recordset(null::${meta.qualified}, $1::text::jsonb)`,
      params: [String(e.after!.rows)],
    },
  };
}
