import { formatLsn } from '../pg/lsn.ts';
import { appliedThrough } from '../replicator/watermark.ts';
import { poll, type Clock } from '../lib/wait.ts';
import type { VerifySession } from './session.ts';

/** How far a replica has applied the leader's WAL, from the replicator's own progress records. */
export interface Lag {
  replica: string;
  /** Leader WAL position of the last applied event; null when the replicator has never written there. */
  appliedLsn: string | null;
  /** Bytes of leader WAL not yet applied, measured against `target`; null when unknown. */
  behindBytes: number | null;
}

export async function leaderLsn(leader: VerifySession): Promise<bigint> {
  const [[lsn]] = await leader.sql.unsafe(`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint::text`).values();
  return BigInt(lsn as string);
}

/**
 * The replicator's watermark on the replica (every leader transaction committed at or before it is applied
 * there), or null when the replicator has never written one.
 */
export async function appliedLsn(replica: VerifySession): Promise<bigint | null> {
  const [[exists]] = await replica.sql.unsafe(`select to_regclass('cqrsctl.watermark') is not null`).values();
  if (!exists) return null;
  return appliedThrough(replica.sql);
}

export interface Probe {
  name: string;
  applied(): Promise<bigint | null>;
}

const lagOf = (name: string, applied: bigint | null, target: bigint): Lag => ({
  replica: name,
  appliedLsn: applied === null ? null : formatLsn(applied),
  behindBytes: applied === null ? null : Math.max(0, Number(target - applied)),
});

/** Where every replica stands against the leader's position, without waiting. */
export async function measureLag(target: bigint, probes: Probe[]): Promise<Lag[]> {
  return Promise.all(probes.map(async (p) => lagOf(p.name, await p.applied(), target)));
}

/**
 * Waits until every replica has applied the leader's WAL up to `target` (the leader's position when the
 * command started: the replicator's heartbeat keeps replicas moving past it even without writes).
 * Resolves with the last lag seen; `caughtUp` is false when the deadline passed first.
 */
export async function waitForCatchUp(
  target: bigint,
  probes: Probe[],
  timeoutMs: number,
  options: { intervalMs?: number; clock?: Clock } = {},
): Promise<{ caughtUp: boolean; lag: Lag[] }> {
  let lag: Lag[] = [];
  const caughtUp = await poll(
    async () => {
      lag = await measureLag(target, probes);
      return lag.every((l) => l.behindBytes === 0) || undefined;
    },
    { timeoutMs, ...options },
  );
  return { caughtUp: caughtUp === true, lag };
}
