import assert from 'node:assert/strict';
import { test } from 'node:test';
import type postgres from 'postgres';
import { ReplicaRouter } from '../../src/writeapi/replica-router.ts';

/** Replicas whose positions the test moves by hand; the `sql` is only an identity here. */
function fakeReplicas(n: number) {
  const at = new Map<unknown, bigint>();
  const replicas = Array.from({ length: n }, (_, i) => {
    const sql = { i } as unknown as postgres.Sql;
    at.set(sql, 0n);
    return { name: `replica-${i + 1}`, sql };
  });
  const position = async (sql: postgres.Sql) => {
    const v = at.get(sql);
    if (v === undefined || v < 0n) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
    return v;
  };
  return { replicas, position, set: (i: number, v: bigint) => at.set(replicas[i].sql, v) };
}

test('reads without a token rotate over every replica', () => {
  const f = fakeReplicas(3);
  const router = new ReplicaRouter(f.replicas, 1, f.position);
  const firsts = [0, 1, 2, 3].map(() => router.rotation()[0].name);
  assert.deepEqual(firsts, ['replica-1', 'replica-2', 'replica-3', 'replica-1']);
});

test('a token is served only by replicas that reached it, once they do', async () => {
  const f = fakeReplicas(3);
  const router = new ReplicaRouter(f.replicas, 1, f.position);
  f.set(0, 100n);
  f.set(1, 50n);
  setTimeout(() => f.set(2, 200n), 30);
  const first = await router.caughtUp(150n, 2000);
  assert.deepEqual(
    first.map((r) => r.name),
    ['replica-3'],
  );
  const both = await router.caughtUp(100n, 2000);
  assert.deepEqual(both.map((r) => r.name).sort(), ['replica-1', 'replica-3']);
});

test('a token no replica reaches times out empty, and a replica that is down is skipped', async () => {
  const f = fakeReplicas(2);
  const router = new ReplicaRouter(f.replicas, 1, f.position);
  f.set(0, -1n);
  f.set(1, 10n);
  const started = Date.now();
  assert.deepEqual(await router.caughtUp(1n << 40n, 150), []);
  assert.ok(Date.now() - started >= 140);
  assert.deepEqual(
    (await router.caughtUp(5n, 1000)).map((r) => r.name),
    ['replica-2'],
  );
});
