import { segmentHashes, type Query, type Shape } from './row-sql.ts';
import type { VerifySession } from './session.ts';

/** One side of a comparison: a database and the shape of the table there (key types may differ). */
export interface Side {
  session: VerifySession;
  shape: Shape;
}

/** count and hash sum of each non-empty segment, by segment id. */
export type SegmentSums = Map<string, { rows: number; sum: string }>;

/** Segments whose rows are fetched and compared one by one, and the number of low hash bits naming them. */
export interface Leaves {
  bits: number;
  segments: string[];
}

// About a thousand rows per first-level segment keeps the equal case to one scan per database and a few
// dozen bytes per thousand rows on the wire; a differing segment is fetched when it holds at most LEAF_ROWS
// rows, else split SPLIT_BITS further (data-diff bisects by 32 with a 16k threshold; same idea, hash ranges).
const ROWS_PER_SEGMENT = 1024;
const LEAF_ROWS = 4096;
const SPLIT_BITS = 8;
const MAX_BITS = 60;

export const firstLevelBits = (estimatedRows: number) =>
  Math.min(20, Math.max(0, Math.ceil(Math.log2(Math.max(1, estimatedRows) / ROWS_PER_SEGMENT))));

export async function segmentSums(session: VerifySession, query: Query): Promise<SegmentSums> {
  const rows = await session.sql.unsafe(query.text, query.params).values();
  return new Map(rows.map(([id, count, sum]) => [id as string, { rows: Number(count), sum: sum as string }]));
}

export const totalRows = (sums: SegmentSums) => [...sums.values()].reduce((n, s) => n + s.rows, 0);

/** Segments whose count or hash sum differ, with the larger of their two row counts. */
export function differingSegments(leader: SegmentSums, replica: SegmentSums): { id: string; rows: number }[] {
  const ids = new Set([...leader.keys(), ...replica.keys()]);
  const out: { id: string; rows: number }[] = [];
  for (const id of ids) {
    const a = leader.get(id);
    const b = replica.get(id);
    if (a?.rows !== b?.rows || a?.sum !== b?.sum) out.push({ id, rows: Math.max(a?.rows ?? 0, b?.rows ?? 0) });
  }
  return out;
}

/**
 * Bisects from the first level down to segments small enough to fetch. The leader's first level is
 * computed once and shared by every replica; deeper levels only scan rows of differing parents, which
 * both sides filter by the same hash bits, so only counts and sums cross the network until the leaves.
 */
export async function findLeaves(
  leader: Side,
  replica: Side,
  bits: number,
  leaderSums: SegmentSums,
  replicaSums: SegmentSums,
): Promise<Leaves[]> {
  const leaves: Leaves[] = [];
  let pending = differingSegments(leaderSums, replicaSums);
  while (pending.length) {
    const done = bits >= MAX_BITS;
    const small = pending.filter((s) => done || s.rows <= LEAF_ROWS).map((s) => s.id);
    const large = pending.filter((s) => !done && s.rows > LEAF_ROWS).map((s) => s.id);
    if (small.length) leaves.push({ bits, segments: small });
    if (!large.length) break;
    const within = { bits, segments: large };
    bits += SPLIT_BITS;
    const [a, b] = await Promise.all([
      segmentSums(leader.session, segmentHashes(leader.shape, bits, within)),
      segmentSums(replica.session, segmentHashes(replica.shape, bits, within)),
    ]);
    pending = differingSegments(a, b);
  }
  return leaves;
}
