import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { pgClient } from '../../src/pg/client.ts';
import { ensureStack } from '../helpers/stack.ts';
import { bin, repoRoot } from '../helpers/cli.ts';

// Read-your-writes through the read API while another load writes to the leader. Each client owns the rows
// it writes (the other load only knows rows that existed when it started), so every read must show exactly
// the state its own last write left.
let config: Config;
let otherLoad: ResultPromise;
const run = randomBytes(4).toString('hex');

async function api(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers['consistency-token'] = token;
  const r = await fetch(`${config.writeApiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return {
    status: r.status,
    servedBy: r.headers.get('served-by'),
    retryAfter: r.headers.get('retry-after'),
    body: (await r.json()) as Record<string, any>,
  };
}

/** Writes, then reads back with the write's token and checks the fields the write determined. */
type Written = Record<string, any>;
async function writeThenRead(
  method: string,
  path: string,
  body: unknown,
  readPath: (w: Written) => string,
  expected: Record<string, unknown>,
) {
  const w = await api(method, path, body);
  assert.ok(w.status < 300, `${method} ${path}: ${w.status} ${JSON.stringify(w.body)}`);
  const r = await api('GET', readPath(w.body), undefined, w.body.token);
  assert.equal(r.status, 200, `GET ${readPath(w.body)} after ${w.body.token}: ${JSON.stringify(r.body)}`);
  for (const [k, v] of Object.entries(expected)) {
    assert.deepEqual(r.body[k], v, `${readPath(w.body)}.${k} after ${method} ${path} (token ${w.body.token}, ${r.servedBy})`);
  }
  return w.body;
}

/** One client: its own customer and product, then price changes and orders through their life, every write read back. */
async function client(n: number, writes: number): Promise<number> {
  let done = 0;
  const track = async <T>(p: Promise<T>) => {
    const v = await p;
    done++;
    return v;
  };
  const email = `ryw-${run}-${n}@example.com`;
  const c = await track(
    writeThenRead('POST', '/customers', { email, name: `Client ${n}` }, (b) => `/customers/${b.customerId}`, { email, version: 1 }),
  );
  const p = await track(
    writeThenRead('POST', '/products', { sku: `RYW-${run}-${n}`, name: 'p', price: '1.00' }, (b) => `/products/${b.productId}`, {
      price: '1.00',
      version: 1,
    }),
  );
  let version = 1;
  for (let i = 0; done < writes; i++) {
    const price = `${n + 1}.${String(i % 100).padStart(2, '0')}`;
    await track(
      writeThenRead('PUT', `/products/${p.productId}/price`, { price }, () => `/products/${p.productId}`, { price, version: ++version }),
    );
    if (done >= writes) break;
    const o = await track(
      writeThenRead(
        'POST',
        '/orders',
        { customerId: c.customerId, items: [{ productId: p.productId, quantity: 2 }] },
        (b) => `/orders/${b.orderId}`,
        { status: 'placed', version: 1, total: (Number(price) * 2).toFixed(2) },
      ),
    );
    for (const [action, status, v] of [
      ['pay', 'paid', 2],
      ['ship', 'shipped', 3],
    ] as const) {
      if (done >= writes) break;
      await track(writeThenRead('POST', `/orders/${o.orderId}/${action}`, undefined, () => `/orders/${o.orderId}`, { status, version: v }));
    }
  }
  return done;
}

before(async () => {
  config = await ensureStack();
  const leader = pgClient(config.leader);
  try {
    const [{ now: since }] = await leader`select now()`;
    otherLoad = execa(bin, ['simulate', '--via', 'sql', '--duration', '10m', '--rate', '100', '--seed', '11'], {
      cwd: repoRoot,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    // The other load picks the rows it works on when it starts; the clients' rows must come after that.
    for (let writing = false; !writing; await sleep(200)) {
      assert.equal(otherLoad.exitCode, null, 'the other load stopped early');
      [{ writing }] =
        await leader`select exists (select 1 from orders where greatest(placed_at, paid_at, shipped_at, cancelled_at) > ${since})
        or exists (select 1 from customers where created_at > ${since}) or exists (select 1 from products where updated_at > ${since}) as writing`;
    }
  } finally {
    await leader.end();
  }
});
after(async () => {
  otherLoad.kill('SIGTERM');
  await otherLoad;
});

describe('read API', () => {
  it('500 writes, each read back with its token, all show the written state while another load runs', { timeout: 300_000 }, async () => {
    const clients = 25;
    const counts = await Promise.all(Array.from({ length: clients }, (_, n) => client(n, 500 / clients)));
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      500,
    );
    assert.equal(otherLoad.exitCode, null, 'the other load was still running');
  });

  it('a token from the future times out with 503 and Retry-After, never an answer', async () => {
    const started = Date.now();
    const r = await api('GET', '/customers/1', undefined, 'FFFFFFFF/0');
    assert.equal(r.status, 503);
    assert.equal(r.retryAfter, '1');
    assert.match(r.body.message, /no replica has applied FFFFFFFF\/0 within \d+ ms/);
    assert.ok(Date.now() - started >= 4000, 'waited before giving up');
  });

  it('reads without a token spread over the replicas', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 2 * config.replicas.length; i++) served.add((await api('GET', '/customers/1')).servedBy ?? '');
    assert.equal(served.size, config.replicas.length);
  });
});
