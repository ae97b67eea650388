import { randomBytes } from 'node:crypto';
import type { PgEndpoint } from '../config/config.ts';
import { pgClient } from './client.ts';
import { parseLsn } from './lsn.ts';

/** A snapshot of the leader pinned to a logical decoding position; valid until close(). */
export interface ExportedSnapshot {
  /** The slot's consistent point: the snapshot holds exactly the transactions whose commit record starts before it. */
  point: bigint;
  /** For SET TRANSACTION SNAPSHOT in a REPEATABLE READ transaction on another connection. */
  name: string;
  /** When the point was taken (this machine's clock). */
  takenAtMs: number;
  close(): Promise<void>;
}

/**
 * Creates a temporary logical slot on a replication connection and keeps the connection open, which keeps
 * the exported snapshot importable; closing it drops the slot. The slot is never read: it only ties the
 * snapshot to a WAL position that the change stream can be matched against. Needs a role with REPLICATION
 * (the superuser), a free replication slot and wal sender, and a `replication` line in pg_hba.conf.
 */
export async function exportSnapshot(leader: PgEndpoint): Promise<ExportedSnapshot> {
  const sql = pgClient(leader, { fetch_types: false, idle_timeout: 0, connection: { replication: 'database' } as never });
  try {
    const slot = `cqrsctl_seed_${randomBytes(4).toString('hex')}`;
    // A walsender speaks only the simple query protocol.
    const [row] = await sql
      .unsafe<{ consistent_point: string; snapshot_name: string }[]>(
        `CREATE_REPLICATION_SLOT ${slot} TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')`,
      )
      .simple();
    const point = parseLsn(row.consistent_point);
    if (point === undefined) throw new Error(`unreadable consistent point ${row.consistent_point}`);
    return { point, name: row.snapshot_name, takenAtMs: Date.now(), close: () => sql.end({ timeout: 5 }) };
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw e;
  }
}
