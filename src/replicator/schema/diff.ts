import { quoteIdent } from '../../pg/ident.ts';
import { canonicalSql, indexBody, objectKey, qualifiedNames, type Renames } from './normalize.ts';
import type { ColumnDef, ConstraintDef, IndexDef, SequenceDef, Snapshot, TableDef, TypeDef } from './snapshot.ts';

export const EMPTY_SNAPSHOT: Snapshot = { schemas: [], types: [], sequences: [], tables: [] };

export interface DiffOptions {
  /** Tables (leader oids) truncated before the statements run and reloaded after: their rows need not survive. */
  reloaded?: ReadonlySet<number>;
}

export interface SchemaDiff {
  statements: string[];
  unsupported: string[];
}

/*
 * Statements are collected per phase and the phases run in this order: a table's dependents are
 * detached and disowned before it is dropped; every rename comes before anything that uses the new
 * name; types and sequences exist before the tables that use them; partitioned parents come before
 * their partitions; and types, sequences and schemas are dropped last, when nothing uses them.
 */
const PHASES = [
  'detach', 'dropTables', 'renameSchemas', 'createSchemas', 'moveTypes', 'moveTables', 'moveSequences',
  'createTypes', 'alterTypes', 'sequences', 'createTables', 'alterTables', 'attach', 'addToTables',
  'ownSequences', 'dropSequences', 'dropTypes', 'dropSchemas',
] as const;
type Phase = (typeof PHASES)[number];

const qualify = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
const quoteLiteral = (value: string) =>
  value.includes('\\') ? `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${value.replace(/'/g, "''")}'`;
const byOid = <T extends { oid: number }>(items: T[]) => new Map(items.map((i) => [i.oid, i]));

/** How a table stands on the replica when its own alterations start (after detaching and renaming). */
interface TablePlan {
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

class Differ {
  private readonly out = new Map<Phase, string[]>(PHASES.map((p) => [p, []]));
  readonly unsupported: string[] = [];
  readonly prevTables: Map<number, TableDef>;
  readonly nextTables: Map<number, TableDef>;
  private readonly renames: Renames;
  private readonly columnRenames = new Map<number, Map<string, string>>();

