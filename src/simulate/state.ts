import type postgres from 'postgres';

export interface OrderRef {
  id: number;
  customerId: number;
}

/**
 * What the simulator knows exists, so that commands aim at real rows. An entity taken for a command is
 * out of the pools until the command ends, and a customer with a command in flight is never deleted:
 * concurrent workers of one run do not trip over each other.
 */
export class Pools {
  customers: number[] = [];
  products: number[] = [];
  placed: OrderRef[] = [];
  paid: OrderRef[] = [];
  private readonly busy = new Map<number, number>();
  private readonly pricing = new Set<number>();

  /** Starts from the newest rows already on the leader, so a run continues the story of the last one. */
  static async fromLeader(sql: postgres.Sql, limit = 500): Promise<Pools> {
    const pools = new Pools();
    const ids = async (query: Promise<{ id: string }[]>) => (await query).map((r) => Number(r.id));
    pools.customers = await ids(sql`select id from customers order by id desc limit ${limit}`);
    pools.products = await ids(sql`select id from products order by id desc limit ${limit}`);
    const orders = (status: string) =>
      sql<{ id: string; customer_id: string }[]>`select id, customer_id from orders where status = ${status} order by id desc limit ${limit}`
        .then((rows) => rows.map((r) => ({ id: Number(r.id), customerId: Number(r.customer_id) })));
    pools.placed = await orders('placed');
    pools.paid = await orders('paid');
    return pools;
  }

  /** Removes and returns the item at a position given as a fraction in [0, 1). */
  static take<T>(list: T[], at: number): T | undefined {
    if (!list.length) return undefined;
    return list.splice(Math.floor(at * list.length), 1)[0];
  }

  hold(customerId: number): void {
    this.busy.set(customerId, (this.busy.get(customerId) ?? 0) + 1);
  }

  release(customerId: number): void {
    const n = (this.busy.get(customerId) ?? 1) - 1;
    if (n > 0) this.busy.set(customerId, n);
    else this.busy.delete(customerId);
  }

  /** A customer nothing is working on, removed together with its orders. */
  takeIdleCustomer(at: number): number | undefined {
    const idle = this.customers.filter((id) => !this.busy.has(id));
    if (!idle.length) return undefined;
    const id = idle[Math.floor(at * idle.length)];
    this.customers.splice(this.customers.indexOf(id), 1);
    this.placed = this.placed.filter((o) => o.customerId !== id);
    this.paid = this.paid.filter((o) => o.customerId !== id);
    return id;
  }

  /** A product whose price no other worker is changing, so a read-back can expect this worker's price. */
  takeProductToPrice(at: number): number | undefined {
    const free = this.products.filter((id) => !this.pricing.has(id));
    if (!free.length) return undefined;
    const id = free[Math.floor(at * free.length)];
    this.pricing.add(id);
    return id;
  }

  priced(productId: number): void {
    this.pricing.delete(productId);
  }
}
