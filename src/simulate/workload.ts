import type { Commands, Transition } from '../writeapi/commands.ts';
import { Random } from './random.ts';
import { deferred, Entity, Pools, type OrderRef } from './state.ts';

export const opKinds = [
  'place order',
  'pay order',
  'ship order',
  'cancel order',
  'create customer',
  'delete customer',
  'update price',
  'create product',
] as const;
export type OpKind = (typeof opKinds)[number];

/** A shop's day: mostly orders and their status changes, some price changes and sign-ups, a few deletions. */
export const mix: Record<OpKind, number> = {
  'place order': 30,
  'pay order': 22,
  'ship order': 15,
  'cancel order': 5,
  'create customer': 10,
  'delete customer': 4,
  'update price': 12,
  'create product': 2,
};

export type Doc = Record<string, unknown>;
export type Resource = 'customers' | 'products' | 'orders';
type Result = { token: string; version?: number } & Record<string, unknown>;

/** A command that could not run because a row it needs was never created (its own command failed). */
export class Skipped extends Error {}

/** One planned command: what it waits for, how to run it, what reading it back must show. */
export interface Action {
  kind: OpKind;
  /** Earlier commands this one waits for: the creation of every row it uses, earlier changes of the rows it changes. */
  after: Promise<void>[];
  write(commands: Commands): Promise<Result>;
  /** The row to read back; `expect` says whether the replica's answer (undefined: 404) shows the write. */
  readBack: { resource: Resource; id: (r: Result) => number; expect: (doc: Doc | undefined, r: Result) => boolean };
  /** Runs once the write is over; `result` is undefined when it failed or did not run. */
  wrote(result: Result | undefined): void;
  /** Runs once the command and its read-back are over: commands waiting for it may go. */
  settle(): void;
}

const cities = ['Oslo', 'Lisbon', 'Tallinn', 'Porto', 'Kraków', 'Ghent', 'Turku', 'Århus'];
const segments = ['retail', 'wholesale', 'staff'];
const price = (rng: Random) => `${rng.int(1, 499)}.${String(rng.int(0, 99)).padStart(2, '0')}`;

