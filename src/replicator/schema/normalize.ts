import { quoteIdent } from '../../pg/ident.ts';
import type { ColumnDef, Snapshot, TableDef, TypeDef } from './snapshot.ts';

type Token = { ident: string } | { text: string };

// Catalog printers quote identifiers only when they must and never emit E'' or dollar quoting
// (the snapshot is read with standard_conforming_strings on), so this covers their output.
const TOKEN = /\s+|"(?:[^"]|"")*"|'(?:[^']|'')*'|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*|::|./gsy;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const [t] of text.matchAll(TOKEN)) {
    if (/^\s/.test(t)) continue;
    if (t.startsWith('"')) tokens.push({ ident: t.slice(1, -1).replace(/""/g, '"') });
    else if (/^[A-Za-z_\u0080-\uffff]/.test(t)) tokens.push({ ident: t });
    else tokens.push({ text: t });
  }
  return tokens;
}

/** Names that changed between two snapshots, applied to the older one's SQL text before comparing. */
export interface Renames {
  /** 'schema\0name' of a table, type or sequence → its new [schema, name]. */
  objects: Map<string, [string, string]>;
  schemas: Map<string, string>;
  /** Columns of the table the text belongs to: old name → new name. */
  columns?: Map<string, string>;
}

export const objectKey = (schema: string, name: string) => `${schema}\0${name}`;

const isIdent = (t: Token | undefined, name?: string): t is { ident: string } =>
  t !== undefined && 'ident' in t && (name === undefined || t.ident === name);
const isText = (t: Token | undefined, text: string) => t !== undefined && 'text' in t && t.text === text;

function renamePair(schema: string, name: string, renames?: Renames): [string, string] {
  return renames?.objects.get(objectKey(schema, name)) ?? [renames?.schemas.get(schema) ?? schema, name];
}

function render(tokens: Token[], renames?: Renames): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const after = tokens[i + 2];
    if (isIdent(t) && isText(tokens[i + 1], '.') && isIdent(after)) {
      const [schema, name] = renamePair(t.ident, after.ident, renames);
      out.push(`${quoteIdent(schema)}.${quoteIdent(name)}`);
      i += 2;
    } else if (isIdent(t)) {
      const qualifiedPart = isText(tokens[i - 1], '.') || isText(tokens[i + 1], '.');
      out.push(quoteIdent((!qualifiedPart && renames?.columns?.get(t.ident)) || t.ident));
    } else if (t.text.startsWith("'") && isText(tokens[i + 1], '::') && isIdent(tokens[i + 2], 'regclass')) {
      // A regclass constant ('s.t'::regclass, as in nextval defaults) names a relation inside a literal.
      out.push(`'${render(tokenize(t.text.slice(1, -1).replace(/''/g, "'")), renames)}'`);
    } else {
      out.push(t.text);
    }
  }
  return out.join(' ');
}

/**
 * SQL text as printed by the catalog, in one spelling per meaning (every identifier quoted, spacing
 * fixed), with `renames` applied: two texts that differ only by objects renamed since are equal.
 */
export function canonicalSql(text: string, renames?: Renames): string {
  return render(tokenize(text), renames);
}

/** Every schema-qualified name a text mentions, as objectKey: what a definition depends on. */
export function qualifiedNames(text: string): string[] {
  const tokens = tokenize(text);
  const names: string[] = [];
  tokens.forEach((t, i) => {
    const after = tokens[i + 2];
    if (isIdent(t) && isText(tokens[i + 1], '.') && isIdent(after)) names.push(objectKey(t.ident, after.ident));
  });
  return names;
}

/** An index definition from ON onwards (no index name, no ONLY), so a rename alone changes nothing. */
export function indexBody(def: string, renames?: Renames): string {
  const tokens = tokenize(def);
  const on = tokens.findIndex((t) => isIdent(t) && t.ident === 'ON');
  const rest = tokens.slice(on + 1);
  return render(isIdent(rest[0]) && rest[0].ident === 'ONLY' ? rest.slice(1) : rest, renames);
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byQualified = <T extends { schema: string; name: string }>(a: T, b: T) =>
  a.schema !== b.schema ? (a.schema < b.schema ? -1 : 1) : byName(a, b);

function normalizeType(t: TypeDef) {
  const base = { schema: t.schema, name: t.name };
  switch (t.kind) {
    case 'enum':
      return { ...base, kind: t.kind, labels: t.labels.map((l) => l.label) };
    case 'composite':
      return { ...base, kind: t.kind, attributes: t.attributes.map(({ name, type }) => ({ name, type })) };
    case 'domain':
      return { ...base, kind: t.kind, baseType: t.baseType, notNull: t.notNull, default: t.default, checks: [...t.checks].sort(byName) };
  }
}

// attnum and the missing value are storage details: a replica built fresh has other attnums and no missing values.
const normalizeColumn = ({ attnum: _attnum, missing: _missing, ...definition }: ColumnDef) => definition;

/**
 * The catalog without OIDs and attnums, references made by name, lists in a fixed order: two
 * snapshots with deep-equal results hold the same definitions.
 */
export function normalizeSnapshot(s: Snapshot) {
  const tableName = new Map(s.tables.map((t) => [t.oid, `${t.schema}.${t.name}`]));
  return {
    schemas: s.schemas.map((n) => n.name).sort(),
    types: [...s.types].sort(byQualified).map(normalizeType),
    sequences: [...s.sequences].sort(byQualified).map((q) => ({
      schema: q.schema,
      name: q.name,
      type: q.type,
      ownedBy: q.ownedBy && `${tableName.get(q.ownedBy.table)}.${q.ownedBy.column}`,
    })),
    tables: [...s.tables].sort(byQualified).map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      partitionKey: t.partitionKey,
      partitionOf: t.partitionOf && { parent: tableName.get(t.partitionOf.parent), bound: t.partitionOf.bound },
      columns: t.columns.map(normalizeColumn),
      primaryKey: t.primaryKey,
      constraints: t.constraints.map(({ name, type, def }) => ({ name, type, def })).sort(byName),
      indexes: t.indexes.map(({ name, def }) => ({ name, def })).sort(byName),
    })),
  };
}

function columnLine(c: ColumnDef): string {
  const parts = [quoteIdent(c.name), c.type];
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.generated}) STORED`);
  if (c.identity) parts.push(`GENERATED ${c.identity.toUpperCase()} AS IDENTITY`);
  if (c.default) parts.push(`DEFAULT ${c.default}`);
  if (c.notNull) parts.push('NOT NULL');
  if (c.inherited) parts.push('(inherited)');
  return `  ${parts.join(' ')}`;
}

/** One table's definition as readable lines, to show a user how a replica's differs from the leader's. */
export function tableDefinitionText(s: Snapshot, table: TableDef): string {
  const parent = table.partitionOf && s.tables.find((t) => t.oid === table.partitionOf?.parent);
  const lines = [`TABLE ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`];
  if (table.partitionKey) lines.push(`  PARTITION BY ${table.partitionKey}`);
  if (table.partitionOf) {
    const parentName = parent ? `${quoteIdent(parent.schema)}.${quoteIdent(parent.name)}` : `(table ${table.partitionOf.parent})`;
    lines.push(`  PARTITION OF ${parentName} ${table.partitionOf.bound}`);
  }
  lines.push(...table.columns.map(columnLine));
  if (table.primaryKey.length > 0) lines.push(`  PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`);
  for (const c of [...table.constraints].sort(byName)) lines.push(`  CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  for (const i of [...table.indexes].sort(byName)) lines.push(`  ${i.def}`);
  return lines.join('\n');
}
