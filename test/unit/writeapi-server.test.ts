import assert from 'node:assert/strict';
import { test } from 'node:test';
import type postgres from 'postgres';
import type { Commands } from '../../src/writeapi/commands.ts';
import { ReplicaRouter } from '../../src/writeapi/replica-router.ts';
import { buildServer } from '../../src/writeapi/server.ts';

/** Commands that only record that they ran: validation must stop bad bodies before any of them. */
function recordingCommands() {
  const calls: string[] = [];
  const ok = (name: string) => async () => {
    calls.push(name);
    return { token: '0/10' };
  };
  const commands = {
    createCustomer: ok('createCustomer'),
    deleteCustomer: ok('deleteCustomer'),
    createProduct: ok('createProduct'),
    updatePrice: ok('updatePrice'),
    placeOrder: ok('placeOrder'),
    changeOrder: ok('changeOrder'),
  } as unknown as Commands;
  return { commands, calls };
}

function server() {
  const { commands, calls } = recordingCommands();
  const replicas = [{ name: 'replica-1', sql: {} as postgres.Sql }];
  const router = new ReplicaRouter(replicas, 1, async () => 5n);
  const app = buildServer({ commands, router, readTimeoutMs: 100, leaderPosition: async () => '0/10' });
  return { app, calls };
}

const badBodies: [string, string, unknown, RegExp][] = [
  ['POST', '/customers', { name: 'A' }, /body must have required property 'email'/],
  ['POST', '/customers', { email: 'not-an-email', name: 'A' }, /body\/email must match pattern/],
  ['POST', '/customers', { email: 'a@b.c', name: 'A', vip: true }, /body has unknown property "vip"/],
  ['POST', '/products', { sku: 'S1', name: 'P', price: 9.99 }, /body\/price must be string/],
  ['POST', '/products', { sku: 'S1', name: 'P', price: '9.999' }, /body\/price must match pattern/],
  ['PUT', '/products/1/price', {}, /body must have required property 'price'/],
  ['POST', '/orders', { customerId: 1, items: [] }, /body\/items must NOT have fewer than 1 items/],
  [
    'POST',
    '/orders',
    { customerId: '1', items: [{ productId: 1, quantity: 0 }] },
    /body\/customerId must be integer.*body\/items\/0\/quantity must be >= 1/,
  ],
];

for (const [method, url, payload, message] of badBodies) {
  test(`${method} ${url} with ${JSON.stringify(payload)} is 400 and runs no command`, async () => {
    const { app, calls } = server();
    const r = await app.inject({ method: method as 'POST', url, payload: payload as object });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().message, message);
    assert.deepEqual(calls, []);
  });
}

test('a non-numeric id is 400 and runs no command', async () => {
  const { app, calls } = server();
  const r = await app.inject({ method: 'POST', url: '/orders/abc/pay' });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().message, /params\/id must match pattern/);
  assert.deepEqual(calls, []);
});

test('a command answers with its token in the body and the Consistency-Token header', async () => {
  const { app, calls } = server();
  const r = await app.inject({ method: 'POST', url: '/customers', payload: { email: 'a@b.c', name: 'A' } });
  assert.equal(r.statusCode, 201);
  assert.equal(r.json().token, '0/10');
  assert.equal(r.headers['consistency-token'], '0/10');
  assert.deepEqual(calls, ['createCustomer']);
});

test('a read with a malformed token is 400; one from the future is 503 with Retry-After', async () => {
  const { app } = server();
  const bad = await app.inject({ method: 'GET', url: '/orders/1', headers: { 'consistency-token': 'soon' } });
  assert.equal(bad.statusCode, 400);
  const future = await app.inject({ method: 'GET', url: '/orders/1?token=FFFF/0' });
  assert.equal(future.statusCode, 503);
  assert.equal(future.headers['retry-after'], '1');
  assert.match(
    future.json().message,
    /no replica has applied FFFF\/0 within 100 ms \(replica-1 at 0\/5\); the leader itself is only at 0\/10, so this token did not come from this stack/,
  );
});

test('/health names a replica that is down and says the API is degraded; 503 when no replica answers', async () => {
  const { commands } = recordingCommands();
  const replicas = [
    { name: 'replica-1', sql: { up: true } as unknown as postgres.Sql },
    { name: 'replica-2', sql: { up: false } as unknown as postgres.Sql },
  ];
  const position = async (sql: postgres.Sql) => {
    if (!(sql as unknown as { up: boolean }).up) throw new Error('connect ECONNREFUSED 127.0.0.1:5434');
    return 16n;
  };
  const app = buildServer({
    commands,
    router: new ReplicaRouter(replicas, 1, position),
    readTimeoutMs: 100,
    leaderPosition: async () => '0/10',
  });
  const r = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(r.json(), {
    status: 'degraded',
    leader: '0/10',
    replicas: [
      { name: 'replica-1', state: 'up', appliedThrough: '0/10' },
      { name: 'replica-2', state: 'down', appliedThrough: '0/0', error: 'connect ECONNREFUSED 127.0.0.1:5434' },
    ],
  });
  (replicas[0].sql as unknown as { up: boolean }).up = false;
  const none = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(none.statusCode, 503);
  assert.equal(none.json().status, 'down');
});

test('with a request log, every answered request is one line: time, method, path, status, duration, replica, token', async () => {
  const { commands } = recordingCommands();
  const lines: string[] = [];
  const router = new ReplicaRouter([{ name: 'replica-1', sql: {} as postgres.Sql }], 1, async () => 5n);
  const app = buildServer({
    commands,
    router,
    readTimeoutMs: 100,
    leaderPosition: async () => '0/10',
    requestLog: (line) => lines.push(line),
  });
  await app.inject({ method: 'POST', url: '/customers', payload: { email: 'a@b.c', name: 'A' } });
  await app.inject({ method: 'POST', url: '/customers', payload: { name: 'A' } });
  await app.inject({ method: 'GET', url: '/health' });
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z POST \/customers 201 \d+\.\d ms token=0\/10$/);
  assert.match(lines[1], / POST \/customers 400 \d+\.\d ms$/);
  assert.match(lines[2], / GET \/health 200 \d+\.\d ms$/);
});

test('with a token, every request but /health needs it as a bearer token, else 401', async () => {
  const { commands, calls } = recordingCommands();
  const router = new ReplicaRouter([{ name: 'replica-1', sql: {} as postgres.Sql }], 1, async () => 5n);
  const app = buildServer({ commands, router, readTimeoutMs: 100, leaderPosition: async () => '0/10', token: 'tok-123' });
  const body = { email: 'a@b.c', name: 'A' };
  const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/customers', payload: body, headers });
  const refused: Record<string, string>[] = [
    {},
    { authorization: 'Bearer tok-12' },
    { authorization: 'Bearer tok-1234' },
    { authorization: 'Basic tok-123' },
  ];
  for (const headers of refused) {
    const r = await post(headers);
    assert.equal(r.statusCode, 401, JSON.stringify(headers));
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="cqrsctl"');
    assert.doesNotMatch(r.body, /tok-123/);
  }
  assert.deepEqual(calls, [], 'no command ran without the token');
  assert.equal((await post({ authorization: 'Bearer tok-123' })).statusCode, 201);
  assert.deepEqual(calls, ['createCustomer']);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  await app.close();
});
