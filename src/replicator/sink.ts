import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { pgOptions } from '../runtime/probes.ts';
import { ensureReplicaTable, qualify } from './catalog.ts';
import type { Change } from './decode.ts';
import { PositionMismatch } from './errors.ts';
import { prepareProgressSchema, readPositions, recordPosition, type Position } from './progress.ts';
import type { Statement } from './plan.ts';
import { tpKey } from './topics.ts';

export type SinkState = 'attached' | 'catching-up' | 'down';

/**
 * One read replica: its connection, the positions it has applied (mirroring cqrsctl.applied_offsets) and
 * the transaction that applies a batch. The in-memory positions only choose which messages to send; the
 * transaction re-checks the recorded position under the apply lock, so a stale view can never apply
 * twice or skip.
 */
export class ReplicaSink {
  readonly sql: postgres.Sql;
  readonly positions = new Map<string, Position>();
  /** Table → catalog version this replica's table was last made to match. */
  private readonly ensured = new Map<string, number>();
  state: SinkState = 'down';
  lastError?: string;
  /** Applies in flight, so a sink detached for being slow is not used again before they settle. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(readonly endpoint: PgEndpoint) {
    // synchronous_commit=off is safe here: the rows and their recorded position commit together, so a replica
    // crash can only lose a suffix of whole batches, and the replicator re-applies exactly that suffix.
    this.sql = postgres({
      ...pgOptions(endpoint), max: 1, connect_timeout: 5, idle_timeout: 0, onnotice: () => {},
      connection: { application_name: 'cqrsctl-replicator', synchronous_commit: 'off' },
    });
  }

  get name() {
    return this.endpoint.name;
  }

  /** Prepares the progress schema and loads the recorded positions. */
  async load(): Promise<void> {
    await prepareProgressSchema(this.sql);
    this.positions.clear();
    for (const p of await readPositions(this.sql)) this.positions.set(tpKey(p.topic, p.partition), p);
  }

  /** The last applied offset of a topic-partition, or null when nothing was applied there yet. */
  applied(topic: string, partition: number): bigint | null {
    return this.positions.get(tpKey(topic, partition))?.offset ?? null;
  }

  async ensureTable(meta: Parameters<typeof ensureReplicaTable>[1], version: number): Promise<void> {
    const key = qualify(meta.schema, meta.table);
    if (this.ensured.get(key) === version) return;
    await ensureReplicaTable(this.sql, meta);
    this.ensured.set(key, version);
  }

  /**
   * Applies statements for `changes` (contiguous, in offset order) in one transaction that also records the
   * new position. `expected` is the position the batch follows; the apply lock (shared with
   * verify-replicas --repair) keeps a repair from interleaving.
   */
  async apply(changes: Change[], statements: Statement[], extra?: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<void> {
    const first = changes[0];
    const last = changes[changes.length - 1];
    const expected = first.offset - 1n;
    const known = this.applied(first.topic, first.partition);
    const position = lastPosition(changes);
    await this.sql.begin(async (tx) => {
      const [, rows] = await Promise.all([
        tx`select pg_advisory_xact_lock(hashtext('cqrsctl.apply'))`,
        tx<{ offset: string }[]>`select "offset"::text from cqrsctl.applied_offsets where topic = ${first.topic} and partition = ${first.partition}`,
      ]);
      const recorded = rows.length ? BigInt(rows[0].offset) : null;
      // No record is right only when this replica never applied anything on the partition.
      const want = known === null ? null : expected;
      if (recorded !== want) throw new PositionMismatch(recorded, want);
      await Promise.all([...statements.map((s) => tx.unsafe(s.sql, s.params as never)), extra?.(tx), recordPosition(tx, last.topic, last.partition, position)]);
    });
    this.positions.set(tpKey(last.topic, last.partition), position);
  }

  track(p: Promise<unknown>): void {
    const settled = p.catch(() => {}).finally(() => this.inflight.delete(settled));
    this.inflight.add(settled);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** Position after the batch: its last offset, with the LSN and commit time of its last event that has them. */
function lastPosition(changes: Change[]): Position {
  const last = changes[changes.length - 1];
  let lsn: bigint | null = null;
  let tsMs: number | null = null;
  for (let i = changes.length - 1; i >= 0 && (lsn === null || tsMs === null); i--) {
    lsn ??= changes[i].event?.lsn ?? null;
    tsMs ??= changes[i].event?.tsMs ?? null;
  }
  return { offset: last.offset, lsn, tsMs };
}
