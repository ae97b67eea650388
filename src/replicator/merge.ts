import type { Change } from './decode.ts';
import { applyNothing, Assembler, type Tail, type Unit } from './order.ts';
import { tpKey } from './topics.ts';

interface Partition {
  topic: string;
  partition: number;
  queue: Change[];
  /** Last offset read here (-1n before any). */
  read: bigint;
  /** The log end last heard of (next offset to be written). */
  end: bigint;
}

interface SnapshotReads {
  records: Change[];
  last: boolean;
  taken: Map<string, bigint>;
}

interface OpenTx {
  txId: string;
  /** The spine's records of this transaction: its BEGIN (a redelivered one twice), then END. */
  spine: Change[];
  end?: Change;
  /** Change events by their place in the transaction; a redelivered copy replaces the first. */
  events: Map<number, Change>;
  /** Records taken that apply nothing: superseded copies, redeliveries of earlier transactions, tombstones, undecodable ones. */
  carried: Change[];
  taken: Map<string, bigint>;
}

/** What cuts the change topic into units: an Assembler for one partition, a Merger for several. */
export type Sequencer = Pick<Merger, 'push' | 'pending'> & Partial<Pick<Merger, 'sawEnds'>>;

/**
 * The sequencer for the topics read: with a transaction topic among them (the change topic has several
 * partitions) a Merger on it, else an Assembler. `start` and `ends` as for the Merger.
 */
/** `lastCommit`: the commit LSN the replicas' position is at (the LSN recorded with it), when known. */
export function sequencer(
  topics: string[],
  spineTopic: string,
  start: Map<string, bigint>,
  ends: Map<string, bigint>,
  lastCommit: bigint | null,
): Sequencer {
  return topics.includes(spineTopic) ? new Merger({ topic: spineTopic, partition: 0 }, start, ends, lastCommit) : new Assembler(lastCommit);
}

/**
 * Cuts a change topic of several partitions back into the leader's transactions, in commit order. Debezium
 * spreads a transaction's changes over the partitions by key, and writes its BEGIN and END to the transaction
 * topic, of one partition: the spine, whose order is the commit order. For each END on the spine the merger
 * takes, from the head of every partition, the changes that carry its xid until it holds END's
 * `event_count` of them, then emits them ordered by `transaction.total_order`, so a replica applies them in
 * the leader's order.
 *
 * A connector restart (a dead Connect worker) breaks the simple picture, and the rules below keep it whole:
 * the dying task's producer lost a different suffix in each partition, and the new task sends everything
 * again from the last committed source offset, in commit order — transactions applied already among them.
 * - A transaction whose END is not past the last applied commit was sent again: it is skipped (its spine
 *   records advance the position, nothing applies).
 * - A change at a head that belongs to an earlier transaction (its source.sequence[0], the previous commit,
 *   lies below this transaction's commit) is a copy sent again: taken without applying it.
 * - A BEGIN whose END never came (the spine goes on with another transaction) is passed over, its changes
 *   left where they are: the transaction comes again, with its END, and takes them then (each partition
 *   lost only a suffix, so a first copy always sits before any record sent after it).
 * The connector's initial snapshot precedes every transaction in each partition; it is complete once its
 * last read has arrived and every partition has been read past its reads or to its log end as last sampled.
 *
 * A unit's offsets (first, last) are the spine's; `tails` give the last offset taken of each partition,
 * so each replica records where to resume every partition, and a replica's position is always a cut
 * between two transactions. A snapshot unit takes no spine record: it sits just before the spine's start.
 */
