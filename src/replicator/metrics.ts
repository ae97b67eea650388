import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Unit } from './order.ts';
import type { Rejection } from './sink.ts';

/**
 * The replicator's Prometheus metrics. The core only calls the observe functions below (apply.ts after each
 * replica transaction); gauges that describe a state (lag, replica state, connector, slot) are filled at
 * scrape time by the collector that metrics-server.ts binds.
 */
export const registry = new Registry();

const replicaLabel = ['replica'] as const;
const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const metrics = {
  appliedLsn: new Gauge({
    name: 'cqrsctl_replica_applied_lsn',
    help: 'Leader WAL position (as a number) of the newest change applied to the replica',
    labelNames: replicaLabel,
    registers: [registry],
  }),
  lagSeconds: new Gauge({
    name: 'cqrsctl_replica_lag_seconds',
    help: 'Now minus the leader commit time of the newest change applied to the replica',
    labelNames: replicaLabel,
    registers: [registry],
  }),
  lagEvents: new Gauge({
    name: 'cqrsctl_replica_lag_events',
    help: 'Change-topic records the replica has not applied yet',
    labelNames: replicaLabel,
    registers: [registry],
  }),
  replicaState: new Gauge({
    name: 'cqrsctl_replica_state',
    help: '1 for the state the replica is in (attached, catching-up, down; elsewhere: another replicator owns it), 0 for the others',
    labelNames: ['replica', 'state'] as const,
    registers: [registry],
  }),
  eventsApplied: new Counter({
    name: 'cqrsctl_events_applied_total',
    help: 'Change events applied, per replica, table and op (c, u, d, r, t)',
    labelNames: ['replica', 'table', 'op'] as const,
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'cqrsctl_dead_letters_total',
    help: 'Changes a replica could not apply and sent to the dead-letter topic, by kind of reason',
    labelNames: ['replica', 'reason'] as const,
    registers: [registry],
  }),
  commitToVisible: new Histogram({
    name: 'cqrsctl_commit_to_visible_seconds',
    help: 'Leader commit to applied on the replica, per leader transaction',
    labelNames: replicaLabel,
    buckets: latency,
    registers: [registry],
  }),
  batchSeconds: new Histogram({
    name: 'cqrsctl_apply_batch_seconds',
    help: 'Duration of one replica transaction (a group of whole leader transactions)',
    labelNames: replicaLabel,
    buckets: latency,
    registers: [registry],
  }),
  batchEvents: new Histogram({
    name: 'cqrsctl_apply_batch_events',
    help: 'Records in one replica transaction',
    labelNames: replicaLabel,
    buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 20000],
    registers: [registry],
  }),
  connectorState: new Gauge({
    name: 'cqrsctl_connector_state',
    help: '1 for the state the connector (task="connector") and each task are in, 0 for the others',
    labelNames: ['connector', 'task', 'state'] as const,
    registers: [registry],
  }),
  slotRetained: new Gauge({
    name: 'cqrsctl_slot_wal_retained_bytes',
    help: 'WAL the leader keeps for the replication slot',
    labelNames: ['slot'] as const,
    registers: [registry],
  }),
  slotSafe: new Gauge({
    name: 'cqrsctl_slot_safe_wal_bytes',
    help: 'WAL that can still be written before the slot risks losing what it needs (+Inf without max_slot_wal_keep_size)',
    labelNames: ['slot'] as const,
    registers: [registry],
  }),
  slotStatus: new Gauge({
    name: 'cqrsctl_slot_wal_status',
    help: "1 for the slot's wal_status (reserved, extended, unreserved, lost), 0 for the others",
    labelNames: ['slot', 'wal_status'] as const,
    registers: [registry],
  }),
};

export const replicaStates = ['attached', 'catching-up', 'down', 'elsewhere'] as const;
export const connectorStates = ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING'] as const;
export const walStatuses = ['reserved', 'extended', 'unreserved', 'lost'] as const;

/** Records one replica transaction that committed: its duration, its size, what it applied and what it rejected. */
export function observeApplied(replica: string, units: Unit[], rejected: Rejection[], seconds: number, now = Date.now()): void {
  const records = units.reduce((n, u) => n + u.records.length, 0);
  metrics.batchSeconds.observe({ replica }, seconds);
  metrics.batchEvents.observe({ replica }, records);
  const refused = new Set(rejected.map((r) => r.change.offset));
  for (const [labels, n] of countApplied(units, refused)) metrics.eventsApplied.inc({ replica, ...labels }, n);
  for (const u of units) {
    const ts = commitTime(u);
    if (ts !== null) metrics.commitToVisible.observe({ replica }, Math.max(0, now - ts) / 1000);
  }
  for (const r of rejected) metrics.deadLetters.inc({ replica, reason: reasonKind(r.reason) });
}

/** Events per table and op of each unit, counted once however many replicas apply it. */
const unitCounts = new WeakMap<Unit, Map<string, number>>();

function countsOf(u: Unit): Map<string, number> {
  let counts = unitCounts.get(u);
  if (counts) return counts;
  counts = new Map();
  for (const c of u.records) {
    if (!c.event) continue;
    const key = `${c.event.schema}.${c.event.table}\t${c.event.op}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  unitCounts.set(u, counts);
  return counts;
}

/** Applied change events per table and op, leaving out the rejected offsets. */
export function countApplied(units: Unit[], rejected: Set<bigint>): Map<{ table: string; op: string }, number> {
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  for (const u of units) for (const [key, n] of countsOf(u)) add(key, n);
  if (rejected.size)
    for (const u of units)
      for (const c of u.records) if (c.event && rejected.has(c.offset)) add(`${c.event.schema}.${c.event.table}\t${c.event.op}`, -1);
  return new Map(
    [...counts]
      .filter(([, n]) => n > 0)
      .map(([k, n]) => {
        const [table, op] = k.split('\t');
        return [{ table, op }, n];
      }),
  );
}

/** The leader commit time of a unit: its last event's (every event of a transaction carries the same). */
function commitTime(u: Unit): number | null {
  for (let i = u.records.length - 1; i >= 0; i--) {
    const ts = u.records[i].event?.tsMs;
    if (ts !== null && ts !== undefined) return ts;
  }
  return null;
}

/**
 * A dead letter's reason as a label: its kind, not its text (the text names offsets, keys and statements,
 * one series each would grow without bound). The full reason stays in the dead-letter headers and table.
 */
export function reasonKind(reason: string): string {
  if (reason.startsWith('cannot apply')) return 'apply-failed';
  if (reason.startsWith('cannot mirror schema change')) return 'schema-change';
  if (reason.startsWith('cannot reload')) return 'reload-failed';
  if (/^table \S+ is not in the replicated schema/.test(reason)) return 'unknown-table';
  if (reason.startsWith('undecodable')) return 'undecodable';
  return 'other';
}

/** Sets a one-of-N state gauge: 1 for `current`, 0 for every other known state (and `current` if unknown). */
export function setState<L extends string>(
  gauge: Gauge<L>,
  labels: Partial<Record<L, string>>,
  key: L,
  known: readonly string[],
  current: string,
): void {
  for (const s of new Set([...known, current])) gauge.set({ ...labels, [key]: s } as Partial<Record<L, string>>, s === current ? 1 : 0);
}
