import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureScope, connectorFilters, describeScope, inScope } from '../../src/config/scope.ts';
import { CqrsError } from '../../src/errors.ts';

const settings = (s: Partial<Record<'captureSchemas' | 'excludeSchemas' | 'captureTables' | 'excludeTables', string>>) => ({
  captureSchemas: '',
  excludeSchemas: '',
  captureTables: '',
  excludeTables: '',
  ...s,
});

test('the default scope is every non-system schema, and the connector gets no filter', () => {
  const scope = captureScope(settings({}));
  assert.deepEqual(connectorFilters(scope), {});
  assert.equal(inScope(scope, 'sales', 'invoices'), true);
  assert.equal(inScope(scope, 'cqrsctl', 'heartbeat'), false, 'cqrsctl is bookkeeping, never user data');
  assert.equal(inScope(scope, 'pg_catalog', 'pg_class'), false);
  assert.equal(describeScope(scope), 'every non-system schema');
});

test('included schemas and tables: the connector always keeps schema cqrsctl, names become escaped regular expressions', () => {
  const scope = captureScope(settings({ captureSchemas: 'public, sales', captureTables: 'public.orders,sales.invoices' }));
  assert.deepEqual(connectorFilters(scope), {
    'schema.include.list': 'public,sales,cqrsctl',
    'table.include.list': 'public\\.orders,sales\\.invoices,cqrsctl\\..*',
  });
  assert.equal(inScope(scope, 'public', 'orders'), true);
  assert.equal(inScope(scope, 'public', 'customers'), false);
  assert.equal(inScope(scope, 'audit', 'orders'), false);
});

test('excluded schemas and tables', () => {
  const scope = captureScope(settings({ excludeSchemas: 'audit', excludeTables: 'public.big_log' }));
  assert.deepEqual(connectorFilters(scope), { 'schema.exclude.list': 'audit', 'table.exclude.list': 'public\\.big_log' });
  assert.equal(inScope(scope, 'audit', 'x'), false);
  assert.equal(inScope(scope, 'public', 'big_log'), false);
  assert.equal(inScope(scope, 'public', 'orders'), true);
  assert.equal(describeScope(scope), 'every schema but audit, without public.big_log');
});

test('contradictory or malformed scopes are usage errors with a hint', () => {
  for (const bad of [
    settings({ captureSchemas: 'a', excludeSchemas: 'b' }),
    settings({ captureTables: 'a.b', excludeTables: 'a.c' }),
    settings({ excludeSchemas: 'cqrsctl' }),
    settings({ captureTables: 'orders' }),
  ]) {
    assert.throws(
      () => captureScope(bad),
      (e: unknown) => e instanceof CqrsError && e.exitCode === 2 && Boolean(e.hint),
    );
  }
});
