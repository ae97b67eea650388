import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Commands } from '../../src/writeapi/commands.ts';
import { Pools } from '../../src/simulate/state.ts';
import { mix, planOp, type OpKind } from '../../src/simulate/workload.ts';

/** Commands that record their arguments and succeed with fresh ids, like a leader would. */
function recorder() {
  const calls: string[] = [];
  let id = 1000;
  const record = (name: string) => async (...args: unknown[]) => {
    calls.push(`${name} ${JSON.stringify(args)}`);
    return { token: '0/1', customerId: ++id, productId: ++id, orderId: ++id, version: 2, total: '1.00', price: '1.00', status: 'paid' };
  };
  const commands = Object.fromEntries(['createCustomer', 'deleteCustomer', 'createProduct', 'updatePrice', 'placeOrder', 'changeOrder'].map((n) => [n, record(n)])) as unknown as Commands;
  return { calls, commands };
}

function stockedPools(): Pools {
  const p = new Pools();
  p.customers = Array.from({ length: 100 }, (_, i) => i + 1);
  p.products = Array.from({ length: 50 }, (_, i) => i + 1);
  p.placed = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, customerId: (i % 100) + 1 }));
  p.paid = Array.from({ length: 100 }, (_, i) => ({ id: i + 101, customerId: (i % 100) + 1 }));
  return p;
}

async function run(seed: number, n: number, pools: Pools) {
  const { calls, commands } = recorder();
  const kinds: OpKind[] = [];
  for (let i = 0; i < n; i++) {
    const action = planOp(seed, i, pools, 'tag');
    kinds.push(action.kind);
    action.settle(await action.write(commands));
  }
  return { kinds, calls };
}

test('the same seed gives the same commands with the same arguments', async () => {
  const a = await run(42, 300, stockedPools());
  const b = await run(42, 300, stockedPools());
  assert.deepEqual(a.calls, b.calls);
  const c = await run(43, 300, stockedPools());
  assert.notDeepEqual(a.calls, c.calls);
});

test('the mix is mostly orders and their status changes, in the documented proportions', async () => {
  const { kinds } = await run(7, 4000, stockedPools());
  const share = (k: OpKind) => kinds.filter((x) => x === k).length / kinds.length;
  const total = Object.values(mix).reduce((s, w) => s + w, 0);
  for (const [kind, weight] of Object.entries(mix) as [OpKind, number][]) {
    assert.ok(Math.abs(share(kind) - weight / total) < 0.04, `${kind}: ${share(kind)} vs ${weight / total}`);
  }
});

test('from empty pools the workload first creates what later commands need', async () => {
  const pools = new Pools();
  const { kinds } = await run(1, 200, pools);
  const before = kinds.slice(0, kinds.indexOf('place order'));
  assert.ok(before.filter((k) => k === 'create customer').length >= 5 && before.filter((k) => k === 'create product').length >= 5);
  assert.ok(!before.some((k) => k.endsWith('order') || k === 'delete customer'));
  assert.ok(kinds.includes('ship order') && kinds.includes('delete customer'));
  assert.ok(pools.customers.length >= 5 && pools.products.length >= 5);
});

test('a customer with a command in flight is never the one deleted', () => {
  const pools = new Pools();
  pools.customers = Array.from({ length: 30 }, (_, i) => i + 1);
  for (const id of pools.customers.slice(0, 29)) pools.hold(id);
  pools.placed = [{ id: 9, customerId: 30 }];
  assert.equal(pools.takeIdleCustomer(0.99), 30);
  assert.deepEqual(pools.placed, []);
  assert.equal(pools.takeIdleCustomer(0.5), undefined);
});

test('some product descriptions exceed 8 kB so TOAST is exercised', async () => {
  const { calls } = await run(3, 2000, stockedPools());
  const long = calls.filter((c) => c.startsWith('createProduct')).map((c) => (JSON.parse(c.slice('createProduct '.length))[0] as { description: string }).description.length);
  assert.ok(long.some((n) => n > 8192), `lengths ${long.join(',')}`);
});
