import { usageError } from '../errors.ts';
import type { Settings } from './settings.ts';

/**
 * Which leader tables are replicated: schemas and `schema.table` names to include (empty: all) and to
 * exclude. The same scope drives the connector's filters, the catalog the leader records at each schema
 * change, and what verify-replicas compares, so the three never disagree.
 */
export interface CaptureScope {
  schemas: string[];
  excludeSchemas: string[];
  tables: string[];
  excludeTables: string[];
}

/** cqrsctl's own schema: always captured (heartbeat, schema-change log), never mirrored as user data. */
const OWN_SCHEMA = 'cqrsctl';

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function captureScope(s: Pick<Settings, 'captureSchemas' | 'excludeSchemas' | 'captureTables' | 'excludeTables'>): CaptureScope {
  const scope = {
    schemas: list(s.captureSchemas),
    excludeSchemas: list(s.excludeSchemas),
    tables: list(s.captureTables),
    excludeTables: list(s.excludeTables),
  };
  if (scope.schemas.length && scope.excludeSchemas.length) {
    throw usageError(
      'captureSchemas and excludeSchemas cannot both be set',
      'List the schemas to replicate, or the ones to leave out, not both.',
    );
  }
  if (scope.tables.length && scope.excludeTables.length) {
    throw usageError(
      'captureTables and excludeTables cannot both be set',
      'List the tables to replicate, or the ones to leave out, not both.',
    );
  }
  if ([...scope.schemas, ...scope.excludeSchemas].includes(OWN_SCHEMA)) {
    throw usageError(
      `schema ${OWN_SCHEMA} cannot be in captureSchemas or excludeSchemas`,
      "It holds cqrsctl's own bookkeeping and is always captured, never mirrored.",
    );
  }
  for (const t of [...scope.tables, ...scope.excludeTables]) {
    if (!/^[^.]+\.[^.]+$/.test(t))
      throw usageError(`"${t}" is not a schema.table name`, 'Write tables as schema.table, e.g. public.orders.');
  }
  return scope;
}

const regex = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The connector's filter settings for the scope (Debezium takes regular expressions; names are escaped). */
export function connectorFilters(scope: CaptureScope): Record<string, string> {
  const out: Record<string, string> = {};
  if (scope.schemas.length) out['schema.include.list'] = [...scope.schemas, OWN_SCHEMA].map(regex).join(',');
  if (scope.excludeSchemas.length) out['schema.exclude.list'] = scope.excludeSchemas.map(regex).join(',');
  if (scope.tables.length) out['table.include.list'] = [...scope.tables.map(regex), `${OWN_SCHEMA}\\..*`].join(',');
  if (scope.excludeTables.length) out['table.exclude.list'] = scope.excludeTables.map(regex).join(',');
  return out;
}

/** Whether a leader table is replicated (cqrsctl's own schema is not user data). */
export function inScope(scope: CaptureScope, schema: string, table: string): boolean {
  if (schema === OWN_SCHEMA || schema.startsWith('pg_') || schema === 'information_schema') return false;
  if (scope.schemas.length && !scope.schemas.includes(schema)) return false;
  if (scope.excludeSchemas.includes(schema)) return false;
  const id = `${schema}.${table}`;
  if (scope.tables.length && !scope.tables.includes(id)) return false;
  return !scope.excludeTables.includes(id);
}

/** One line saying what is replicated, for reports. */
export function describeScope(scope: CaptureScope): string {
  const schemas = scope.schemas.length
    ? `schemas ${scope.schemas.join(', ')}`
    : scope.excludeSchemas.length
      ? `every schema but ${scope.excludeSchemas.join(', ')}`
      : 'every non-system schema';
  const tables = scope.tables.length
    ? `, tables ${scope.tables.join(', ')} only`
    : scope.excludeTables.length
      ? `, without ${scope.excludeTables.join(', ')}`
      : '';
  return `${schemas}${tables}`;
}
