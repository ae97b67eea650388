/** diffSchema's types and sequences: created, altered, moved and dropped in dependency order. */
import { quoteIdent } from '../../pg/ident.ts';
import { objectKey, qualifiedNames } from './normalize.ts';
import { byOid, move, qualify, quoteLiteral, type Differ } from './differ.ts';
import type { SequenceDef, TableDef, TypeDef } from './snapshot.ts';

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
  if (t.kind === 'composite')
    d.emit('createTypes', `CREATE TYPE ${q} AS (${t.attributes.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ')})`);
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
  const kept = (labels: { oid: number }[], other: Map<number, unknown>) =>
    labels
      .filter((l) => other.has(l.oid))
      .map((l) => l.oid)
      .join();
  if (kept(prev.labels, nextById) !== kept(next.labels, prevById)) d.unsupported.push(`type ${q}: enum labels reordered`);
  next.labels.forEach((l, i) => {
    if (prevById.has(l.oid)) return;
    const following = next.labels.slice(i + 1).find((x) => prevById.has(x.oid));
    const place = i > 0 ? ` AFTER ${quoteLiteral(next.labels[i - 1].label)}` : following ? ` BEFORE ${quoteLiteral(following.label)}` : '';
    d.emit('alterTypes', `ALTER TYPE ${q} ADD VALUE ${quoteLiteral(l.label)}${place}`);
  });
}

function alterComposite(
  d: Differ,
  q: string,
  prev: Extract<TypeDef, { kind: 'composite' }>,
  next: Extract<TypeDef, { kind: 'composite' }>,
): void {
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
  if (!d.same(prev.baseType, next.baseType))
    d.unsupported.push(`type ${q}: domain base type changed from ${prev.baseType} to ${next.baseType}`);
  if (!d.same(prev.default, next.default))
    d.emit('alterTypes', `ALTER DOMAIN ${q} ${next.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${next.default}`}`);
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

export function diffTypes(d: Differ): void {
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

export function diffSequences(d: Differ): void {
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
