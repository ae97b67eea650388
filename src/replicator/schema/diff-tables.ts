/** diffSchema's tables: partitions detached and attached, columns, constraints and indexes reconciled. */
import { quoteIdent } from '../../pg/ident.ts';
import { byOid, move, qualify, quoteLiteral, type Differ, type Phase, type TablePlan } from './differ.ts';
import type { ColumnDef, ConstraintDef, TableDef } from './snapshot.ts';

function depth(t: TableDef, tables: Map<number, TableDef>): number {
  let n = 0;
  for (let p = t.partitionOf && tables.get(t.partitionOf.parent); p; p = p.partitionOf && tables.get(p.partitionOf.parent)) n++;
  return n;
}

const parentsFirst = (tables: Map<number, TableDef>) => (a: TableDef, b: TableDef) => depth(a, tables) - depth(b, tables) || a.oid - b.oid;

/** A parent's column as its partitions get it: PostgreSQL 15 does not pass identity on to partitions. */
const asInherited = (column: ColumnDef, attnum: number): ColumnDef => ({
  ...column,
  attnum,
  identity: null,
  inherited: true,
  missing: null,
});

function planTables(d: Differ): TablePlan[] {
  return [...d.next.tables].sort(parentsFirst(d.nextTables)).map((table): TablePlan => {
    const before = d.prevTables.get(table.oid);
    if (before) {
      const follows =
        !!before.partitionOf &&
        !!table.partitionOf &&
        before.partitionOf.parent === table.partitionOf.parent &&
        d.same(before.partitionOf.bound, table.partitionOf.bound, table.oid);
      const detach = !!before.partitionOf && !follows;
      const kept = detach ? { constraints: [], indexes: [] } : before;
      return {
        table,
        before,
        columns: before.columns,
        constraints: kept.constraints,
        indexes: kept.indexes,
        follows,
        createdAsPartition: false,
        detach,
        attach: !!table.partitionOf && !follows,
      };
    }
    const parent = table.partitionOf && d.nextTables.get(table.partitionOf.parent);
    // PARTITION OF gives the parent's column order; a partition with another order is created alone and attached.
    const names = (t: TableDef) => t.columns.map((c) => c.name).join('\0');
    const asPartition = !!parent && names(parent) === names(table);
    const columns = asPartition
      ? table.columns.map((c) =>
          asInherited(
            parent.columns.find((x) => x.name === c.name)!,
            c.attnum,
          ),
        )
      : table.columns;
    return {
      table,
      before,
      columns,
      constraints: [],
      indexes: [],
      follows: asPartition,
      createdAsPartition: asPartition,
      detach: false,
      attach: !!table.partitionOf && !asPartition,
    };
  });
}

function columnSpec(c: ColumnDef, defaultExpr = c.default): string {
  return [
    quoteIdent(c.name),
    c.type,
    c.collation && `COLLATE ${c.collation}`,
    c.generated && `GENERATED ALWAYS AS (${c.generated}) STORED`,
    c.identity && `GENERATED ${c.identity.toUpperCase()} AS IDENTITY`,
    defaultExpr && `DEFAULT ${defaultExpr}`,
    c.notNull && 'NOT NULL',
  ]
    .filter(Boolean)
    .join(' ');
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
  d.unsupported.push(
    `column ${qualify(p.table.schema, p.table.name)}.${quoteIdent(n.name)}: added ${what}; the leader's existing rows got values no change event carries (reload the table)`,
  );
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
    else
      d.unsupported.push(
        `column ${qualify(t.schema, t.name)}.${quoteIdent(n.name)}: generation expression changed to ${n.generated} (reload the table)`,
      );
  }
  for (const c of p.columns)
    if ((!after.has(c.attnum) || rebuilt.has(c.attnum)) && !following(c)) alter(`DROP COLUMN ${quoteIdent(c.name)}`);
  for (const n of t.columns) {
    const c = before.get(n.attnum);
    if (c && c.name !== n.name && !rebuilt.has(n.attnum) && !following(n))
      alter(`RENAME COLUMN ${quoteIdent(c.name)} TO ${quoteIdent(n.name)}`);
  }
  for (const n of t.columns) {
    const c = before.get(n.attnum);
    if (c && !rebuilt.has(n.attnum)) alterColumn(d, p, c, n, alter);
    else if (following(n)) {
      // Added on the parent, which passed it on with the parent's definition.
      const parent = d.nextTables.get(t.partitionOf!.parent)!;
      checkRowsReproducible(d, p, n);
      alterColumn(
        d,
        p,
        asInherited(
          parent.columns.find((x) => x.name === n.name)!,
          n.attnum,
        ),
        n,
        alter,
      );
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
    if (was && was.name !== c.name && d.same(was.def, c.def, t.oid))
      alter(`RENAME CONSTRAINT ${quoteIdent(was.name)} TO ${quoteIdent(c.name)}`);
  }
  const indexes = byOid(p.indexes);
  for (const i of t.indexes) {
    const was = indexes.get(i.oid);
    if (was && was.name !== i.name && d.sameIndex(was.def, i.def, t.oid))
      d.emit('alterTables', `ALTER INDEX ${qualify(t.schema, was.name)} RENAME TO ${quoteIdent(i.name)}`);
  }
}

function attach(d: Differ, p: TablePlan): void {
  const t = p.table;
  const parent = d.nextTables.get(t.partitionOf!.parent)!;
  const next = byOid(t.constraints);
  const present = new Set(
    p.constraints.flatMap((c) => {
      const n = next.get(c.oid);
      return n && d.same(c.def, n.def, t.oid) ? [n.name] : n ? [] : [c.name];
    }),
  );
  const alter = alterer(d, 'attach', t);
  for (const c of parentChecks(d, p)) if (!present.has(c.name)) alter(`ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  d.emit(
    'attach',
    `ALTER TABLE ${qualify(parent.schema, parent.name)} ATTACH PARTITION ${qualify(t.schema, t.name)} ${t.partitionOf!.bound}`,
  );
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
  const body = parent
    ? `PARTITION OF ${qualify(parent.schema, parent.name)} ${t.partitionOf!.bound}`
    : `(${t.columns.map((c) => columnSpec(c)).join(', ')})`;
  d.emit('createTables', `CREATE TABLE ${qualify(t.schema, t.name)} ${body}${partitionBy}`);
}

export function diffTables(d: Differ): void {
  const plans = planTables(d);
  for (const p of plans) {
    if (!p.detach) continue;
    const before = p.before!;
    const parent = d.prevTables.get(before.partitionOf!.parent)!;
    d.emit('detach', `ALTER TABLE ${qualify(parent.schema, parent.name)} DETACH PARTITION ${qualify(before.schema, before.name)}`);
    d.emit('detach', dropConstraintsAndIndexes(qualify(before.schema, before.name)));
  }
  const dropped = d.prev.tables
    .filter((t) => !d.nextTables.has(t.oid))
    .sort(parentsFirst(d.prevTables))
    .reverse();
  for (const t of dropped) d.emit('dropTables', `DROP TABLE ${qualify(t.schema, t.name)}`);
  for (const p of plans) {
    if (p.before) move(d, 'moveTables', 'TABLE', p.before, p.table, d.schemaNow(p.before.schema));
    else createTable(d, p);
    alterTable(d, p);
    if (p.attach) attach(d, p);
    addToTable(d, p);
  }
}
