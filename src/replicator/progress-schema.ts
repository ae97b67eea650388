import type postgres from 'postgres';
import type { Change } from './decode.ts';
import { EMPTY_SNAPSHOT } from './schema/diff.ts';
import type { Snapshot } from './schema/snapshot.ts';
import type { SchemaState } from './steps.ts';

/**
 * The replicator's state on each replica, in schema cqrsctl, always written in the transaction that
 * applies the rows it describes — so after any crash the replica itself says exactly where to resume:
 * - applied_offsets: per topic-partition, the last Kafka offset applied, its source LSN and commit time;
 * - dead_letters: events this replica could not apply (also sent to the dead-letter topic), counted by status,
 *   with the event itself so `cqrsctl dlq replay` can apply it later and mark it replayed;
 * - watermark: the leader LSN through which everything is applied (see watermark.ts);
 * - schema_state: the leader's captured catalog this replica's tables now follow (see steps.ts);
 * - owner: which replicator applies to this replica now, and its epoch (see owner.ts).
 */
export async function prepareProgressSchema(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('cqrsctl.progress-schema'))`;
    await tx.unsafe(`
      create schema if not exists cqrsctl;
      create table if not exists cqrsctl.applied_offsets (
        topic text not null, partition int not null, "offset" bigint not null,
        lsn bigint, source_ts_ms bigint, applied_at timestamptz not null default now(),
        primary key (topic, partition));
      create table if not exists cqrsctl.dead_letters (
        topic text not null, partition int not null, "offset" bigint not null,
        reason text not null, dead_at timestamptz not null default now(),
        primary key (topic, partition, "offset"));
      -- Added after the first release: stacks that ran an older cqrsctl gain them here (null for their old letters).
      alter table cqrsctl.dead_letters add column if not exists lsn bigint, add column if not exists source_table text,
        add column if not exists key text, add column if not exists value text,
        add column if not exists replayed_at timestamptz, add column if not exists replay_outcome text;
      create table if not exists cqrsctl.watermark (
        id int primary key default 1 check (id = 1), lsn bigint not null, updated_at timestamptz not null default now());
      create table if not exists cqrsctl.schema_state (
        id int primary key default 1 check (id = 1), change_id bigint not null, snapshot jsonb not null, applied_at timestamptz not null default now());
      create table if not exists cqrsctl.owner (
        id int primary key default 1 check (id = 1), epoch bigint not null, member text not null, since timestamptz not null default now())`);
  });
}

/**
 * The transaction-scoped lock every apply transaction on a replica takes: whoever else writes a replica's
 * rows (verify-replicas --repair, dlq replay) takes it too, so no batch interleaves with their work.
 */
export const takeApplyLock = (tx: postgres.TransactionSql) => tx.unsafe(`select pg_advisory_xact_lock(hashtext('cqrsctl.apply'))`);

export interface Position {
  offset: bigint;
  lsn: bigint | null;
  tsMs: number | null;
}

/** Every topic-partition's applied position on a replica, keyed by tpKey. */
export async function readPositions(
  sql: postgres.Sql,
): Promise<{ topic: string; partition: number; offset: bigint; lsn: bigint | null; tsMs: number | null; appliedAt: Date }[]> {
  const rows = await sql<
    { topic: string; partition: number; offset: string; lsn: string | null; source_ts_ms: string | null; applied_at: Date }[]
  >`
    select topic, partition, "offset"::text, lsn::text, source_ts_ms::text, applied_at from cqrsctl.applied_offsets`;
  return rows.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: BigInt(r.offset),
    lsn: r.lsn === null ? null : BigInt(r.lsn),
    tsMs: r.source_ts_ms === null ? null : Number(r.source_ts_ms),
    appliedAt: r.applied_at,
  }));
}

export const recordPosition = (tx: postgres.TransactionSql, topic: string, partition: number, p: Position) => tx`
  insert into cqrsctl.applied_offsets (topic, partition, "offset", lsn, source_ts_ms, applied_at)
  values (${topic}, ${partition}, ${p.offset.toString()}, ${p.lsn === null ? null : p.lsn.toString()}, ${p.tsMs}, now())
  on conflict (topic, partition) do update set
    "offset" = excluded."offset", lsn = coalesce(excluded.lsn, cqrsctl.applied_offsets.lsn),
    source_ts_ms = coalesce(excluded.source_ts_ms, cqrsctl.applied_offsets.source_ts_ms), applied_at = now()`;

/** The schema this replica follows; the empty catalog before the first schema change. */
export async function readSchemaState(sql: postgres.Sql | postgres.TransactionSql): Promise<SchemaState> {
  const [row] = await sql<
    { change_id: string; snapshot: Snapshot }[]
  >`select change_id::text, snapshot from cqrsctl.schema_state where id = 1`;
  return row ? { changeId: Number(row.change_id), snapshot: row.snapshot } : { changeId: 0, snapshot: EMPTY_SNAPSHOT };
}

export const recordSchemaState = (tx: postgres.TransactionSql, s: SchemaState) => tx`
  insert into cqrsctl.schema_state (id, change_id, snapshot, applied_at) values (1, ${s.changeId}, ${tx.json(s.snapshot as never)}, now())
  on conflict (id) do update set change_id = excluded.change_id, snapshot = excluded.snapshot, applied_at = now()`;

/**
 * A rejected change, with the event as received so it can be replayed; rejected again (the replica
 * re-applied the same offset), it is pending again and its reasons accumulate.
 */
export const recordDeadLetter = (tx: postgres.TransactionSql, r: { change: Change; reason: string }) => {
  const { change: c, reason } = r;
  const table = c.event ? `${c.event.schema}.${c.event.table}` : null;
  return tx`
    insert into cqrsctl.dead_letters (topic, partition, "offset", reason, lsn, source_table, key, value)
    values (${c.topic}, ${c.partition}, ${c.offset.toString()}, ${reason}, ${c.event?.lsn?.toString() ?? null}, ${table}, ${c.key}, ${c.rawValue})
    on conflict (topic, partition, "offset") do update set reason = cqrsctl.dead_letters.reason || '; ' || excluded.reason,
      replayed_at = null, replay_outcome = null`;
};
