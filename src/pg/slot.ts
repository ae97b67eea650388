import type postgres from 'postgres';

/** A replication slot as the leader reports it, with the limit that protects the leader's disk. */
export interface SlotInfo {
  name: string;
  active: boolean;
  /** reserved, extended, unreserved or lost (pg_replication_slots.wal_status). */
  walStatus: string | null;
  walRetainedBytes: number;
  /** WAL that can still be written before the slot is at risk of losing what it needs; null when unlimited. */
  safeWalBytes: number | null;
  /** max_slot_wal_keep_size in bytes; null when unlimited (-1). */
  maxKeepBytes: number | null;
}

/** Reads one slot (undefined when it does not exist) and the leader's max_slot_wal_keep_size. */
export async function readSlot(sql: postgres.Sql, name: string): Promise<SlotInfo | undefined> {
  const [row] = await sql<{ active: boolean; wal_status: string | null; retained: string | null; safe: string | null; keep_mb: string }[]>`
    select active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text as retained,
           safe_wal_size::text as safe, current_setting('max_slot_wal_keep_size') as keep_mb
    from pg_replication_slots where slot_name = ${name}`;
  if (!row) return undefined;
  return {
    name,
    active: row.active,
    walStatus: row.wal_status,
    walRetainedBytes: Number(row.retained ?? 0),
    safeWalBytes: row.safe === null ? null : Number(row.safe),
    maxKeepBytes: keepBytes(row.keep_mb),
  };
}

/** max_slot_wal_keep_size as current_setting shows it ("-1", "1024MB", "10GB", "512kB") in bytes; null for unlimited. */
export function keepBytes(setting: string): number | null {
  const m = /^(-?\d+)\s*(kB|MB|GB|TB)?$/.exec(setting.trim());
  if (!m || Number(m[1]) < 0) return null;
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2] ?? 'MB']!;
  return Number(m[1]) * unit;
}

/**
 * Why the slot needs attention, or null: WAL already lost or about to be (wal_status), or the retained WAL
 * past half of max_slot_wal_keep_size (the leader invalidates the slot at the limit, and the connector
 * then has to snapshot again).
 */
export function slotWarning(slot: Pick<SlotInfo, 'walStatus' | 'walRetainedBytes' | 'maxKeepBytes'>): string | null {
  if (slot.walStatus === 'lost') return 'the slot has lost WAL it needed: the connector must snapshot again';
  if (slot.walStatus === 'unreserved') return 'the slot is about to lose WAL (wal_status unreserved): the connector is far behind';
  if (slot.maxKeepBytes !== null && slot.walRetainedBytes > slot.maxKeepBytes / 2) {
    return `retained WAL ${mib(slot.walRetainedBytes)} is past half of max_slot_wal_keep_size (${mib(slot.maxKeepBytes)}): the connector is falling behind`;
  }
  return null;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
