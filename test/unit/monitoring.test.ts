import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { registry } from '../../src/replicator/metrics.ts';
import { createApiMetrics } from '../../src/writeapi/metrics.ts';

const file = (name: string) => readFileSync(new URL(`../../monitoring/${name}`, import.meta.url), 'utf8');

interface Metric {
  name: string;
  type: string;
  labelNames: string[];
}

/** Every metric either process exports, by name, with its type and labels. */
const exported = new Map<string, Metric>();
for (const r of [registry, createApiMetrics().registry])
  for (const m of r.getMetricsAsArray() as unknown as Metric[]) exported.set(m.name, m);

/** The exported metric a series name belongs to (a histogram's _bucket, _sum and _count included). */
function metricOf(series: string): Metric | undefined {
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const m = exported.get(series) ?? exported.get(base);
  if (m && !exported.has(series) && m.type !== 'histogram') return undefined;
  return m;
}

/** Every cqrsctl_* series a PromQL expression selects, with the labels its matchers name. */
function selectors(expr: string): { series: string; labels: string[] }[] {
  return [...expr.matchAll(/\b(cqrsctl_[a-z0-9_]+)(\{([^}]*)\})?/g)].map((m) => ({
    series: m[1],
    labels: [...(m[3] ?? '').matchAll(/([a-z_]+)\s*(=~|!~|!=|=)/g)].map((l) => l[1]),
  }));
}

const dashboardExprs = (
  JSON.parse(file('grafana-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] }
).panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
const alertExprs = (parse(file('prometheus-alerts.yml')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
  (g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
);

for (const [what, exprs] of [
  ['Grafana dashboard', dashboardExprs],
  ['Prometheus alert rules', alertExprs],
] as const) {
  test(`every metric and label the ${what} uses is exported`, () => {
    assert.ok(exprs.length > 5);
    for (const { where, expr } of exprs) {
      const used = selectors(expr);
      assert.ok(used.length > 0, `${where}: no cqrsctl metric in ${expr}`);
      for (const { series, labels } of used) {
        const m = metricOf(series);
        assert.ok(m, `${where}: ${series} is not exported`);
        for (const l of labels) assert.ok(l === 'le' || m.labelNames.includes(l), `${where}: ${series} has no label ${l}`);
      }
    }
  });
}

test('a suffix only counts for a histogram', () => {
  assert.equal(metricOf('cqrsctl_apply_batch_seconds_bucket')?.name, 'cqrsctl_apply_batch_seconds');
  assert.equal(metricOf('cqrsctl_events_applied_total_count'), undefined);
  assert.equal(metricOf('cqrsctl_no_such_metric'), undefined);
});

test('the alert rules cover replica lag, dead letters, the connector and the slot', () => {
  const used = new Set(alertExprs.flatMap((a) => selectors(a.expr).map((s) => s.series)));
  for (const name of [
    'cqrsctl_replica_lag_seconds',
    'cqrsctl_dead_letters_total',
    'cqrsctl_connector_state',
    'cqrsctl_slot_wal_retained_bytes',
  ])
    assert.ok(used.has(name), name);
});

test("the issue's metric names are all exported", () => {
  for (const name of [
    'cqrsctl_replica_applied_lsn',
    'cqrsctl_replica_lag_seconds',
    'cqrsctl_replica_lag_events',
    'cqrsctl_replica_state',
    'cqrsctl_events_applied_total',
    'cqrsctl_dead_letters_total',
    'cqrsctl_commit_to_visible_seconds',
    'cqrsctl_apply_batch_seconds',
    'cqrsctl_apply_batch_events',
    'cqrsctl_connector_state',
    'cqrsctl_slot_wal_retained_bytes',
    'cqrsctl_slot_safe_wal_bytes',
    'cqrsctl_http_requests_total',
    'cqrsctl_http_request_seconds',
    'cqrsctl_read_token_wait_seconds',
  ])
    assert.ok(exported.has(name), name);
});
