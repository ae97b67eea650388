import type postgres from 'postgres';
import { Fenced } from './failures.ts';
import { takeApplyLock } from './progress-schema.ts';

/**
 * Fencing between replicators that share the work (membership.ts). Kafka's group says who should apply to
 * a replica; the replica itself says who may: cqrsctl.owner holds one row, an epoch and the member that
 * claimed it. A member that gains a replica bumps the epoch and keeps the value; every apply transaction
 * and watermark write re-reads it under the apply lock and aborts with Fenced when it moved. A member that
 * lost a replica in a rebalance but has not noticed yet (a long pause, a slow rejoin) can therefore never
 * commit to it once the new owner has claimed it: the lock orders the claim and each apply, so an apply
 * either commits before the claim (and the new owner loads the position after it) or sees the new epoch.
 */
export interface Owner {
  epoch: bigint;
  member: string;
  since: Date;
}

/** Claims the replica for `member`: a new epoch, taken after every apply in flight has committed or aborted. */
export async function claimReplica(sql: postgres.Sql, member: string): Promise<bigint> {
  return sql.begin(async (tx) => {
    await takeApplyLock(tx);
    const [row] = await tx<{ epoch: string }[]>`
      insert into cqrsctl.owner (id, epoch, member, since) values (1, 1, ${member}, now())
      on conflict (id) do update set epoch = cqrsctl.owner.epoch + 1, member = excluded.member, since = now()
      returning epoch::text`;
    return BigInt(row.epoch);
  });
}

/** Inside a transaction that holds the apply lock: throws Fenced unless the replica's epoch is still `epoch`. */
export async function checkOwner(tx: postgres.TransactionSql, replica: string, epoch: bigint | null): Promise<void> {
  const [row] = await tx<{ epoch: string; member: string }[]>`select epoch::text, member from cqrsctl.owner where id = 1`;
  const owner = row ? { epoch: BigInt(row.epoch), member: row.member } : null;
  if (epoch === null || owner?.epoch !== epoch) throw new Fenced(replica, owner);
}

/** Who owns the replica (status); null before any replicator claimed it. */
export async function readOwner(sql: postgres.Sql): Promise<Owner | null> {
  const [row] = await sql<{ epoch: string; member: string; since: Date }[]>`
    select epoch::text, member, since from cqrsctl.owner where id = 1`;
  return row ? { epoch: BigInt(row.epoch), member: row.member, since: row.since } : null;
}
