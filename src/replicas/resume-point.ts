import type { Change } from '../replicator/decode.ts';

/** A leader transaction as the change topic shows it at its END record. */
export interface Committed {
  xid: string;
  /** End of its commit record (the END id's LSN, see Boundary.lsn). */
  commitLsn: bigint;
  tsMs: number | null;
}

/** Where a replica copied as of a snapshot taken at `point` resumes streaming. */
export interface ResumePoint {
  /** The first offset to apply: where the first transaction committed after the point begins. */
  offset: bigint;
  /** That transaction. */
  first: Committed;
  /** The last transaction before it (in the copy); undefined when the scan saw none. */
  last?: Committed;
  /** Whether the record at `offset` starts a transaction cleanly (its BEGIN, or a record outside any transaction). */
  clean: boolean;
}

/**
 * Finds, in the change topic read in offset order, where the transactions committed at or after a
 * logical slot's consistent point begin. A snapshot exported at consistent point P holds exactly the
 * transactions whose commit record starts before P; P is a record boundary, so those are the ones whose
 * commit record ends at or before P — the END record's LSN (Boundary.lsn) — and the topic, in commit order,
 * holds them all before every later one. So the answer is the first record after the last END ≤ P, once
 * an END > P has been read. Snapshot reads of the connector's initial snapshot precede every transaction.
 */
export class ResumeSearch {
  private segment: { start: bigint; clean: boolean } | undefined;
  private last: Committed | undefined;

  constructor(private readonly point: bigint) {}

  /** Feeds records in offset order; returns the resume point once the first END past the point is read. */
  push(records: Change[]): ResumePoint | undefined {
    for (const r of records) {
      this.segment ??= { start: r.offset, clean: r.boundary?.status === 'BEGIN' || !(r.event?.txId || r.boundary) };
      const b = r.boundary;
      if (b?.status === 'END') {
        if (b.lsn === undefined) throw new Error(`the END record at offset ${r.offset} carries no LSN in its id`);
        const tx: Committed = { xid: b.txId, commitLsn: b.lsn, tsMs: b.tsMs ?? null };
        if (b.lsn > this.point) return { offset: this.segment.start, first: tx, last: this.last, clean: this.segment.clean };
        this.last = tx;
        this.segment = undefined;
      } else if (r.event && r.event.op === 'r' && !r.event.txId) {
        this.segment = undefined;
      }
    }
    return undefined;
  }
}

/** A snapshot as pg_current_snapshot() prints it (xmin:xmax:xip,...), with 64-bit transaction ids. */
export interface XidSnapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

export function parseXidSnapshot(text: string): XidSnapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!m) throw new Error(`not a snapshot: ${text}`);
  return { xmin: BigInt(m[1]), xmax: BigInt(m[2]), xip: m[3] ? m[3].split(',').map(BigInt) : [] };
}

/**
 * Whether a committed transaction, known by the 32-bit xid Debezium reports, is visible in the snapshot.
 * The xid is widened next to xmax (modulo 2^32), which is right for any transaction within two billion of it.
 */
export function visibleIn(s: XidSnapshot, xid32: string): boolean {
  const low = Number(s.xmax & 0xffffffffn);
  const full = s.xmax + BigInt((Number(xid32) - low) | 0);
  return full < s.xmin || (full < s.xmax && !s.xip.includes(full));
}
