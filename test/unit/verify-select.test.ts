import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PgEndpoint } from '../../src/config/config.ts';
import { CqrsError } from '../../src/errors.ts';
import { parseDurationMs } from '../../src/lib/time.ts';
import { selectReplicas, selectTables } from '../../src/verify/select.ts';

const endpoint = (name: string): PgEndpoint => ({ name, host: 'h', port: 1, user: 'u', password: 'p', database: 'd' });
const usage = (message: RegExp, hint: RegExp) => (e: unknown) =>
  e instanceof CqrsError && e.exitCode === 2 && message.test(e.message) && hint.test(e.hint ?? '');

describe('selecting what to verify', () => {
  it('resolves qualified, public and unique bare table names', () => {
    const known = ['public.orders', 'sales.items', 'a.dup', 'b.dup', 'x."odd; name"'];
    assert.deepEqual(selectTables(known, ['orders', 'items', 'a.dup']), ['public.orders', 'sales.items', 'a.dup']);
    assert.deepEqual(selectTables(known), [...known].sort());
  });

  it('names the valid tables and replicas when given unknown ones', () => {
    assert.throws(() => selectTables(['a.dup', 'b.dup'], ['dup']), usage(/unknown table "dup"/, /a\.dup, b\.dup/));
    const all = [endpoint('replica-1'), endpoint('replica-2')];
    assert.deepEqual(
      selectReplicas(all, ['replica-2']).map((r) => r.name),
      ['replica-2'],
    );
    assert.throws(() => selectReplicas(all, ['replica-3']), usage(/unknown replica "replica-3"/, /replica-1, replica-2/));
  });

  it('parses --wait timeouts', () => {
    assert.deepEqual(
      ['90', '90s', '500ms', '2m', '1h'].map((t) => parseDurationMs(t, '--wait')),
      [90_000, 90_000, 500, 120_000, 3_600_000],
    );
    assert.throws(() => parseDurationMs('soon', '--wait'), usage(/--wait: "soon" is not a duration/, /30s/));
  });
});
