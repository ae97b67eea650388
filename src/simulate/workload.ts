import type { Commands, Transition } from '../writeapi/commands.ts';
import { Random } from './random.ts';
import { Pools, type OrderRef } from './state.ts';

export const opKinds = ['place order', 'pay order', 'ship order', 'cancel order', 'create customer', 'delete customer', 'update price', 'create product'] as const;
export type OpKind = (typeof opKinds)[number];

/** A shop's day: mostly orders and their status changes, some price changes and sign-ups, a few deletions. */
export const mix: Record<OpKind, number> = {
  'place order': 30, 'pay order': 22, 'ship order': 15, 'cancel order': 5,
  'create customer': 10, 'delete customer': 4, 'update price': 12, 'create product': 2,
};

export type Doc = Record<string, unknown>;
export type Resource = 'customers' | 'products' | 'orders';
type Result = { token: string; version?: number } & Record<string, unknown>;

/** One planned command: how to run it, what reading it back must show, and how the pools change after. */
export interface Action {
  kind: OpKind;
  write(commands: Commands): Promise<Result>;
  /** The row to read back; `expect` says whether the replica's answer (undefined: 404) shows the write. */
  readBack: { resource: Resource; id: (r: Result) => number; expect: (doc: Doc | undefined, r: Result) => boolean };
  /** Runs once the command (and its read-back) is over; `result` is undefined when it failed. */
  settle(result: Result | undefined): void;
}

const cities = ['Oslo', 'Lisbon', 'Tallinn', 'Porto', 'Kraków', 'Ghent', 'Turku', 'Århus'];
const segments = ['retail', 'wholesale', 'staff'];
const price = (rng: Random) => `${rng.int(1, 499)}.${String(rng.int(0, 99)).padStart(2, '0')}`;

/** Op i's own generator: its kind and parameters depend only on (seed, i), whatever order workers run in. */
export const opRandom = (seed: number, i: number) => new Random((Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0);

/** At least as new as the write: a later version, or this version with the written field values. */
const atLeast = (fields: string[]) => (doc: Doc | undefined, r: Result) =>
  doc !== undefined && (Number(doc.version) > r.version! || (doc.version === r.version && fields.every((f) => doc[f] === r[f])));

/**
 * Plans op i. When the pools cannot serve the drawn kind (no paid order to ship, too few customers to
 * delete one), the op becomes the kind that grows what is missing, so any starting state works.
 */
export function planOp(seed: number, i: number, pools: Pools, tag: string): Action {
  const rng = opRandom(seed, i);
  let kind = rng.weighted(mix);
  if (kind === 'ship order' && !pools.paid.length) kind = 'pay order';
  if (kind === 'cancel order' && !pools.placed.length && !pools.paid.length) kind = 'place order';
  if (kind === 'pay order' && !pools.placed.length) kind = 'place order';
  if (kind === 'delete customer' && pools.customers.length < 20) kind = 'create customer';
  if ((kind === 'place order' || kind === 'update price') && pools.products.length < 5) kind = 'create product';
  if (kind === 'place order' && pools.customers.length < 5) kind = 'create customer';
  // Taken now, while planning, so no other worker plans on the same row.
  const deleting = kind === 'delete customer' ? pools.takeIdleCustomer(rng.next()) : undefined;
  if (kind === 'delete customer' && deleting === undefined) kind = 'create customer';
  const pricing = kind === 'update price' ? pools.takeProductToPrice(rng.next()) : undefined;
  if (kind === 'update price' && pricing === undefined) kind = 'create product';

  switch (kind) {
    case 'create customer': {
      const email = `sim-${tag}-${i}@example.com`;
      return {
        kind,
        write: (c) => c.createCustomer({ email, name: `Customer ${tag}-${i}`, attributes: { segment: rng.pick(segments), newsletter: rng.next() < 0.5 } }),
        readBack: { resource: 'customers', id: (r) => r.customerId as number, expect: (doc) => doc?.email === email },
        settle: (r) => r && pools.customers.push(r.customerId as number),
      };
    }
    case 'delete customer': {
      const id = deleting!;
      return { kind, write: (c) => c.deleteCustomer(id), readBack: { resource: 'customers', id: () => id, expect: (doc) => doc === undefined }, settle: () => {} };
    }
    case 'create product': {
      const sku = `SIM-${tag}-${i}`;
      // About a third get a description past 8 kB, stored out of line: later price updates leave it unchanged (TOAST).
      const description = rng.words(rng.next() < 0.3 ? rng.int(9_000, 16_000) : rng.int(40, 400));
      return {
        kind,
        write: (c) => c.createProduct({ sku, name: `Product ${sku}`, price: price(rng), description, attributes: { color: rng.pick(['red', 'green', 'blue']), weightGrams: rng.int(10, 5000) } }),
        readBack: { resource: 'products', id: (r) => r.productId as number, expect: (doc) => doc?.sku === sku && doc.description === description },
        settle: (r) => r && pools.products.push(r.productId as number),
      };
    }
    case 'update price': {
      const id = pricing!;
      const newPrice = price(rng);
      return { kind, write: (c) => c.updatePrice(id, newPrice), readBack: { resource: 'products', id: () => id, expect: atLeast(['price']) }, settle: () => pools.priced(id) };
    }
    case 'place order': {
      const customerId = rng.pick(pools.customers);
      const products = [...new Set(Array.from({ length: rng.int(1, 5) }, () => rng.pick(pools.products)))];
      const items = products.map((productId) => ({ productId, quantity: rng.int(1, 4) }));
      const shippingAddress = { city: rng.pick(cities), zip: String(rng.int(1000, 99999)) };
      const note = rng.next() < 0.1 ? rng.words(rng.int(10, 200)) : undefined;
      pools.hold(customerId);
      return {
        kind,
        write: (c) => c.placeOrder({ customerId, items, shippingAddress, note }),
        readBack: {
          resource: 'orders', id: (r) => r.orderId as number,
          expect: (doc, r) => doc !== undefined && doc.total === r.total && (doc.items as unknown[]).length === items.length,
        },
        settle: (r) => {
          pools.release(customerId);
          if (r) pools.placed.push({ id: r.orderId as number, customerId });
        },
      };
    }
    default:
      return transition(kind, rng, pools);
  }
}

function transition(kind: 'pay order' | 'ship order' | 'cancel order', rng: Random, pools: Pools): Action {
  const from = kind === 'pay order' ? pools.placed : kind === 'ship order' ? pools.paid : rng.next() < 0.7 && pools.placed.length ? pools.placed : pools.paid.length ? pools.paid : pools.placed;
  const order = Pools.take(from, rng.next()) as OrderRef;
  const action = kind.split(' ')[0] as Transition;
  pools.hold(order.customerId);
  return {
    kind,
    write: (c) => c.changeOrder(order.id, action),
    readBack: { resource: 'orders', id: () => order.id, expect: atLeast(['status']) },
    settle: (r) => {
      pools.release(order.customerId);
      if (r && action === 'pay') pools.paid.push(order);
    },
  };
}
