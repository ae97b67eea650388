import type { Sink } from './sink.ts';

export interface ReplicaStats {
  name: string;
  state: Sink['state'];
  lagEvents: number;
  lagMs: number | null;
  /** Leader LSN of the newest change applied (null before any). */
  appliedLsn: bigint | null;
  lastError?: string;
}

/** A replica's lag as this replicator knows it: the broker's log ends (by tpKey) against its in-memory positions. */
export function replicaStats(s: Sink, ends: Map<string, bigint>): ReplicaStats {
  let lag = 0n;
  for (const [tp, end] of ends) {
    const applied = s.positions.get(tp)?.offset ?? -1n;
    if (end - 1n > applied) lag += end - 1n - applied;
  }
  const ts = Math.max(0, ...[...s.positions.values()].map((p) => p.tsMs ?? 0));
  const lsns = [...s.positions.values()].map((p) => p.lsn).filter((l): l is bigint => l !== null);
  const appliedLsn = lsns.length ? lsns.reduce((a, b) => (a > b ? a : b)) : null;
  return {
    name: s.name,
    state: s.state,
    lagEvents: Number(lag),
    lagMs: ts ? Math.max(0, Date.now() - ts) : null,
    appliedLsn,
    lastError: s.lastError,
  };
}
