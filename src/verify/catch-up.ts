import { setTimeout as sleep } from 'node:timers/promises';
import { formatLsn } from '../pg/lsn.ts';
import { appliedThrough } from '../replicator/watermark.ts';
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
  pollMs = 250,
): Promise<{ caughtUp: boolean; lag: Lag[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lag = await measureLag(target, probes);
    const caughtUp = lag.every((l) => l.behindBytes === 0);
    if (caughtUp || Date.now() >= deadline) return { caughtUp, lag };
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}
