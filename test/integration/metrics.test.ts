import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { slotName } from '../../src/connect/template.ts';
import { ensureStack } from '../helpers/stack.ts';

// Both /metrics endpoints of a running stack, and their values moving with a real write.
let config: Config;
const run = randomBytes(4).toString('hex');

const replicatorMetrics = () => scrape(`http://${config.settings.host}:${config.settings.metricsPort}/metrics`);
const apiMetrics = () => scrape(`${config.writeApiUrl}/metrics`);

// Workaround: not fetch, which refuses some ports outright (the Fetch standard's "bad ports", 10080 among them).
function http(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, headers: payload ? { ...headers, 'content-type': 'application/json' } : headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (text += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject).end(payload);
  });
}

async function scrape(url: string): Promise<Map<string, number>> {
  const r = await http('GET', url);
  assert.equal(r.status, 200, url);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  const series = new Map<string, number>();
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** Sum of every series of a metric whose labels include all of `labels`. */
function total(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of series) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

describe('metrics', { timeout: 300_000 }, () => {
  before(async () => {
    config = await ensureStack();
  });

  it('the replicator reports per-replica lag and state, the connector RUNNING and the slot', async () => {
    const m = await replicatorMetrics();
    for (const { name: replica } of config.replicas) {
      assert.ok(m.has(`cqrsctl_replica_lag_events{replica="${replica}"}`), `lag events of ${replica}`);
      assert.ok(m.has(`cqrsctl_replica_lag_seconds{replica="${replica}"}`), `lag seconds of ${replica}`);
      assert.equal(m.get(`cqrsctl_replica_state{replica="${replica}",state="attached"}`), 1, `${replica} attached`);
      assert.ok((m.get(`cqrsctl_replica_applied_lsn{replica="${replica}"}`) ?? 0) > 0, `${replica} applied LSN`);
    }
    const connector = config.settings.connectorName;
    assert.equal(m.get(`cqrsctl_connector_state{connector="${connector}",task="connector",state="RUNNING"}`), 1);
    assert.equal(m.get(`cqrsctl_connector_state{connector="${connector}",task="0",state="RUNNING"}`), 1);
    const slot = slotName(config);
    assert.ok((m.get(`cqrsctl_slot_wal_retained_bytes{slot="${slot}"}`) ?? -1) >= 0, 'slot WAL retained');
    assert.ok(m.has(`cqrsctl_slot_safe_wal_bytes{slot="${slot}"}`), 'slot safe WAL');
    assert.equal(total(m, 'cqrsctl_slot_wal_status', { slot }), 1, 'exactly one wal_status');
  });

  it('a write moves events applied, batches and commit-to-visible on every replica, and the API counts it', async () => {
    const before = await replicatorMetrics();
    const apiBefore = await apiMetrics();
    const r = await http('POST', `${config.writeApiUrl}/customers`, { email: `metrics-${run}@example.com`, name: `Metrics ${run}` });
    assert.equal(r.status, 201, r.text);
    const { customerId, token } = JSON.parse(r.text) as { customerId: number; token: string };
    const read = await http('GET', `${config.writeApiUrl}/customers/${customerId}`, undefined, { 'consistency-token': token });
    assert.equal(read.status, 200, read.text);

    let after = before;
    const applied = (m: Map<string, number>, replica: string) =>
      total(m, 'cqrsctl_events_applied_total', { replica, table: 'public.customers', op: 'c' });
    for (let i = 0; i < 60 && config.replicas.some(({ name }) => applied(after, name) <= applied(before, name)); i++) {
      await sleep(500);
      after = await replicatorMetrics();
    }
    for (const { name: replica } of config.replicas) {
      assert.ok(applied(after, replica) > applied(before, replica), `${replica}: customers inserts applied`);
      for (const h of [
        'cqrsctl_apply_batch_seconds_count',
        'cqrsctl_apply_batch_events_count',
        'cqrsctl_commit_to_visible_seconds_count',
      ]) {
        assert.ok(total(after, h, { replica }) > total(before, h, { replica }), `${replica}: ${h} moved`);
      }
    }

    const apiAfter = await apiMetrics();
    const posts = (m: Map<string, number>) => m.get('cqrsctl_http_requests_total{route="/customers",method="POST",status="201"}') ?? 0;
    assert.equal(posts(apiAfter), posts(apiBefore) + 1);
    assert.ok((apiAfter.get('cqrsctl_read_token_wait_seconds_count') ?? 0) > (apiBefore.get('cqrsctl_read_token_wait_seconds_count') ?? 0));
    assert.ok((apiAfter.get('cqrsctl_http_request_seconds_count{route="/customers/:id"}') ?? 0) >= 1);
  });

  it('the replicator answers 404 outside /metrics', async () => {
    const r = await http('GET', `http://${config.settings.host}:${config.settings.metricsPort}/`);
    assert.equal(r.status, 404);
  });
});