export class Merger {
  private readonly partitions = new Map<string, Partition>();
  private readonly spineQueue: Change[] = [];
  private spineRead: bigint;
  /** Commit LSN of the last transaction applied: one whose END is not past it was sent again. */
  private lastCommit: bigint | null;
  /** The last offset pushed per tpKey. */
  private readonly seen = new Map<string, bigint>();
  private open?: OpenTx;
  private snapshot?: SnapshotReads;
  constructor(
    private readonly spine: { topic: string; partition: number },
    /** Next offset per tpKey the readers start at (the spine's included) and every partition's log end. */
    start: Map<string, bigint>,
    ends: Map<string, bigint>,
    /** Commit LSN of the last transaction applied before `start`, when known (the spine position's LSN). */
    lastCommit: bigint | null = null,
  ) {
    this.lastCommit = lastCommit;
    this.spineRead = (start.get(tpKey(spine.topic, spine.partition)) ?? 0n) - 1n;
    for (const [tp, end] of ends) {
      const [topic, p] = tp.split('\u0000');
      if (topic === spine.topic) continue;
      this.partitions.set(tp, { topic, partition: Number(p), queue: [], read: (start.get(tp) ?? 0n) - 1n, end });
    }
  }

  /** Newer log ends (a partition's end only grows). */
  sawEnds(ends: Map<string, bigint>): void {
    for (const [tp, end] of ends) {
      const p = this.partitions.get(tp);
      if (p && end > p.end) p.end = end;
    }
  }

  /** Feeds one partition's records in offset order; returns the units complete now, in commit order. */
  push(records: Change[], highWatermark?: bigint): Unit[] {
    if (records.length === 0) return [];
    const { topic, partition } = records[0];
    const tp = tpKey(topic, partition);
    // A reader may hand out records again (kafkajs refetches from its own position after a leader change);
    // taken twice, a BEGIN would reopen a transaction whose changes are gone.
    const seen = this.seen.get(tp);
    const fresh = seen === undefined ? records : records.filter((r) => r.offset > seen);
    if (fresh.length === 0) return [];
    this.seen.set(tp, fresh[fresh.length - 1].offset);
    if (topic === this.spine.topic && partition === this.spine.partition) this.spineQueue.push(...fresh);
    else {
      let p = this.partitions.get(tp);
      if (!p) this.partitions.set(tp, (p = { topic, partition, queue: [], read: fresh[0].offset - 1n, end: 0n }));
      p.queue.push(...fresh);
      const end = highWatermark ?? fresh[fresh.length - 1].offset + 1n;
      if (end > p.end) p.end = end;
    }
    return this.drain();
  }

  get pending(): number {
    let n = this.spineQueue.length + (this.snapshot?.records.length ?? 0);
    for (const p of this.partitions.values()) n += p.queue.length;
    if (this.open) n += this.open.spine.length + this.open.events.size + this.open.carried.length;
    return n;
  }

  private drain(): Unit[] {
    const done: Unit[] = [];
    for (;;) {
      // Snapshot reads precede every transaction in their partition, even one whose BEGIN came first.
      if (this.snapshot || this.snapshotAtHead()) {
        const u = this.takeSnapshot();
        if (!u) break;
        done.push(u);
        continue;
      }
      if (!this.open) {
        const r = this.spineQueue.shift();
        if (!r) break;
        if (r.boundary?.status === 'BEGIN') this.open = this.newTx(r.boundary.txId, r);
        // An END without its BEGIN, or a record the spine should not hold: it applies nothing.
        else done.push(this.spineOnly([r]));
        continue;
      }
      const open = this.open;
      while (!open.end && this.spineQueue.length) {
        const r = this.spineQueue[0];
        if (r.boundary?.txId !== open.txId && r.boundary) break;
        this.spineQueue.shift();
        open.spine.push(r);
        if (r.boundary?.status === 'END') open.end = r;
      }
      if (!open.end) {
        if (!this.spineQueue.length) break;
        // The spine went on with another transaction: this one's END never came, the connector restarted in it.
        // It sends the transaction again (with the ones before it): its changes stay where they are until then.
        this.open = undefined;
        done.push(this.spineOnly(open.spine));
        continue;
      }
      const commit = open.end.boundary!.lsn;
      if (commit !== undefined && this.lastCommit !== null && commit <= this.lastCommit) {
        // Sent again after a connector restart, and applied already: its changes are taken as they come up.
        this.open = undefined;
        done.push({ ...this.spineOnly(open.spine), resent: true });
        continue;
      }
      this.gather(open);
      if (this.received(open) < (open.end.boundary!.eventCount ?? 0)) break;
      done.push(this.close(open));
      if (commit !== undefined && (this.lastCommit === null || commit > this.lastCommit)) this.lastCommit = commit;
    }
    return done;
  }

