import type postgres from 'postgres';

type Sql = postgres.Sql;
type Doc = Record<string, unknown>;

/**
 * A timestamptz as ISO 8601 in UTC with a Z and all six digits of microseconds (2026-11-26T02:28:11.015800Z),
 * the one style cqrsctl prints times in; json_build_object alone would give "+00:00" and trim the digits.
 */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const customerDoc = `
  select json_build_object('id', id, 'email', email, 'name', name, 'attributes', attributes, 'version', version,
    'createdAt', ${iso('created_at')}, 'updatedAt', ${iso('updated_at')}) as doc
  from customers where id = $1`;

const customerOrdersDoc = `
  select json_build_object('id', c.id, 'orders', coalesce((
    select json_agg(json_build_object('id', o.id, 'status', o.status, 'total', o.total::text, 'version', o.version,
      'placedAt', ${iso('o.placed_at')}) order by o.id desc)
    from orders o where o.customer_id = c.id), '[]')) as doc
  from customers c where c.id = $1`;

const productDoc = `
  select json_build_object('id', id, 'sku', sku, 'name', name, 'price', price::text, 'description', description,
    'attributes', attributes, 'version', version, 'createdAt', ${iso('created_at')}, 'updatedAt', ${iso('updated_at')}) as doc
  from products where id = $1`;

const orderDoc = `
  select json_build_object('id', o.id, 'customerId', o.customer_id, 'status', o.status, 'total', o.total::text,
    'shippingAddress', o.shipping_address, 'note', o.note, 'version', o.version, 'placedAt', ${iso('o.placed_at')},
    'paidAt', ${iso('o.paid_at')}, 'shippedAt', ${iso('o.shipped_at')}, 'cancelledAt', ${iso('o.cancelled_at')},
    'items', coalesce((
      select json_agg(json_build_object('lineNo', i.line_no, 'productId', i.product_id, 'quantity', i.quantity,
        'unitPrice', i.unit_price::text) order by i.line_no)
      from order_items i where i.order_id = o.id), '[]')) as doc
  from orders o where o.id = $1`;

/**
 * The query side: documents built inside PostgreSQL so numeric stays exact (as text) and timestamps keep
 * their microseconds. They run on replicas, whose tables the replicator created from the leader's.
 */
export const queries = {
  customer: (sql: Sql, id: number) => one(sql, customerDoc, id),
  customerOrders: (sql: Sql, id: number) => one(sql, customerOrdersDoc, id),
  product: (sql: Sql, id: number) => one(sql, productDoc, id),
  order: (sql: Sql, id: number) => one(sql, orderDoc, id),
};

export type QueryName = keyof typeof queries;

async function one(sql: Sql, text: string, id: number): Promise<Doc | undefined> {
  const rows = (await sql.unsafe<{ doc: Doc }[]>(text, [id]).catch(missingTable)) as { doc: Doc }[];
  return rows[0]?.doc;
}

/** A replica that has not seen a table's first change has no such table yet: nothing to find there. */
function missingTable(e: unknown): never[] {
  if ((e as { code?: string }).code === '42P01') return [];
  throw e;
}
