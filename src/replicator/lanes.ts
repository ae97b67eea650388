import { applyGroup, type ApplyContext } from './apply.ts';
import { Gap, PositionMismatch } from './failures.ts';
import type { Unit } from './order.ts';
import type { Sink } from './sink.ts';

/** Applies the units the replica lacks; throws on a gap or a failure retrying now would not fix. */
export async function feed(sink: Sink, units: Unit[], ctx: ApplyContext): Promise<void> {
  const { topic, partition } = units[0];
  for (let attempt = 0; ; attempt++) {
    const known = sink.applied(topic, partition);
    const run = known === null ? units : units.filter((u) => u.last > known);
    if (run.length === 0) return;
    if (known !== null && run[0].first !== known + 1n)
      throw new Gap(`gap: ${sink.name} is at offset ${known} of ${topic}[${partition}], the next transaction starts at ${run[0].first}`);
    try {
      return await applyGroup(sink, run, ctx);
    } catch (e) {
      // The position moved under us (a restored replica, a repair): re-read it once and retry. Another
      // replicator cannot be the cause: it would have claimed the replica, and the apply fails Fenced instead.
      if (!(e instanceof PositionMismatch) || attempt > 0) throw e;
      await sink.load();
    }
  }
}

export interface LaneHooks {
  /** Resolves once the lane may apply: no catch-up reader and no earlier apply on the replica in flight. */
  ready(): Promise<void>;
  /** A group failed: the queue is already dropped; the caller detaches, releases or stops. */
  failed(e: unknown): void;
  /** A group left the queue: the reader may be waiting for room. */
  moved(): void;
}

interface Queued {
  units: Unit[];
  ctx: ApplyContext;
  records: number;
  onApplied: () => void;
}

/**
 * One replica's queue of groups from the main reader, applied at the replica's own pace: the reader decodes
 * and assembles once and hands every group to each attached replica's lane, so a slow or hung replica
 * holds up only its own lane. The reader waits only for the fastest lane (replicator.ts), and a lane that
 * falls too far behind it is dropped and its replica handed to a catch-up reader: memory stays bounded.
 */
export class Lane {
  private queue: Queued[] = [];
  /** Records queued (the group in flight included). */
  records = 0;
  /** Bumped by clear(): a drain loop of an older generation stops after its apply in flight. */
  private generation = 0;
  private draining = -1;

  constructor(
    readonly sink: Sink,
    private readonly hooks: LaneHooks,
  ) {}

  push(units: Unit[], ctx: ApplyContext, onApplied: () => void): void {
    const records = units.reduce((n, u) => n + u.records.length, 0);
    this.queue.push({ units, ctx, records, onApplied });
    this.records += records;
    if (this.draining !== this.generation) void this.drain();
  }

  /** Drops every queued group; the apply in flight still commits or fails (the sink tracks it). */
  clear(): void {
    this.queue = [];
    this.records = 0;
    this.generation++;
  }

  private async drain(): Promise<void> {
    const generation = (this.draining = this.generation);
    await this.hooks.ready();
    while (generation === this.generation && this.queue.length) {
      const head = this.queue[0];
      const applying = feed(this.sink, head.units, head.ctx);
      this.sink.track(applying);
      try {
        await applying;
      } catch (e) {
        if (generation !== this.generation) return;
        this.clear();
        this.hooks.failed(e);
        return;
      }
      if (generation !== this.generation) return;
      this.queue.shift();
      this.records -= head.records;
      head.onApplied();
      this.hooks.moved();
    }
    if (generation === this.generation) this.draining = -1;
  }
}
