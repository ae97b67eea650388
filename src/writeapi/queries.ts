import type postgres from 'postgres';

type Sql = postgres.Sql;
type Doc = Record<string, unknown>;

/**
 * The query side: documents built inside PostgreSQL so numeric stays exact (as text) and timestamps keep
 * their microseconds. They run on replicas, whose tables the replicator created from the leader's.
 */
export const queries = {
  async customer(sql: Sql, id: number): Promise<Doc | undefined> {
    return one(sql<{ doc: Doc }[]>`
      select json_build_object('id', id, 'email', email, 'name', name, 'attributes', attributes, 'version', version,
        'createdAt', created_at, 'updatedAt', updated_at) as doc
      from customers where id = ${id}`);
  },

  async customerOrders(sql: Sql, id: number): Promise<Doc | undefined> {
    return one(sql<{ doc: Doc }[]>`
      select json_build_object('id', c.id, 'orders', coalesce((
        select json_agg(json_build_object('id', o.id, 'status', o.status, 'total', o.total::text, 'version', o.version,
          'placedAt', o.placed_at) order by o.id desc)
        from orders o where o.customer_id = c.id), '[]')) as doc
      from customers c where c.id = ${id}`);
  },

  async product(sql: Sql, id: number): Promise<Doc | undefined> {
    return one(sql<{ doc: Doc }[]>`
      select json_build_object('id', id, 'sku', sku, 'name', name, 'price', price::text, 'description', description,
        'attributes', attributes, 'version', version, 'createdAt', created_at, 'updatedAt', updated_at) as doc
      from products where id = ${id}`);
  },

  async order(sql: Sql, id: number): Promise<Doc | undefined> {
    return one(sql<{ doc: Doc }[]>`
      select json_build_object('id', o.id, 'customerId', o.customer_id, 'status', o.status, 'total', o.total::text,
        'shippingAddress', o.shipping_address, 'note', o.note, 'version', o.version, 'placedAt', o.placed_at,
        'paidAt', o.paid_at, 'shippedAt', o.shipped_at, 'cancelledAt', o.cancelled_at,
        'items', coalesce((
          select json_agg(json_build_object('lineNo', i.line_no, 'productId', i.product_id, 'quantity', i.quantity,
            'unitPrice', i.unit_price::text) order by i.line_no)
          from order_items i where i.order_id = o.id), '[]')) as doc
      from orders o where o.id = ${id}`);
  },
};

export type QueryName = keyof typeof queries;

async function one(rows: Promise<{ doc: Doc }[]>): Promise<Doc | undefined> {
  return (await rows.catch(missingTable))[0]?.doc;
}

/** A replica that has not seen a table's first change has no such table yet: nothing to find there. */
function missingTable(e: unknown): never[] {
  if ((e as { code?: string }).code === '42P01') return [];
  throw e;
}
