import type { ConnectClient } from '../connect/client.ts';
import type postgres from 'postgres';

/**
 * Read-your-writes. Returns W such that every leader transaction whose commit LSN ≤ W has been applied
 * on this replica (`sql` is a client on the replica). A writer that read its token T =
 * pg_current_wal_lsn() right after committing has commit LSN ≤ T, so once appliedThrough ≥ T its write
 * is visible there. 0 when the replicator never got that far.
 *
 * Why not the LSN of the last applied event: a token is the leader's WAL position when the write returned,
 * which lies past the commit of the writer's transaction but may lie before the commit of a transaction
 * that is not in Kafka yet; only the connector's committed source offset says that everything up to an
 * LSN has been written to the change topic.
 * How W is earned instead (the replicator's watermark tick, see advanceWatermarks):
 * 1. read C = `lsn_commit` of the connector's committed source offset from Kafka Connect. Connect commits a
 *    source offset only after every record produced before it was acknowledged, i.e. is in Kafka below the
 *    high watermark; Debezium emits in commit order, so every transaction with commit LSN ≤ C is wholly
 *    in Kafka;
 * 2. then read the change topic's high watermark;
 * 3. once the replica has applied the topic up to that high watermark (whole transactions: a position is
 *    always a transaction's end), it holds every transaction with commit LSN ≤ C, and W may become C.
 * The heartbeat table (cqrsctl.heartbeat, in the publication, written every second) keeps C moving with no
 * user writes, so W passes any token within a few seconds (offset flush 200 ms + heartbeat 1 s + one 250 ms tick).
 * Dead-lettered changes count as applied (status shows them).
 */
export async function appliedThrough(sql: postgres.Sql): Promise<bigint> {
  try {
    const [row] = await sql<{ lsn: string }[]>`select lsn::text from cqrsctl.watermark where id = 1`;
    return row ? BigInt(row.lsn) : 0n;
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return 0n; // no progress schema: nothing applied yet
    throw e;
  }
}

export const recordWatermark = (sql: postgres.TransactionSql, lsn: bigint) => sql`
  insert into cqrsctl.watermark (id, lsn, updated_at) values (1, ${lsn.toString()}, now())
  on conflict (id) do update set lsn = greatest(cqrsctl.watermark.lsn, excluded.lsn), updated_at = now()`;

export interface Candidate {
  lsn: bigint;
  /** Log-end offset (next offset to be written) per tpKey when `lsn` was read. */
  ends: Map<string, bigint>;
}

/**
 * The newest candidate whose every partition the replica has applied through (applied offset ≥ end − 1);
 * candidates are kept oldest first.
 */
export function satisfiedCandidate(candidates: Candidate[], applied: (tp: string) => bigint | null): Candidate | undefined {
  for (let i = candidates.length - 1; i >= 0; i--) {
    const c = candidates[i];
    let ok = true;
    for (const [tp, end] of c.ends) {
      if (end === 0n) continue;
      const a = applied(tp);
      if (a === null || a < end - 1n) {
        ok = false;
        break;
      }
    }
    if (ok) return c;
  }
  return undefined;
}

/** C above: lsn_commit of the connector's last committed source offset (every transaction up to it is in Kafka). */
export const connectorCommittedLsn = (connect: ConnectClient, name: string) => async (): Promise<bigint | undefined> => {
  const r = await connect.request<{ offsets: { offset: { lsn_commit?: number } }[] }>(
    'GET',
    `/connectors/${encodeURIComponent(name)}/offsets`,
  );
  const lsn = r.offsets[0]?.offset?.lsn_commit;
  return lsn === undefined ? undefined : BigInt(lsn);
};
