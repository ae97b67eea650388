import type postgres from 'postgres';

/** A promise with its resolve function, for "this command is over" signals. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A row the workload knows about: one already on the leader, or one a planned command will create. Its id
 * is known once that command has written it (undefined for good if it failed).
 */
export class Entity {
  id: number | undefined;
  /** Settles when the command creating the row has written it (at once for rows already there). */
  readonly created: Promise<void>;
  /** Commands involving this row that are not over yet: a deletion waits for every one of them. */
  readonly involved: Promise<void>[] = [];
  /** The last command that changes this row (a price, an order's status): such commands run one after another. */
  lastChange: Promise<void>;
  private markCreated: () => void = () => {};

  private constructor(id: number | undefined) {
    this.id = id;
    const d = deferred();
    this.markCreated = d.resolve;
    if (id !== undefined) d.resolve();
    this.created = d.promise;
    this.lastChange = d.promise;
  }

  static existing(id: number): Entity {
    return new Entity(id);
  }

  static planned(): Entity {
    return new Entity(undefined);
  }

  /** Records the outcome of the creating command: the new id, or undefined when it failed. */
  wasCreated(id: number | undefined): void {
    this.id = id;
    this.markCreated();
  }
}

export interface OrderRef {
  order: Entity;
  customer: Entity;
}

/**
 * What the workload knows exists, as planned: every command changes the pools when it is planned, as if
 * it succeeds, and commands wait (through the entities) for the earlier ones they depend on. So the
 * sequence of commands depends only on the seed and the starting pools — not on how fast each one
 * answers or in which order concurrent ones finish.
 */
export class Pools {
  customers: Entity[] = [];
  products: Entity[] = [];
  placed: OrderRef[] = [];
  paid: OrderRef[] = [];

  /** Starts from the newest rows already on the leader, so a run continues the story of the last one. */
  static async fromLeader(sql: postgres.Sql, limit = 500): Promise<Pools> {
    const pools = new Pools();
    const ids = async (query: Promise<{ id: string }[]>) => (await query).map((r) => Entity.existing(Number(r.id)));
    pools.customers = await ids(sql`select id from customers order by id desc limit ${limit}`);
    pools.products = await ids(sql`select id from products order by id desc limit ${limit}`);
    const byId = new Map(pools.customers.map((c) => [c.id!, c]));
    const orders = (status: string) =>
      sql<
        { id: string; customer_id: string }[]
      >`select id, customer_id from orders where status = ${status} order by id desc limit ${limit}`.then((rows) =>
        rows.map((r) => ({
          order: Entity.existing(Number(r.id)),
          customer: byId.get(Number(r.customer_id)) ?? Entity.existing(Number(r.customer_id)),
        })),
      );
    pools.placed = await orders('placed');
    pools.paid = await orders('paid');
    return pools;
  }

  /** Removes and returns the item at a position given as a fraction in [0, 1). */
  static take<T>(list: T[], at: number): T | undefined {
    if (!list.length) return undefined;
    return list.splice(Math.floor(at * list.length), 1)[0];
  }

  /** Takes a customer out of the pools, with their orders: it is being deleted. */
  takeCustomer(at: number): Entity | undefined {
    const customer = Pools.take(this.customers, at);
    if (!customer) return undefined;
    this.placed = this.placed.filter((o) => o.customer !== customer);
    this.paid = this.paid.filter((o) => o.customer !== customer);
    return customer;
  }
}
