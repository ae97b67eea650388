import { parseExact } from './json.ts';

export type Row = Record<string, unknown>;

/** One Kafka message as the replicator sees it: where it came from, and what it says or why it is unreadable. */
export interface Change {
  topic: string;
  partition: number;
  offset: bigint;
  /** The raw Kafka key: all changes of one row share it, so it identifies the row for collapsing. */
  key: string | null;
  rawValue: string | null;
  event?: ChangeEvent;
  /** A transaction boundary record of Debezium's transaction metadata (routed into the change topic). */
  boundary?: Boundary;
  /** Why this message is poison (cannot be decoded); such a message goes to the dead-letter topic. */
  poison?: string;
}

export interface ChangeEvent {
  op: 'c' | 'u' | 'd' | 'r' | 't';
  schema: string;
  table: string;
  before: Row | null;
  after: Row | null;
  /** Source position of the change on the leader (pg_lsn as a number) and its commit time. */
  lsn: bigint | null;
  tsMs: number | null;
  /** The leader transaction (its xid) the change belongs to; null for snapshot reads. */
  txId: string | null;
  /** Snapshot reads: whether this is the snapshot's last record (source.snapshot = "last"). */
  snapshotLast: boolean;
  /** The change's place in its transaction (transaction.total_order, from 1); null for snapshot reads. */
  txOrder: number | null;
  /**
   * source.sequence[0]: the commit end LSN of the transaction Debezium streamed before this change's. Every
   * change of one transaction carries the same value, and it grows from one transaction to the next, so it
   * tells a change of an earlier transaction (a connector's redelivery) from one of a later (merge.ts).
   */
  prevCommit: bigint | null;
}

export interface Boundary {
  status: 'BEGIN' | 'END';
  /** The transaction's xid: the part of Debezium's `<xid>:<lsn>` id that BEGIN, END and events share. */
  txId: string;
  /** END only: how many change events the transaction has. */
  eventCount: number | null;
  /**
   * The LSN part of the id. Measured on PostgreSQL 15 + pgoutput + Debezium 3.6 against
   * pg_current_wal_insert_lsn() around known commits and test_decoding's view of the same transactions:
   * on END it is the end of the transaction's commit record (what test_decoding shows for COMMIT, and what
   * Debezium calls lsn_commit); on BEGIN it is the first change's LSN, so it says nothing of the commit.
   * (Events' transaction.id carries each event's own LSN; source.sequence[0] holds the previous
   * transaction's commit end, not this one's.) Absent when the id has none.
   */
  lsn?: bigint;
  /** The transaction's commit time (ms), when given. */
  tsMs?: number;
}

interface KafkaLike {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Decodes a Debezium envelope (JSON converter, schemas off). A tombstone (null value) decodes to a change
 * without an event: it carries nothing a replica needs (the delete before it removed the row) but its
 * offset still counts as applied.
 */
export function decode(topic: string, partition: number, m: KafkaLike): Change {
  const base = { topic, partition, offset: BigInt(m.offset), key: m.key?.toString() ?? null, rawValue: m.value?.toString() ?? null };
  if (base.rawValue === null) return base;
  try {
    const value = parseExact(base.rawValue) as Record<string, unknown> | null;
    if (value && typeof value === 'object' && (value.status === 'BEGIN' || value.status === 'END'))
      return { ...base, boundary: parseBoundary(value) };
    return { ...base, event: parseEnvelope(value) };
  } catch (e) {
    return { ...base, poison: `undecodable: ${(e as Error).message}` };
  }
}

const xidOf = (id: unknown) => {
  if (typeof id !== 'string' || !id) throw new Error('transaction id missing');
  return id.split(':')[0];
};

function parseBoundary(v: Record<string, unknown>): Boundary {
  const lsn = typeof v.id === 'string' ? /^[^:]+:(\d+)$/.exec(v.id)?.[1] : undefined;
  return {
    status: v.status as Boundary['status'],
    txId: xidOf(v.id),
    eventCount: typeof v.event_count === 'number' ? v.event_count : null,
    ...(lsn ? { lsn: BigInt(lsn) } : {}),
    ...(typeof v.ts_ms === 'number' ? { tsMs: v.ts_ms } : {}),
  };
}

function parseEnvelope(v: Record<string, unknown> | null): ChangeEvent {
  if (!v || typeof v !== 'object') throw new Error('value is not a JSON object');
  // With schemas enabled the envelope is wrapped in {schema, payload}; accept both so a converter change is not fatal.
  const p = ('payload' in v && 'schema' in v ? v.payload : v) as Record<string, unknown>;
  const op = p.op;
  const source = p.source as Record<string, unknown> | undefined;
  if (op !== 'c' && op !== 'u' && op !== 'd' && op !== 'r' && op !== 't') throw new Error(`unknown op ${JSON.stringify(op)}`);
  if (!source || typeof source.schema !== 'string' || typeof source.table !== 'string') throw new Error('no source.schema/source.table');
  const after = (p.after ?? null) as Row | null;
  const before = (p.before ?? null) as Row | null;
  if ((op === 'c' || op === 'u' || op === 'r') && (after === null || typeof after !== 'object'))
    throw new Error(`op ${op} without an "after" row`);
  if (op === 'd' && (before === null || typeof before !== 'object')) throw new Error('delete without a "before" row');
  return {
    op,
    schema: source.schema,
    table: source.table,
    before,
    after,
    lsn: source.lsn === null || source.lsn === undefined ? null : BigInt(source.lsn as number | string),
    tsMs: typeof source.ts_ms === 'number' ? source.ts_ms : null,
    txId: p.transaction && typeof p.transaction === 'object' ? xidOf((p.transaction as Record<string, unknown>).id) : null,
    snapshotLast: source.snapshot === 'last',
    txOrder:
      p.transaction && typeof p.transaction === 'object' ? numberOrNull((p.transaction as Record<string, unknown>).total_order) : null,
    prevCommit: prevCommitOf(source.sequence),
  };
}

const numberOrNull = (v: unknown) => (typeof v === 'number' ? v : null);

/** The first element of Debezium's `sequence`, a JSON array of LSNs as strings, e.g. `["24023119","24023128"]`. */
function prevCommitOf(sequence: unknown): bigint | null {
  const first = typeof sequence === 'string' ? /^\["(\d+)"/.exec(sequence)?.[1] : undefined;
  return first === undefined ? null : BigInt(first);
}