/** Op i's own generator: its kind and parameters depend only on (seed, i), whatever order workers run in. */
const opRandom = (seed: number, i: number) => new Random((Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0);

/** At least as new as the write: a later version, or this version with the written field values. */
const atLeast = (fields: string[]) => (doc: Doc | undefined, r: Result) =>
  doc !== undefined && (Number(doc.version) > r.version! || (doc.version === r.version && fields.every((f) => doc[f] === r[f])));

/** The id of a row a command needs; a row whose creation failed makes the command skip. */
const idOf = (e: Entity, what: string) => {
  if (e.id === undefined) throw new Skipped(`skipped: the ${what} it needs was not created`);
  return e.id;
};

/**
 * Plans op i, in op order: the pools change now, as if the command succeeds, so the next op is planned
 * from the same state in every run with this seed. When the pools cannot serve the drawn kind (no paid
 * order to ship, too few customers to delete one), the op becomes the kind that grows what is missing,
 * so any starting state works.
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
  const done = deferred();
  const base = { kind, settle: done.resolve };

  switch (kind) {
    case 'create customer': {
      const email = `sim-${tag}-${i}@example.com`;
      const customer = Entity.planned();
      pools.customers.push(customer);
      // A deletion also waits for this command's read-back, which would otherwise find the row gone.
      customer.involved.push(done.promise);
      return {
        ...base,
        after: [],
        write: (c) =>
          c.createCustomer({
            email,
            name: `Customer ${tag}-${i}`,
            attributes: { segment: rng.pick(segments), newsletter: rng.next() < 0.5 },
          }),
        readBack: { resource: 'customers', id: (r) => r.customerId as number, expect: (doc) => doc?.email === email },
        wrote: (r) => customer.wasCreated(r?.customerId as number | undefined),
      };
    }
    case 'delete customer': {
      const customer = pools.takeCustomer(rng.next())!;
      return {
        ...base,
        after: [customer.created, ...customer.involved],
        write: (c) => c.deleteCustomer(idOf(customer, 'customer')),
        readBack: { resource: 'customers', id: () => customer.id!, expect: (doc) => doc === undefined },
        wrote: () => {},
      };
    }
    case 'create product': {
      const sku = `SIM-${tag}-${i}`;
      // About a third get a description past 8 kB, stored out of line: later price updates leave it unchanged (TOAST).
      const description = rng.words(rng.next() < 0.3 ? rng.int(9_000, 16_000) : rng.int(40, 400));
      const product = Entity.planned();
      pools.products.push(product);
      const write = (c: Commands) =>
        c.createProduct({
          sku,
          name: `Product ${sku}`,
          price: price(rng),
          description,
          attributes: { color: rng.pick(['red', 'green', 'blue']), weightGrams: rng.int(10, 5000) },
        });
      return {
        ...base,
        after: [],
        write,
        readBack: {
          resource: 'products',
          id: (r) => r.productId as number,
          expect: (doc) => doc?.sku === sku && doc.description === description,
        },
        wrote: (r) => product.wasCreated(r?.productId as number | undefined),
      };
    }
    case 'update price': {
      const product = rng.pick(pools.products);
      const newPrice = price(rng);
      // Price changes of one product run one after another, so a read-back can expect this one's price.
      const after = [product.created, product.lastChange];
      product.lastChange = done.promise;
      return {
        ...base,
        after,
        write: (c) => c.updatePrice(idOf(product, 'product'), newPrice),
        readBack: { resource: 'products', id: () => product.id!, expect: atLeast(['price']) },
        wrote: () => {},
      };
    }
    case 'place order': {
      const customer = rng.pick(pools.customers);
      const products = [...new Set(Array.from({ length: rng.int(1, 5) }, () => rng.pick(pools.products)))];
      const quantities = products.map(() => rng.int(1, 4));
      const shippingAddress = { city: rng.pick(cities), zip: String(rng.int(1000, 99999)) };
      const note = rng.next() < 0.1 ? rng.words(rng.int(10, 200)) : undefined;
      const order = Entity.planned();
      order.lastChange = done.promise;
      pools.placed.push({ order, customer });
      customer.involved.push(done.promise);
      return {
        ...base,
        after: [customer.created, ...products.map((p) => p.created)],
        write: (c) =>
          c.placeOrder({
            customerId: idOf(customer, 'customer'),
            items: products.map((p, k) => ({ productId: idOf(p, 'product'), quantity: quantities[k] })),
            shippingAddress,
            note,
          }),
        readBack: {
          resource: 'orders',
          id: (r) => r.orderId as number,
          expect: (doc, r) => doc !== undefined && doc.total === r.total && (doc.items as unknown[]).length === products.length,
        },
        wrote: (r) => order.wasCreated(r?.orderId as number | undefined),
      };
    }
    default:
      return transition(kind, rng, pools, base, done.promise);
  }
}

function transition(
  kind: 'pay order' | 'ship order' | 'cancel order',
  rng: Random,
  pools: Pools,
  base: { kind: OpKind; settle: () => void },
  done: Promise<void>,
): Action {
  const from =
    kind === 'pay order'
      ? pools.placed
      : kind === 'ship order'
        ? pools.paid
        : rng.next() < 0.7 && pools.placed.length
          ? pools.placed
          : pools.paid.length
            ? pools.paid
            : pools.placed;
  const { order, customer } = Pools.take(from, rng.next()) as OrderRef;
  const action = kind.split(' ')[0] as Transition;
  if (action === 'pay') pools.paid.push({ order, customer });
  // Status changes of one order run one after another, in the order they were planned.
  const after = [order.created, order.lastChange];
  order.lastChange = done;
  customer.involved.push(done);
  return {
    ...base,
    after,
    write: (c) => c.changeOrder(idOf(order, 'order'), action),
    readBack: { resource: 'orders', id: () => order.id!, expect: atLeast(['status']) },
    wrote: () => {},
  };
}
