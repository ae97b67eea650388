import type postgres from 'postgres';
import { badRequest, conflict, notFound } from './api-error.ts';

type Sql = postgres.Sql;
type Json = Record<string, unknown>;

export interface NewCustomer {
  email: string;
  name: string;
  attributes?: Json;
}
export interface NewProduct {
  sku: string;
  name: string;
  price: string;
  description?: string;
  attributes?: Json;
}
export interface NewOrder {
  customerId: number;
  items: { productId: number; quantity: number }[];
  shippingAddress?: Json;
  note?: string;
}
export type Transition = 'pay' | 'ship' | 'cancel';

/** Every successful command says what it touched and gives the token a reader can wait for. */
export type Written<T> = T & { token: string };

const transitions: Record<Transition, { to: string; from: string[]; stamp: string }> = {
  pay: { to: 'paid', from: ['placed'], stamp: 'paid_at' },
  ship: { to: 'shipped', from: ['paid'], stamp: 'shipped_at' },
  cancel: { to: 'cancelled', from: ['placed', 'paid'], stamp: 'cancelled_at' },
};

/**
 * The command side: each command is one leader transaction. The token is the leader's WAL position read
 * after the commit, so it lies beyond every change the command made.
 */
export function createCommands(sql: Sql) {
  const written = async <T extends object>(result: T): Promise<Written<T>> => {
    const [{ lsn }] = await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
    return { ...result, token: lsn };
  };

  return {
    async createCustomer(c: NewCustomer) {
      const rows = await sql<{ id: string }[]>`
        insert into customers (email, name, attributes) values (${c.email}, ${c.name}, ${sql.json((c.attributes ?? {}) as postgres.JSONValue)})
        on conflict (email) do nothing returning id`;
      if (!rows.length) throw conflict(`a customer with email ${c.email} already exists`);
      return written({ customerId: Number(rows[0].id), version: 1 });
    },

    async deleteCustomer(id: number) {
      const result = await sql.begin(async (tx) => {
        const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from orders where customer_id = ${id}`;
        const rows = await tx`delete from customers where id = ${id} returning id`;
        if (!rows.length) throw notFound(`customer ${id} does not exist`);
        return { customerId: id, deletedOrders: n };
      });
      return written(result);
    },

    async createProduct(p: NewProduct) {
      const rows = await sql<{ id: string }[]>`
        insert into products (sku, name, price, description, attributes)
        values (${p.sku}, ${p.name}, ${p.price}, ${p.description ?? ''}, ${sql.json((p.attributes ?? {}) as postgres.JSONValue)})
        on conflict (sku) do nothing returning id`;
      if (!rows.length) throw conflict(`a product with sku ${p.sku} already exists`);
      return written({ productId: Number(rows[0].id), version: 1 });
    },

    async updatePrice(id: number, price: string) {
      const rows = await sql<{ version: number; price: string }[]>`
        update products set price = ${price}, version = version + 1, updated_at = now()
        where id = ${id} returning version, price::text`;
      if (!rows.length) throw notFound(`product ${id} does not exist`);
      return written({ productId: id, price: rows[0].price, version: rows[0].version });
    },

    async placeOrder(o: NewOrder) {
      const result = await sql.begin(async (tx) => {
        // Key-share lock: the customer cannot be deleted under the order being placed.
        const [customer] = await tx`select 1 from customers where id = ${o.customerId} for key share`;
        if (!customer) throw badRequest(`customerId ${o.customerId} does not exist`);
        const ids = [...new Set(o.items.map((i) => i.productId))];
        const prices = new Map(
          (await tx<{ id: string; price: string }[]>`select id, price::text from products where id = any(${ids}::bigint[])`).map((r) => [
            Number(r.id),
            r.price,
          ]),
        );
        const missing = ids.filter((id) => !prices.has(id));
        if (missing.length) throw badRequest(`productId ${missing.join(', ')} does not exist`);
        const lines = o.items.map((item, i) => ({
          line_no: i + 1,
          product_id: item.productId,
          quantity: item.quantity,
          unit_price: prices.get(item.productId)!,
        }));
        const total = formatCents(lines.reduce((sum, l) => sum + toCents(l.unit_price) * BigInt(l.quantity), 0n));
        const [order] = await tx<{ id: string }[]>`
          insert into orders (customer_id, total, shipping_address, note)
          values (${o.customerId}, ${total}, ${o.shippingAddress ? tx.json(o.shippingAddress as postgres.JSONValue) : null}, ${o.note ?? null})
          returning id`;
        const orderId = Number(order.id);
        await tx`insert into order_items ${tx(
          lines.map((l) => ({ ...l, order_id: orderId })),
          'order_id',
          'line_no',
          'product_id',
          'quantity',
          'unit_price',
        )}`;
        return { orderId, status: 'placed', total, items: lines.length, version: 1 };
      });
      return written(result);
    },

    async changeOrder(id: number, action: Transition) {
      const t = transitions[action];
      const rows = await sql<{ version: number }[]>`
        update orders set status = ${t.to}, ${sql(t.stamp)} = now(), version = version + 1
        where id = ${id} and status = any(${t.from}) returning version`;
      if (!rows.length) {
        const [order] = await sql<{ status: string }[]>`select status from orders where id = ${id}`;
        if (!order) throw notFound(`order ${id} does not exist`);
        throw conflict(`order ${id} is ${order.status}; ${action} needs an order that is ${t.from.join(' or ')}`);
      }
      return written({ orderId: id, status: t.to, version: rows[0].version });
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;

/** Money is added up in integer cents so totals are exact, as numeric is on the database side. */
export function toCents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
}

export function formatCents(cents: bigint): string {
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}
