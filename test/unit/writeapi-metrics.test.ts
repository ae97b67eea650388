import assert from 'node:assert/strict';
import { test } from 'node:test';
import type postgres from 'postgres';
import type { Commands } from '../../src/writeapi/commands.ts';
import { ReplicaRouter } from '../../src/writeapi/replica-router.ts';
import { buildServer } from '../../src/writeapi/server.ts';

function server() {
  const commands = { createCustomer: async () => ({ token: '0/10' }) } as unknown as Commands;
  const router = new ReplicaRouter([{ name: 'replica-1', sql: {} as postgres.Sql }], 1, async () => 5n);
  return buildServer({ commands, router, readTimeoutMs: 50, leaderPosition: async () => '0/10' });
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('requests count under their route pattern, method and status; /metrics serves the text format', async () => {
  const app = server();
  await app.inject({ method: 'POST', url: '/customers', payload: { email: 'a@b.c', name: 'A' } });
  await app.inject({ method: 'POST', url: '/customers', payload: { name: 'A' } });
  await app.inject({ method: 'GET', url: '/nowhere' });
  const r = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  assert.equal(value(r.body, 'cqrsctl_http_requests_total{route="/customers",method="POST",status="201"}'), 1);
  assert.equal(value(r.body, 'cqrsctl_http_requests_total{route="/customers",method="POST",status="400"}'), 1);
  assert.equal(value(r.body, 'cqrsctl_http_requests_total{route="unmatched",method="GET",status="404"}'), 1);
  assert.equal(value(r.body, 'cqrsctl_http_request_seconds_count{route="/customers"}'), 2);
  await app.close();
});

test('a read with a token records how long it waited, by the route pattern, not the id', async () => {
  const app = server();
  const r = await app.inject({ method: 'GET', url: '/orders/7', headers: { 'consistency-token': '0/99' } });
  assert.equal(r.statusCode, 503);
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(value(text, 'cqrsctl_read_token_wait_seconds_count'), 1);
  assert.ok(value(text, 'cqrsctl_read_token_wait_seconds_sum')! >= 0.04);
  assert.equal(value(text, 'cqrsctl_http_requests_total{route="/orders/:id",method="GET",status="503"}'), 1);
  assert.doesNotMatch(text, /orders\/7/);
  await app.close();
});
