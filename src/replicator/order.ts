import type { Change } from './decode.ts';
import { isSchemaChange } from './topics.ts';

/**
 * What a replica applies atomically: one leader transaction (its BEGIN, change events and END records),
 * the connector's initial snapshot (all its reads), or a lone record outside both (a tombstone, an
 * undecodable message). `records` covers every offset from `first` to `last`, so a unit's last offset is
 * a position a replica may stop at: the next record always starts a unit.
 */
export interface Unit {
  kind: 'tx' | 'snapshot' | 'other';
  records: Change[];
  /**
   * The partition whose offsets order the units (the change topic's only partition; with several, the
   * transaction topic's: merge.ts) and the unit's offsets there: a replica's position is checked on it.
   */
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
  /** With a multi-partition change topic: the last offset the unit takes of each other partition it reads. */
  tails?: Tail[];
  /** A transaction whose END never arrived (the connector restarted in its middle); applied as received. */
  incomplete?: boolean;
  /** END's event count differs from the events received (logged, applied as received). */
  countMismatch?: { expected: number; received: number };
  /**
   * A transaction the connector sent again after a restart, committed no later than one applied already:
   * its records hold no events (nothing applies, the position moves) and its commit is not recorded.
   */
  resent?: true;
}

export interface Tail {
  topic: string;
  partition: number;
  last: bigint;
}

interface Open {
  kind: Unit['kind'];
  txId?: string;
  records: Change[];
}

/**
 * Cuts the change topic (one partition, in the leader's commit order) into units. Debezium writes a
 * transaction's BEGIN, its events and its END consecutively, so a transaction is complete when its END is
 * read; snapshot reads carry no transaction and end at the read marked "last" (or at the first BEGIN).
 * Reading must start at a unit's first record, which every recorded position guarantees.
 */
export class Assembler {
  private open?: Open;

  /** `lastCommit`: commit LSN of the last transaction applied before the first record pushed, when known. */
  constructor(private lastCommit: bigint | null = null) {}

  /** The last offset pushed: a reader may hand out records again (see Merger.push). */
  private seen = -1n;

  /** Feeds records in offset order; returns the units they complete, in order. */
  push(records: Change[]): Unit[] {
    const done: Unit[] = [];
    records = records.filter((r) => r.offset > this.seen);
    if (records.length) this.seen = records[records.length - 1].offset;
    const close = (extra: Partial<Unit> = {}) => {
      if (!this.open) return;
      const rs = this.open.records;
      done.push({ kind: this.open.kind, records: rs, ...at(rs[0]), first: rs[0].offset, last: rs[rs.length - 1].offset, ...extra });
      this.open = undefined;
    };
    for (const r of records) {
      const b = r.boundary;
      const e = r.event;
      if (b?.status === 'BEGIN') {
        close(this.open?.kind === 'tx' ? { incomplete: true } : {});
        this.open = { kind: 'tx', txId: b.txId, records: [r] };
      } else if (b?.status === 'END') {
        if (this.open?.kind === 'tx' && this.open.txId === b.txId) {
          this.open.records.push(r);
          if (b.lsn !== undefined && this.lastCommit !== null && b.lsn <= this.lastCommit) {
            this.open.records = this.open.records.map(applyNothing);
            close({ resent: true });
            continue;
          }
          if (b.lsn !== undefined) this.lastCommit = b.lsn;
          const received = this.open.records.filter((x) => x.event || x.poison).length;
          close(b.eventCount !== null && b.eventCount !== received ? { countMismatch: { expected: b.eventCount, received } } : {});
        } else {
          close(this.open?.kind === 'tx' ? { incomplete: true } : {});
          done.push(lone(r));
        }
      } else if (e?.txId) {
        if (this.open?.kind !== 'tx' || this.open.txId !== e.txId) {
          close(this.open?.kind === 'tx' ? { incomplete: true } : {});
          this.open = { kind: 'tx', txId: e.txId, records: [] };
        }
        this.open.records.push(r);
      } else if (e) {
        if (this.open?.kind !== 'snapshot') {
          close(this.open?.kind === 'tx' ? { incomplete: true } : {});
          this.open = { kind: 'snapshot', records: [] };
        }
        this.open.records.push(r);
        if (e.snapshotLast) close();
      } else if (this.open) {
        this.open.records.push(r);
      } else {
        done.push(lone(r));
      }
    }
    return done;
  }

  /** Records held for a unit not complete yet. */
  get pending(): number {
    return this.open?.records.length ?? 0;
  }
}

/** The record with its event left out (a boundary kept): its offset is taken, nothing of it is applied. */
export const applyNothing = (r: Change): Change =>
  r.event ? { topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, rawValue: null } : r;

const at = (r: Change) => ({ topic: r.topic, partition: r.partition });

/** A record outside any transaction or snapshot (a tombstone, an undecodable message), applied alone. */
export const lone = (r: Change): Unit => ({ kind: 'other', records: [r], ...at(r), first: r.offset, last: r.offset });

/** Whether a unit changes the schema: it must end its replica transaction (e.g. a new enum value is usable only after commit). */
const changesSchema = (u: Unit) => u.records.some((r) => r.event && isSchemaChange(r.event));

/**
 * Consecutive units that may share one replica transaction: a reader of the replica then sees the state
 * after the last of them, a state the leader had. A unit that changes the schema, or the snapshot, goes
 * alone; groups stop growing at `maxEvents`.
 */
export function groupUnits(units: Unit[], maxEvents: number): Unit[][] {
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let size = 0;
  const flush = () => {
    if (current.length) groups.push(current);
    current = [];
    size = 0;
  };
  for (const u of units) {
    const alone = u.kind === 'snapshot' || changesSchema(u);
    if (alone || size + u.records.length > maxEvents) flush();
    current.push(u);
    size += u.records.length;
    if (alone) flush();
  }
  flush();
  return groups;
}