  constructor(readonly prev: Snapshot, readonly next: Snapshot, readonly reloaded: ReadonlySet<number>) {
    this.prevTables = byOid(prev.tables);
    this.nextTables = byOid(next.tables);
    const schemas = new Map<string, string>();
    const nextSchemas = byOid(next.schemas);
    for (const s of prev.schemas) {
      const n = nextSchemas.get(s.oid);
      if (n && n.name !== s.name) schemas.set(s.name, n.name);
    }
    const objects = new Map<string, [string, string]>();
    for (const [before, after] of [[prev.types, next.types], [prev.sequences, next.sequences], [prev.tables, next.tables]] as const) {
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
    return canonicalSql(prev, { ...this.renames, columns: tableOid === undefined ? undefined : this.columnRenames.get(tableOid) }) === canonicalSql(next);
  }

  sameIndex(prev: string, next: string, tableOid: number): boolean {
    return indexBody(prev, { ...this.renames, columns: this.columnRenames.get(tableOid) }) === indexBody(next);
  }
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

/** Moves an object renamed or moved to another schema: SET SCHEMA first, then RENAME in its new schema. */
function move(d: Differ, phase: Phase, keyword: string, prev: { schema: string; name: string }, next: { schema: string; name: string }, schemaNow: string): void {
  if (next.schema !== schemaNow) d.emit(phase, `ALTER ${keyword} ${qualify(schemaNow, prev.name)} SET SCHEMA ${quoteIdent(next.schema)}`);
  if (next.name !== prev.name) d.emit(phase, `ALTER ${keyword} ${qualify(next.schema, prev.name)} RENAME TO ${quoteIdent(next.name)}`);
}

function typeReferences(t: TypeDef): string[] {
  if (t.kind === 'enum') return [];
  const texts = t.kind === 'composite' ? t.attributes.map((a) => a.type) : [t.baseType, t.default ?? '', ...t.checks.map((c) => c.def)];
  return texts.flatMap(qualifiedNames);
}

/** Types ordered so each comes after the types its definition uses. */
function dependencyOrder(types: TypeDef[]): TypeDef[] {
  const byName = new Map(types.map((t) => [objectKey(t.schema, t.name), t]));
  const ordered: TypeDef[] = [];
  const seen = new Set<TypeDef>();
  const visit = (t: TypeDef) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const key of typeReferences(t)) {
      const used = byName.get(key);
      if (used) visit(used);
    }
    ordered.push(t);
  };
  types.forEach(visit);
  return ordered;
}

function createType(d: Differ, t: TypeDef): void {
  const q = qualify(t.schema, t.name);
  if (t.kind === 'enum') d.emit('createTypes', `CREATE TYPE ${q} AS ENUM (${t.labels.map((l) => quoteLiteral(l.label)).join(', ')})`);
  if (t.kind === 'composite') d.emit('createTypes', `CREATE TYPE ${q} AS (${t.attributes.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ')})`);
  if (t.kind === 'domain') {
    const clauses = [t.default === null ? '' : ` DEFAULT ${t.default}`, t.notNull ? ' NOT NULL' : ''].join('');
    d.emit('createTypes', `CREATE DOMAIN ${q} AS ${t.baseType}${clauses}`);
    for (const c of t.checks) d.emit('createTypes', `ALTER DOMAIN ${q} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  }
}

function alterEnum(d: Differ, q: string, prev: Extract<TypeDef, { kind: 'enum' }>, next: Extract<TypeDef, { kind: 'enum' }>): void {
  const nextById = byOid(next.labels);
  const prevById = byOid(prev.labels);
  for (const l of prev.labels) {
    const n = nextById.get(l.oid);
    if (!n) d.unsupported.push(`type ${q}: enum label ${quoteLiteral(l.label)} removed (PostgreSQL cannot drop an enum label)`);
    else if (n.label !== l.label) d.emit('alterTypes', `ALTER TYPE ${q} RENAME VALUE ${quoteLiteral(l.label)} TO ${quoteLiteral(n.label)}`);
  }
  const kept = (labels: { oid: number }[], other: Map<number, unknown>) => labels.filter((l) => other.has(l.oid)).map((l) => l.oid).join();
  if (kept(prev.labels, nextById) !== kept(next.labels, prevById)) d.unsupported.push(`type ${q}: enum labels reordered`);
  next.labels.forEach((l, i) => {
    if (prevById.has(l.oid)) return;
    const following = next.labels.slice(i + 1).find((x) => prevById.has(x.oid));
    const place = i > 0 ? ` AFTER ${quoteLiteral(next.labels[i - 1].label)}` : following ? ` BEFORE ${quoteLiteral(following.label)}` : '';
    d.emit('alterTypes', `ALTER TYPE ${q} ADD VALUE ${quoteLiteral(l.label)}${place}`);
  });
}

function alterComposite(d: Differ, q: string, prev: Extract<TypeDef, { kind: 'composite' }>, next: Extract<TypeDef, { kind: 'composite' }>): void {
  const before = new Map(prev.attributes.map((a) => [a.attnum, a]));
  const after = new Map(next.attributes.map((a) => [a.attnum, a]));
  for (const a of prev.attributes) if (!after.has(a.attnum)) d.emit('alterTypes', `ALTER TYPE ${q} DROP ATTRIBUTE ${quoteIdent(a.name)}`);
  for (const a of next.attributes) {
    const p = before.get(a.attnum);
    if (!p) d.emit('alterTypes', `ALTER TYPE ${q} ADD ATTRIBUTE ${quoteIdent(a.name)} ${a.type}`);
    else {
      if (p.name !== a.name) d.emit('alterTypes', `ALTER TYPE ${q} RENAME ATTRIBUTE ${quoteIdent(p.name)} TO ${quoteIdent(a.name)}`);
      if (!d.same(p.type, a.type)) d.emit('alterTypes', `ALTER TYPE ${q} ALTER ATTRIBUTE ${quoteIdent(a.name)} TYPE ${a.type}`);
    }
  }
}

function alterDomain(d: Differ, q: string, prev: Extract<TypeDef, { kind: 'domain' }>, next: Extract<TypeDef, { kind: 'domain' }>): void {
  if (!d.same(prev.baseType, next.baseType)) d.unsupported.push(`type ${q}: domain base type changed from ${prev.baseType} to ${next.baseType}`);
  if (!d.same(prev.default, next.default)) d.emit('alterTypes', `ALTER DOMAIN ${q} ${next.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${next.default}`}`);
  if (prev.notNull !== next.notNull) d.emit('alterTypes', `ALTER DOMAIN ${q} ${next.notNull ? 'SET' : 'DROP'} NOT NULL`);
  const after = new Map(next.checks.map((c) => [c.name, c]));
  const before = new Map(prev.checks.map((c) => [c.name, c]));
  for (const c of prev.checks) {
    const n = after.get(c.name);
    if (!n || !d.same(c.def, n.def)) d.emit('alterTypes', `ALTER DOMAIN ${q} DROP CONSTRAINT ${quoteIdent(c.name)}`);
  }
  for (const c of next.checks) {
    const p = before.get(c.name);
    if (!p || !d.same(p.def, c.def)) d.emit('alterTypes', `ALTER DOMAIN ${q} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  }
}

function diffTypes(d: Differ): void {
  const prev = byOid(d.prev.types);
  const next = byOid(d.next.types);
  for (const t of d.next.types) {
    const p = prev.get(t.oid);
    if (p) move(d, 'moveTypes', 'TYPE', p, t, d.schemaNow(p.schema));
  }
  for (const t of dependencyOrder(d.next.types.filter((t) => !prev.has(t.oid)))) createType(d, t);
  for (const t of d.next.types) {
    const p = prev.get(t.oid);
    const q = qualify(t.schema, t.name);
    if (!p) continue;
    if (p.kind === 'enum' && t.kind === 'enum') alterEnum(d, q, p, t);
    if (p.kind === 'composite' && t.kind === 'composite') alterComposite(d, q, p, t);
    if (p.kind === 'domain' && t.kind === 'domain') alterDomain(d, q, p, t);
  }
  for (const t of dependencyOrder(d.prev.types.filter((t) => !next.has(t.oid))).reverse()) {
    d.emit('dropTypes', `DROP ${t.kind === 'domain' ? 'DOMAIN' : 'TYPE'} ${qualify(d.schemaNow(t.schema), t.name)}`);
  }
}

const attnumOf = (table: TableDef | undefined, column: string) => table?.columns.find((c) => c.name === column)?.attnum;

function diffSequences(d: Differ): void {
  const prev = byOid(d.prev.sequences);
  const next = byOid(d.next.sequences);
  const owner = (s: SequenceDef | undefined, tables: Map<number, TableDef>) =>
    s?.ownedBy ? `${s.ownedBy.table}.${attnumOf(tables.get(s.ownedBy.table), s.ownedBy.column)}` : null;
  const ownerChanged = (p: SequenceDef | undefined, n: SequenceDef) => owner(p, d.prevTables) !== owner(n, d.nextTables);
  // A table's SET SCHEMA takes the sequences it owns along.
  const schemaNow = (p: SequenceDef) => {
    const n = next.get(p.oid);
    const table = p.ownedBy && !(n && ownerChanged(p, n)) ? d.prevTables.get(p.ownedBy.table) : undefined;
    const moved = table && d.nextTables.get(table.oid);
    return moved && moved.schema !== d.schemaNow(table.schema) ? moved.schema : d.schemaNow(p.schema);
  };
  for (const s of d.next.sequences) {
    const p = prev.get(s.oid);
    const q = qualify(s.schema, s.name);
    if (!p) d.emit('sequences', `CREATE SEQUENCE ${q} AS ${s.type}`);
    else {
      // Disowned before anything is dropped: dropping its owner would drop it too.
      if (p.ownedBy && ownerChanged(p, s)) d.emit('detach', `ALTER SEQUENCE ${qualify(p.schema, p.name)} OWNED BY NONE`);
      move(d, 'moveSequences', 'SEQUENCE', p, s, schemaNow(p));
      if (!d.same(p.type, s.type)) d.emit('sequences', `ALTER SEQUENCE ${q} AS ${s.type}`);
    }
    if (s.ownedBy && ownerChanged(p, s)) {
      const table = d.nextTables.get(s.ownedBy.table)!;
      d.emit('ownSequences', `ALTER SEQUENCE ${q} OWNED BY ${qualify(table.schema, table.name)}.${quoteIdent(s.ownedBy.column)}`);
    }
  }
  for (const p of d.prev.sequences) {
    if (next.has(p.oid)) continue;
    const ownerColumn = p.ownedBy && attnumOf(d.prevTables.get(p.ownedBy.table), p.ownedBy.column);
    const ownerSurvives = p.ownedBy && d.nextTables.get(p.ownedBy.table)?.columns.some((c) => c.attnum === ownerColumn);
    // Dropping an owned sequence's column or table has dropped it already.
    if (!p.ownedBy || ownerSurvives) d.emit('dropSequences', `DROP SEQUENCE ${qualify(schemaNow(p), p.name)}`);
  }
}

function depth(t: TableDef, tables: Map<number, TableDef>): number {
  let n = 0;
  for (let p = t.partitionOf && tables.get(t.partitionOf.parent); p; p = p.partitionOf && tables.get(p.partitionOf.parent)) n++;
  return n;
}

const parentsFirst = (tables: Map<number, TableDef>) => (a: TableDef, b: TableDef) => depth(a, tables) - depth(b, tables) || a.oid - b.oid;

/** A parent's column as its partitions get it: PostgreSQL 15 does not pass identity on to partitions. */
const asInherited = (column: ColumnDef, attnum: number): ColumnDef => ({ ...column, attnum, identity: null, inherited: true, missing: null });

function planTables(d: Differ): TablePlan[] {
  return [...d.next.tables].sort(parentsFirst(d.nextTables)).map((table): TablePlan => {
    const before = d.prevTables.get(table.oid);
    if (before) {
      const follows = !!before.partitionOf && !!table.partitionOf && before.partitionOf.parent === table.partitionOf.parent
        && d.same(before.partitionOf.bound, table.partitionOf.bound, table.oid);
      const detach = !!before.partitionOf && !follows;
      const kept = detach ? { constraints: [], indexes: [] } : before;
      return { table, before, columns: before.columns, constraints: kept.constraints, indexes: kept.indexes, follows, createdAsPartition: false, detach, attach: !!table.partitionOf && !follows };
    }
    const parent = table.partitionOf && d.nextTables.get(table.partitionOf.parent);
    // PARTITION OF gives the parent's column order; a partition with another order is created alone and attached.
    const names = (t: TableDef) => t.columns.map((c) => c.name).join('\0');
    const asPartition = !!parent && names(parent) === names(table);
    const columns = asPartition ? table.columns.map((c) => asInherited(parent.columns.find((x) => x.name === c.name)!, c.attnum)) : table.columns;
    return { table, before, columns, constraints: [], indexes: [], follows: asPartition, createdAsPartition: asPartition, detach: false, attach: !!table.partitionOf && !asPartition };
  });
}

function columnSpec(c: ColumnDef, defaultExpr = c.default): string {
  return [
    quoteIdent(c.name), c.type,
    c.collation && `COLLATE ${c.collation}`,
    c.generated && `GENERATED ALWAYS AS (${c.generated}) STORED`,
    c.identity && `GENERATED ${c.identity.toUpperCase()} AS IDENTITY`,
    defaultExpr && `DEFAULT ${defaultExpr}`,
    c.notNull && 'NOT NULL',
  ].filter(Boolean).join(' ');
}

// Detaching turns the partition's copies of its parent's constraints and indexes into its own, under
// names only the replica knows: drop them all, and the table's own list is added back afterwards.
const dropConstraintsAndIndexes = (table: string) => `DO $cqrsctl$ DECLARE r record; BEGIN
  FOR r IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = ${quoteLiteral(table)}::pg_catalog.regclass AND contype IN ('p', 'u', 'x', 'c') LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', ${quoteLiteral(table)}, r.conname);
  END LOOP;
  FOR r IN SELECT indexrelid::pg_catalog.regclass::text AS name FROM pg_catalog.pg_index WHERE indrelid = ${quoteLiteral(table)}::pg_catalog.regclass LOOP
    EXECUTE 'DROP INDEX ' || r.name;
  END LOOP;
END $cqrsctl$`;

// The leader prints ON ONLY for a partitioned table's index; run as is it would give the partitions none.
const indexStatement = (def: string) => def.replace(/^(CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")*"|\S+) ON )ONLY /, '$1');

type Alter = (action: string, only?: boolean) => void;

function alterer(d: Differ, phase: Phase, t: TableDef): Alter {
  return (action, only = false) => d.emit(phase, `ALTER TABLE ${only ? 'ONLY ' : ''}${qualify(t.schema, t.name)} ${action}`);
}

/** Existing rows got values from a rewrite that sent no change events: the replica cannot compute the same ones. */
function checkRowsReproducible(d: Differ, p: TablePlan, n: ColumnDef): void {
  if (!p.before || p.table.kind !== 'table' || d.reloaded.has(p.table.oid) || n.generated) return;
  if (!n.identity && (n.default === null || n.missing !== null)) return;
  const what = n.identity ? 'as an identity column' : 'with a volatile default';
  d.unsupported.push(`column ${qualify(p.table.schema, p.table.name)}.${quoteIdent(n.name)}: added ${what}; the leader's existing rows got values no change event carries (reload the table)`);
}

function missingInPartitions(d: Differ, parent: TableDef, column: string): string | null {
  for (const t of d.next.tables) {
    let ancestor = t.partitionOf && d.nextTables.get(t.partitionOf.parent);
    while (ancestor && ancestor.oid !== parent.oid) ancestor = ancestor.partitionOf && d.nextTables.get(ancestor.partitionOf.parent);
    const missing = ancestor && t.columns.find((c) => c.name === column)?.missing;
    if (missing) return missing;
  }
  return null;
}

function addColumn(d: Differ, p: TablePlan, n: ColumnDef, alter: Alter): void {
  checkRowsReproducible(d, p, n);
  const missing = n.missing ?? (p.table.kind === 'partitioned' ? missingInPartitions(d, p.table, n.name) : null);
  if (missing === null || n.generated || n.identity) return alter(`ADD COLUMN ${columnSpec(n)}`);
  // Existing rows get the value the leader stored for them, not what the default gives on the replica now;
  // the default then changes on the partitions too, as it did on the leader.
  const stored = `${quoteLiteral(missing)}::${n.type}`;
  alter(`ADD COLUMN ${columnSpec(n, stored)}`);
  if (n.default !== stored) alter(`ALTER COLUMN ${quoteIdent(n.name)} ${n.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${n.default}`}`);
}

function alterColumn(d: Differ, p: TablePlan, c: ColumnDef, n: ColumnDef, alter: Alter): void {
  const col = `ALTER COLUMN ${quoteIdent(n.name)}`;
  const oid = p.table.oid;
  const own = !(p.follows && n.inherited);
  let defaultGone = false;
  if (own && (!d.same(c.type, n.type, oid) || !d.same(c.collation, n.collation))) {
    // The old default may not convert to the new type; it is set again below.
    if (c.default !== null) alter(`${col} DROP DEFAULT`, true);
    defaultGone = c.default !== null;
    const using = n.generated ? '' : ` USING ${d.reloaded.has(oid) ? 'NULL' : quoteIdent(n.name)}::${n.type}`;
    alter(`${col} TYPE ${n.type}${n.collation ? ` COLLATE ${n.collation}` : ''}${using}`);
  }
  if (n.default === null && c.default !== null && !defaultGone) alter(`${col} DROP DEFAULT`, true);
  if (own && c.identity && !n.identity) alter(`${col} DROP IDENTITY`);
  if (c.notNull !== n.notNull) alter(`${col} ${n.notNull ? 'SET' : 'DROP'} NOT NULL`);
  if (own && n.identity && !c.identity) alter(`${col} ADD GENERATED ${n.identity.toUpperCase()} AS IDENTITY`);
  if (own && n.identity && c.identity && n.identity !== c.identity) alter(`${col} SET GENERATED ${n.identity.toUpperCase()}`);
  if (n.default !== null && (defaultGone || !d.same(c.default, n.default, oid))) alter(`${col} SET DEFAULT ${n.default}`, true);
  if (own && c.generated && !n.generated) alter(`${col} DROP EXPRESSION`);
}

function alterColumns(d: Differ, p: TablePlan, alter: Alter): void {
  const t = p.table;
  const before = new Map(p.columns.map((c) => [c.attnum, c]));
  const after = new Map(t.columns.map((c) => [c.attnum, c]));
  const following = (c: ColumnDef) => p.follows && c.inherited;
  // PostgreSQL 15 cannot change a generation expression: the column is rebuilt when its rows are reloaded anyway.
  const rebuilt = new Set<number>();
  for (const n of t.columns) {
    const c = before.get(n.attnum);
    if (!c || following(n) || !n.generated || d.same(c.generated, n.generated, t.oid)) continue;
    if (d.reloaded.has(t.oid)) rebuilt.add(n.attnum);
    else d.unsupported.push(`column ${qualify(t.schema, t.name)}.${quoteIdent(n.name)}: generation expression changed to ${n.generated} (reload the table)`);
  }
  for (const c of p.columns) if ((!after.has(c.attnum) || rebuilt.has(c.attnum)) && !following(c)) alter(`DROP COLUMN ${quoteIdent(c.name)}`);
  for (const n of t.columns) {
    const c = before.get(n.attnum);
    if (c && c.name !== n.name && !rebuilt.has(n.attnum) && !following(n)) alter(`RENAME COLUMN ${quoteIdent(c.name)} TO ${quoteIdent(n.name)}`);
  }
  for (const n of t.columns) {
    const c = before.get(n.attnum);
    if (c && !rebuilt.has(n.attnum)) alterColumn(d, p, c, n, alter);
    else if (following(n)) {
      // Added on the parent, which passed it on with the parent's definition.
      const parent = d.nextTables.get(t.partitionOf!.parent)!;
      checkRowsReproducible(d, p, n);
      alterColumn(d, p, asInherited(parent.columns.find((x) => x.name === n.name)!, n.attnum), n, alter);
    } else addColumn(d, p, n, alter);
  }
}

/** The parent's CHECK constraints: a table must have them to be attached, and they become inherited. */
function parentChecks(d: Differ, p: TablePlan): ConstraintDef[] {
  const parent = p.attach ? d.nextTables.get(p.table.partitionOf!.parent) : undefined;
  return parent?.constraints.filter((c) => c.type === 'c') ?? [];
}

function alterTable(d: Differ, p: TablePlan): void {
  const t = p.table;
  const alter = alterer(d, 'alterTables', t);
  const nextConstraints = byOid(t.constraints);
  const nextIndexes = byOid(t.indexes);
  const inheritedChecks = new Set(parentChecks(d, p).map((c) => c.name));
  for (const c of p.constraints) {
    const n = nextConstraints.get(c.oid);
    if (n ? !d.same(c.def, n.def, t.oid) : !(c.type === 'c' && inheritedChecks.has(c.name))) alter(`DROP CONSTRAINT ${quoteIdent(c.name)}`);
  }
  for (const i of p.indexes) {
    const n = nextIndexes.get(i.oid);
    if (!n || !d.sameIndex(i.def, n.def, t.oid)) d.emit('alterTables', `DROP INDEX ${qualify(t.schema, i.name)}`);
  }
  alterColumns(d, p, alter);
  const constraints = byOid(p.constraints);
  for (const c of t.constraints) {
    const was = constraints.get(c.oid);
    if (was && was.name !== c.name && d.same(was.def, c.def, t.oid)) alter(`RENAME CONSTRAINT ${quoteIdent(was.name)} TO ${quoteIdent(c.name)}`);
  }
  const indexes = byOid(p.indexes);
  for (const i of t.indexes) {
    const was = indexes.get(i.oid);
    if (was && was.name !== i.name && d.sameIndex(was.def, i.def, t.oid)) d.emit('alterTables', `ALTER INDEX ${qualify(t.schema, was.name)} RENAME TO ${quoteIdent(i.name)}`);
  }
}

function attach(d: Differ, p: TablePlan): void {
  const t = p.table;
  const parent = d.nextTables.get(t.partitionOf!.parent)!;
  const next = byOid(t.constraints);
  const present = new Set(p.constraints.flatMap((c) => {
    const n = next.get(c.oid);
    return n && d.same(c.def, n.def, t.oid) ? [n.name] : n ? [] : [c.name];
  }));
  const alter = alterer(d, 'attach', t);
  for (const c of parentChecks(d, p)) if (!present.has(c.name)) alter(`ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  d.emit('attach', `ALTER TABLE ${qualify(parent.schema, parent.name)} ATTACH PARTITION ${qualify(t.schema, t.name)} ${t.partitionOf!.bound}`);
}

function addToTable(d: Differ, p: TablePlan): void {
  const t = p.table;
  const constraints = byOid(p.constraints);
  const alter = alterer(d, 'addToTables', t);
  for (const c of t.constraints) {
    const was = constraints.get(c.oid);
    if (!was || !d.same(was.def, c.def, t.oid)) alter(`ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  }
  const indexes = byOid(p.indexes);
  for (const i of t.indexes) {
    const was = indexes.get(i.oid);
    if (!was || !d.sameIndex(was.def, i.def, t.oid)) d.emit('addToTables', indexStatement(i.def));
  }
}

function createTable(d: Differ, p: TablePlan): void {
  const t = p.table;
  const partitionBy = t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : '';
  const parent = p.createdAsPartition && d.nextTables.get(t.partitionOf!.parent)!;
  const body = parent ? `PARTITION OF ${qualify(parent.schema, parent.name)} ${t.partitionOf!.bound}` : `(${t.columns.map((c) => columnSpec(c)).join(', ')})`;
  d.emit('createTables', `CREATE TABLE ${qualify(t.schema, t.name)} ${body}${partitionBy}`);
}

function diffTables(d: Differ): void {
  const plans = planTables(d);
  for (const p of plans) {
    if (!p.detach) continue;
    const before = p.before!;
    const parent = d.prevTables.get(before.partitionOf!.parent)!;
    d.emit('detach', `ALTER TABLE ${qualify(parent.schema, parent.name)} DETACH PARTITION ${qualify(before.schema, before.name)}`);
    d.emit('detach', dropConstraintsAndIndexes(qualify(before.schema, before.name)));
  }
  const dropped = d.prev.tables.filter((t) => !d.nextTables.has(t.oid)).sort(parentsFirst(d.prevTables)).reverse();
  for (const t of dropped) d.emit('dropTables', `DROP TABLE ${qualify(t.schema, t.name)}`);
  for (const p of plans) {
    if (p.before) move(d, 'moveTables', 'TABLE', p.before, p.table, d.schemaNow(p.before.schema));
    else createTable(d, p);
    alterTable(d, p);
    if (p.attach) attach(d, p);
    addToTable(d, p);
  }
}

export function diffSchema(prev: Snapshot, next: Snapshot, options: DiffOptions = {}): SchemaDiff {
  const d = new Differ(prev, next, options.reloaded ?? new Set());
  diffSchemas(d);
  diffTypes(d);
  diffSequences(d);
  diffTables(d);
  return { statements: d.statements(), unsupported: d.unsupported };
}
