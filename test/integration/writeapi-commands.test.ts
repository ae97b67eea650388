import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import type { Config } from '../../src/config/config.ts';
import { pgClient } from '../../src/pg/client.ts';
import { ensureStack } from '../helpers/stack.ts';

// Each command through the HTTP API, checked against the leader's rows; unique emails and skus keep runs apart.
let config: Config;
let leader: postgres.Sql;
const run = randomBytes(4).toString('hex');

async function api(method: string, path: string, body?: unknown) {
  const r = await fetch(`${config.writeApiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, token: r.headers.get('consistency-token'), body: (await r.json()) as Record<string, any> };
}

const counts = async () =>
  (
    await leader`select (select count(*) from customers) c, (select count(*) from products) p, (select count(*) from orders) o, (select count(*) from order_items) i`
  )[0];

before(async () => {
  config = await ensureStack();
  leader = pgClient(config.leader, { max: 2 });
});
after(() => leader.end());

describe('write API commands', () => {
  it('each command writes what it says and returns ids and a token past its commit', async () => {
    const customer = await api('POST', '/customers', { email: `ada-${run}@example.com`, name: 'Ada', attributes: { tier: 'gold' } });
    assert.equal(customer.status, 201);
    assert.match(customer.body.token, /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.equal(customer.token, customer.body.token);
    const [c] = await leader`select name, attributes, version from customers where id = ${customer.body.customerId}`;
    assert.deepEqual(c, { name: 'Ada', attributes: { tier: 'gold' }, version: 1 });
    const [{ past }] = await leader`select pg_current_wal_lsn() >= ${customer.body.token}::pg_lsn as past`;
    assert.equal(past, true);

    const long = 'x'.repeat(10_000);
    const product = await api('POST', '/products', { sku: `SKU-${run}`, name: 'Widget', price: '12.50', description: long });
    const other = await api('POST', '/products', { sku: `SKU2-${run}`, name: 'Gadget', price: '0.10' });
    assert.equal(product.status, 201);
    const price = await api('PUT', `/products/${product.body.productId}/price`, { price: '13.99' });
    assert.deepEqual(
      { ...price.body, token: undefined },
      { productId: product.body.productId, price: '13.99', version: 2, token: undefined },
    );
    const [p] = await leader`select price::text, version, length(description) as len from products where id = ${product.body.productId}`;
    assert.deepEqual(p, { price: '13.99', version: 2, len: 10_000 });

    const order = await api('POST', '/orders', {
      customerId: customer.body.customerId,
      items: [
        { productId: product.body.productId, quantity: 3 },
        { productId: other.body.productId, quantity: 1 },
      ],
      shippingAddress: { city: 'Oslo' },
      note: 'leave at the door',
    });
    assert.equal(order.status, 201);
    assert.equal(order.body.total, '42.07');
    const orderId = order.body.orderId;
    const items =
      await leader`select line_no, product_id::int, quantity, unit_price::text from order_items where order_id = ${orderId} order by line_no`;
    assert.deepEqual(
      items.map((i) => ({ ...i })),
      [
        { line_no: 1, product_id: product.body.productId, quantity: 3, unit_price: '13.99' },
        { line_no: 2, product_id: other.body.productId, quantity: 1, unit_price: '0.10' },
      ],
    );

    for (const [action, status] of [
      ['pay', 'paid'],
      ['ship', 'shipped'],
    ]) {
      const r = await api('POST', `/orders/${orderId}/${action}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, status);
    }
    const [o] =
      await leader`select status, total::text, version, paid_at is not null as paid, shipped_at is not null as shipped from orders where id = ${orderId}`;
    assert.deepEqual({ ...o }, { status: 'shipped', total: '42.07', version: 3, paid: true, shipped: true });
    const cancelShipped = await api('POST', `/orders/${orderId}/cancel`);
    assert.equal(cancelShipped.status, 409);
    assert.match(cancelShipped.body.message, /is shipped; cancel needs an order that is placed or paid/);

    const second = await api('POST', '/orders', {
      customerId: customer.body.customerId,
      items: [{ productId: other.body.productId, quantity: 2 }],
    });
    assert.equal((await api('POST', `/orders/${second.body.orderId}/cancel`)).body.status, 'cancelled');

    const deleted = await api('DELETE', `/customers/${customer.body.customerId}`);
    assert.deepEqual({ ...deleted.body, token: undefined }, { customerId: customer.body.customerId, deletedOrders: 2, token: undefined });
    const [gone] =
      await leader`select (select count(*)::int from customers where id = ${customer.body.customerId}) c, (select count(*)::int from orders where customer_id = ${customer.body.customerId}) o`;
    assert.deepEqual({ ...gone }, { c: 0, o: 0 });
    assert.equal((await api('DELETE', `/customers/${customer.body.customerId}`)).status, 404);
  });

  it('bad bodies are 400 naming what was wrong, and write nothing', async () => {
    const [{ id: customerId }] =
      await leader`insert into customers (email, name) values (${`bob-${run}@example.com`}, 'Bob') returning id::int`;
    const [{ id: productId }] = await leader`insert into products (sku, name, price) values (${`B-${run}`}, 'B', 1) returning id::int`;
    const before = await counts();
    const cases: [string, string, unknown, RegExp][] = [
      [
        'POST',
        '/customers',
        { email: 'nobody', name: '' },
        /body\/email must match pattern.*body\/name must NOT have fewer than 1 characters/,
      ],
      ['POST', '/customers', { email: `bob-${run}@example.com`, name: 'Bob again' }, /already exists/],
      ['POST', '/products', { sku: 'has space', name: 'x', price: '-1' }, /body\/sku must match pattern.*body\/price must match pattern/],
      ['PUT', `/products/${productId}/price`, { price: '1.234' }, /body\/price must match pattern/],
      [
        'POST',
        '/orders',
        {
          customerId,
          items: [
            { productId, quantity: 1 },
            { productId: 987654321, quantity: 1 },
          ],
        },
        /productId 987654321 does not exist/,
      ],
      ['POST', '/orders', { customerId: 987654321, items: [{ productId, quantity: 1 }] }, /customerId 987654321 does not exist/],
      [
        'POST',
        '/orders',
        { customerId, items: [{ productId, quantity: 1.5 }], coupon: 'X' },
        /unknown property "coupon".*quantity must be integer/,
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await api(method, path, body);
      assert.ok(r.status === 400 || r.status === 409, `${method} ${path}: ${r.status}`);
      assert.match(r.body.message, message);
      assert.equal(r.token, null);
    }
    assert.deepEqual(await counts(), before);
    const [p] = await leader`select price::text, version from products where id = ${productId}`;
    assert.deepEqual({ ...p }, { price: '1.00', version: 1 });
  });

  it('a U+0000 in any string is 400 and a body that is not JSON is 415, writing nothing', async () => {
    const before = await counts();
    const nul = await api('POST', '/customers', { email: `nul-${run}@example.com`, name: 'A\u0000B', attributes: { note: 'x' } });
    assert.equal(nul.status, 400);
    assert.equal(nul.body.message, 'body.name contains the character U+0000, which PostgreSQL text cannot store');
    const nested = await api('POST', '/customers', {
      email: `nul2-${run}@example.com`,
      name: 'N',
      attributes: { note: ['ok', 'x\u0000'] },
    });
    assert.equal(nested.status, 400);
    assert.match(nested.body.message, /^body\.attributes\.note\[1\] contains the character U\+0000/);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await fetch(`${config.writeApiUrl}/customers`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ email: `type-${run}@example.com`, name: 'T' }),
      });
      assert.equal(r.status, 415, type);
      assert.match(((await r.json()) as { message: string }).message, /Unsupported Media Type/i, type);
    }
    assert.deepEqual(await counts(), before);
  });
});
