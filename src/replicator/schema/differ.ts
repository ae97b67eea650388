import { quoteIdent } from '../../pg/ident.ts';
import { canonicalSql, indexBody, objectKey, type Renames } from './normalize.ts';
import type { ColumnDef, ConstraintDef, IndexDef, Snapshot, TableDef } from './snapshot.ts';

/** What diff.ts, diff-types.ts and diff-tables.ts share: the phases, the statement collector and the rename map. */
/*
 * Statements are collected per phase and the phases run in this order: a table's dependents are
 * detached and disowned before it is dropped; every rename comes before anything that uses the new
 * name; types and sequences exist before the tables that use them; partitioned parents come before
 * their partitions; and types, sequences and schemas are dropped last, when nothing uses them.
 */
const PHASES = [
  'detach',
  'dropTables',
  'renameSchemas',
  'createSchemas',
  'moveTypes',
  'moveTables',
  'moveSequences',
  'createTypes',
  'alterTypes',
  'sequences',
  'createTables',
  'alterTables',
  'attach',
  'addToTables',
  'ownSequences',
  'dropSequences',
  'dropTypes',
  'dropSchemas',
] as const;
export type Phase = (typeof PHASES)[number];

export const qualify = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
export const quoteLiteral = (value: string) =>
  value.includes('\\') ? `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${value.replace(/'/g, "''")}'`;
export const byOid = <T extends { oid: number }>(items: T[]) => new Map(items.map((i) => [i.oid, i]));

/** How a table stands on the replica when its own alterations start (after detaching and renaming). */
export interface TablePlan {
  table: TableDef;
  before: TableDef | undefined;
  columns: ColumnDef[];
  constraints: ConstraintDef[];
  indexes: IndexDef[];
  /** Its inherited columns change through the parent's statements, not its own. */
  follows: boolean;
  createdAsPartition: boolean;
  detach: boolean;
  attach: boolean;
}

export class Differ {
  private readonly out = new Map<Phase, string[]>(PHASES.map((p) => [p, []]));
  readonly unsupported: string[] = [];
  readonly prevTables: Map<number, TableDef>;
  readonly nextTables: Map<number, TableDef>;
  private readonly renames: Renames;
  private readonly columnRenames = new Map<number, Map<string, string>>();

  constructor(
    readonly prev: Snapshot,
    readonly next: Snapshot,
    readonly reloaded: ReadonlySet<number>,
  ) {
    this.prevTables = byOid(prev.tables);
    this.nextTables = byOid(next.tables);
    const schemas = new Map<string, string>();
    const nextSchemas = byOid(next.schemas);
    for (const s of prev.schemas) {
      const n = nextSchemas.get(s.oid);
      if (n && n.name !== s.name) schemas.set(s.name, n.name);
    }
    const objects = new Map<string, [string, string]>();
    for (const [before, after] of [
      [prev.types, next.types],
      [prev.sequences, next.sequences],
      [prev.tables, next.tables],
    ] as const) {
      const later = byOid<{ oid: number; schema: string; name: string }>(after);
      for (const o of before) {
        const n = later.get(o.oid);
        if (n && (n.schema !== o.schema || n.name !== o.name)) objects.set(objectKey(o.schema, o.name), [n.schema, n.name]);
      }
    }
    this.renames = { schemas, objects };
    for (const t of prev.tables) {
      const n = this.nextTables.get(t.oid);
      if (!n) continue;
      const names = new Map(n.columns.map((c) => [c.attnum, c.name]));
      const renamed = new Map<string, string>();
      for (const c of t.columns) if (names.has(c.attnum)) renamed.set(c.name, names.get(c.attnum)!);
      this.columnRenames.set(t.oid, renamed);
    }
  }

  emit(phase: Phase, statement: string): void {
    this.out.get(phase)!.push(statement);
  }

  statements(): string[] {
    return PHASES.flatMap((p) => this.out.get(p)!);
  }

  /** A schema's name once renames have run (phases from renameSchemas on). */
  schemaNow(prevName: string): string {
    return this.renames.schemas.get(prevName) ?? prevName;
  }

  /** Equal definitions once the names renamed since `prev` are taken into account. */
  same(prev: string | null, next: string | null, tableOid?: number): boolean {
    if (prev === null || next === null) return prev === next;
    return (
      canonicalSql(prev, { ...this.renames, columns: tableOid === undefined ? undefined : this.columnRenames.get(tableOid) }) ===
      canonicalSql(next)
    );
  }

  sameIndex(prev: string, next: string, tableOid: number): boolean {
    return indexBody(prev, { ...this.renames, columns: this.columnRenames.get(tableOid) }) === indexBody(next);
  }
}

/** Moves an object renamed or moved to another schema: SET SCHEMA first, then RENAME in its new schema. */
export function move(
  d: Differ,
  phase: Phase,
  keyword: string,
  prev: { schema: string; name: string },
  next: { schema: string; name: string },
  schemaNow: string,
): void {
  if (next.schema !== schemaNow) d.emit(phase, `ALTER ${keyword} ${qualify(schemaNow, prev.name)} SET SCHEMA ${quoteIdent(next.schema)}`);
  if (next.name !== prev.name) d.emit(phase, `ALTER ${keyword} ${qualify(next.schema, prev.name)} RENAME TO ${quoteIdent(next.name)}`);
}