  private newTx(txId: string, begin: Change): OpenTx {
    return { txId, spine: [begin], events: new Map(), carried: [], taken: new Map() };
  }

  /** Takes from each partition's head what belongs to the open transaction. */
  private gather(open: OpenTx): void {
    const commit = open.end!.boundary!.lsn;
    for (const [tp, p] of this.partitions) {
      while (p.queue.length) {
        const r = p.queue[0];
        const e = r.event;
        if (e?.txId === open.txId) {
          const order = e.txOrder ?? -open.events.size - 1;
          const earlier = open.events.get(order);
          if (earlier) open.carried.push(applyNothing(earlier));
          open.events.set(order, r);
        } else if (e && e.txId === null) {
          break; // a snapshot read: a snapshot taken again mid-stream, applied by itself first
        } else if (e) {
          if (commit === undefined || e.prevCommit === null || e.prevCommit >= commit) break; // a later transaction's
          open.carried.push(applyNothing(r));
        } else if (r.poison && this.received(open) >= (open.end!.boundary!.eventCount ?? 0)) {
          break; // complete already: the next transaction takes it
        } else {
          open.carried.push(r);
        }
        p.queue.shift();
        p.read = r.offset;
        open.taken.set(tp, r.offset);
      }
    }
  }

  private received(open: OpenTx): number {
    return open.events.size + open.carried.filter((r) => r.poison).length;
  }

  private close(open: OpenTx): Unit {
    this.open = undefined;
    const spine = open.spine;
    const events = [...open.events.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    const received = this.received(open);
    const expected = open.end?.boundary?.eventCount ?? null;
    const begins = spine.filter((r) => r !== open.end);
    const records = [...begins, ...events, ...open.carried, ...(open.end ? [open.end] : [])];
    this.spineRead = spine[spine.length - 1].offset;
    return {
      kind: 'tx',
      records,
      ...this.spine,
      first: spine[0].offset,
      last: this.spineRead,
      tails: tails(this.partitions, open.taken),
      ...(expected !== null && expected !== received ? { countMismatch: { expected, received } } : {}),
    };
  }

  private spineOnly(records: Change[]): Unit {
    const first = records[0].offset;
    this.spineRead = records[records.length - 1].offset;
    return { kind: 'other', records, ...this.spine, first, last: this.spineRead };
  }

  private snapshotAtHead(): boolean {
    for (const p of this.partitions.values()) if (isSnapshotRead(p.queue[0])) return true;
    return false;
  }

  private takeSnapshot(): Unit | undefined {
    const s: SnapshotReads = (this.snapshot ??= { records: [], last: false, taken: new Map() });
    for (const [tp, p] of this.partitions) {
      while (isSnapshotRead(p.queue[0])) {
        const r = p.queue.shift()!;
        s.records.push(r);
        s.last ||= r.event!.snapshotLast;
        p.read = r.offset;
        s.taken.set(tp, r.offset);
      }
    }
    if (!s.last) return undefined;
    for (const p of this.partitions.values()) if (p.queue.length === 0 && p.read < p.end - 1n) return undefined;
    this.snapshot = undefined;
    return {
      kind: 'snapshot',
      records: s.records,
      ...this.spine,
      first: this.spineRead,
      last: this.spineRead,
      tails: tails(this.partitions, s.taken),
    };
  }
}

const isSnapshotRead = (r: Change | undefined) => !!r?.event && r.event.txId === null;

const tails = (partitions: Map<string, Partition>, taken: Map<string, bigint>): Tail[] =>
  [...taken].map(([tp, last]) => ({ topic: partitions.get(tp)!.topic, partition: partitions.get(tp)!.partition, last }));
