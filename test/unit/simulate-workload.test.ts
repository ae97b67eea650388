import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Commands } from '../../src/writeapi/commands.ts';
import { runWorkload, type SimulateOptions } from '../../src/simulate/run.ts';
import { Entity, Pools } from '../../src/simulate/state.ts';
import { Rejected } from '../../src/simulate/targets.ts';
import { mix, planOp, type OpKind } from '../../src/simulate/workload.ts';

/** Commands that record their arguments and succeed with fresh ids, like a leader would. */
function recorder() {
  const calls: string[] = [];
  let id = 1000;
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return { token: '0/1', customerId: ++id, productId: ++id, orderId: ++id, version: 2, total: '1.00', price: '1.00', status: 'paid' };
    };
  const commands = Object.fromEntries(
    ['createCustomer', 'deleteCustomer', 'createProduct', 'updatePrice', 'placeOrder', 'changeOrder'].map((n) => [n, record(n)]),
  ) as unknown as Commands;
  return { calls, commands };
}

function stockedPools(): Pools {
  const p = new Pools();
  p.customers = Array.from({ length: 100 }, (_, i) => Entity.existing(i + 1));
  p.products = Array.from({ length: 50 }, (_, i) => Entity.existing(i + 1));
  p.placed = Array.from({ length: 100 }, (_, i) => ({ order: Entity.existing(i + 1), customer: p.customers[i % 100] }));
  p.paid = Array.from({ length: 100 }, (_, i) => ({ order: Entity.existing(i + 101), customer: p.customers[i % 100] }));
  return p;
}

/** One command at a time, in op order. */
async function run(seed: number, n: number, pools: Pools) {
  const { calls, commands } = recorder();
  const kinds: OpKind[] = [];
  for (let i = 0; i < n; i++) {
    const action = planOp(seed, i, pools, 'tag');
    kinds.push(action.kind);
    await Promise.all(action.after);
    const result = await action.write(commands);
    action.wrote(result);
    action.settle();
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

test('some product descriptions exceed 8 kB so TOAST is exercised', async () => {
  const { calls } = await run(3, 2000, stockedPools());
  const long = calls
    .filter((c) => c.startsWith('createProduct'))
    .map((c) => (JSON.parse(c.slice('createProduct '.length))[0] as { description: string }).description.length);
  assert.ok(
    long.some((n) => n > 8192),
    `lengths ${long.join(',')}`,
  );
});

/**
 * A tiny shop with the write API's rules (a 404 or 409 is a Rejected), whose commands answer after a random
 * delay, so that concurrent commands finish in a different order on every run.
 */
function shop() {
  let nextId = 0;
  const customers = new Set<number>();
  const products = new Set<number>();
  const orders = new Map<number, { customer: number; status: string }>();
  const jitter = () => sleep(Math.random() * 4);
  const ok = (r: Record<string, unknown>) => ({ token: '0/1', version: 1, ...r });
  const moves: Record<string, [string[], string]> = {
    pay: [['placed'], 'paid'],
    ship: [['paid'], 'shipped'],
    cancel: [['placed', 'paid'], 'cancelled'],
  };
  const commands: Commands = {
    createCustomer: async () => (await jitter(), customers.add(++nextId), ok({ customerId: nextId })) as never,
    createProduct: async () => (await jitter(), products.add(++nextId), ok({ productId: nextId })) as never,
    async deleteCustomer(id) {
      await jitter();
      if (!customers.delete(id)) throw new Rejected(`customer ${id} does not exist`);
      for (const [o, order] of orders) if (order.customer === id) orders.delete(o);
      return ok({ customerId: id, deletedOrders: 0 }) as never;
    },
    async updatePrice(id, price) {
      await jitter();
      if (!products.has(id)) throw new Rejected(`product ${id} does not exist`);
      return ok({ productId: id, price }) as never;
    },
    async placeOrder(o) {
      await jitter();
      if (!customers.has(o.customerId) || o.items.some((i) => !products.has(i.productId)))
        throw new Error('400 a customer or product does not exist');
      orders.set(++nextId, { customer: o.customerId, status: 'placed' });
      return ok({ orderId: nextId, status: 'placed', total: '1.00', items: o.items.length }) as never;
    },
    async changeOrder(id, action) {
      await jitter();
      const order = orders.get(id);
      const [from, to] = moves[action];
      if (!order || !from.includes(order.status)) throw new Rejected(`order ${id} is ${order?.status ?? 'gone'}`);
      order.status = to;
      return ok({ orderId: id, status: to }) as never;
    },
  };
  return commands;
}

test('with concurrent commands finishing in any order, the same seed gives the same commands and outcomes', async () => {
  const opts: SimulateOptions = { count: 600, rate: 0, concurrency: 8, via: 'sql', seed: 7, checkReads: false };
  const a = await runWorkload(opts, new Pools(), shop(), undefined);
  const b = await runWorkload(opts, new Pools(), shop(), undefined);
  const outcomes = (s: typeof a) => s.byKind.map((k) => `${k.kind}: ${k.ok} ok, ${k.rejected} rejected, ${k.errors} errors`);
  assert.deepEqual(outcomes(a), outcomes(b));
  assert.equal(a.ops.total, 600);
  assert.equal(a.ops.rejected + a.ops.errors, 0, `every command was valid when it ran: ${a.firstErrors.join('; ')}`);
  assert.ok(a.byKind.find((k) => k.kind === 'delete customer')!.ok > 0);
});

test('an interrupted run starts no new command, finishes those in flight and says so', async () => {
  const controller = new AbortController();
  const opts: SimulateOptions = { count: 10_000, rate: 500, concurrency: 4, via: 'sql', seed: 1, checkReads: false };
  setTimeout(() => controller.abort(), 200);
  const s = await runWorkload(opts, new Pools(), shop(), undefined, () => {}, controller.signal);
  assert.equal(s.interrupted, true);
  assert.equal(s.planned, 10_000);
  assert.ok(s.ops.total > 20 && s.ops.total < 500, `${s.ops.total} commands`);
  assert.equal(s.ops.errors, 0, s.firstErrors.join('; '));
});
