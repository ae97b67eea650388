import type { ApplyContext } from './apply.ts';
import type { Change } from './decode.ts';
import { describe, Fenced, isBug } from './failures.ts';
import type { Broker } from './kafka.ts';
import { feed } from './lanes.ts';
import type { Sequencer } from './merge.ts';
import { groupUnits, type Unit } from './order.ts';
import type { Sink } from './sink.ts';

/** What a catch-up reader needs of the replicator. */
export interface CatchUpHost {
  broker: Broker;
  member: string;
  groupEvents: number;
  running(): boolean;
  topics(): { list: string[]; version: number };
  /** Next offset per tpKey for the replica (see Replicator.startOffsets). */
  startOffsets(sink: Sink): Map<string, bigint>;
  sequencer(topics: string[], sink: Sink, start: Map<string, bigint>): Sequencer;
  assemble(seq: Sequencer, changes: Change[], highWatermark: bigint): Unit[];
  context(): ApplyContext;
  /** Whether the replica has everything the main reader handed out; if so it is attached to it (synchronously). */
  rejoin(sink: Sink): boolean;
  release(sink: Sink, why: Fenced): void;
  crash(e: Error): void;
  log(line: string): void;
  sleep(ms: number): Promise<unknown>;
}

/**
 * A replica's own reader while it is not with the main one (it failed, fell behind, was down, or was just
 * gained from another member): claims the replica if this member has not yet, starts from the replica's
 * recorded positions, reconnects with backoff, and hands the replica back to the main reader once it has
 * caught up with it. It ends when the replica is attached again, released, or the replicator stops.
 */
export async function catchUp(host: CatchUpHost, sink: Sink): Promise<void> {
  let delay = 500;
  const mine = () => host.running() && sink.state !== 'attached' && sink.state !== 'elsewhere';
  while (mine()) {
    let reader: { stop(): Promise<void> } | undefined;
    try {
      await sink.settled();
      if (sink.epoch === null) await sink.claim(host.member);
      await sink.load();
      if (!mine()) break;
      if (sink.state === 'down') host.log(`${sink.name}: reachable again, catching up`);
      sink.state = 'catching-up';
      const { list, version } = host.topics();
      const start = host.startOffsets(sink);
      const seq = host.sequencer(list, sink, start);
      let failure: unknown;
      reader = await host.broker.startReader({
        name: `catch-up-${sink.name}`,
        topics: list,
        start,
        onBatch: async (_t, _p, changes, hw) => {
          if (sink.state !== 'catching-up' || failure) return;
          try {
            for (const group of groupUnits(host.assemble(seq, changes, hw), host.groupEvents)) await feed(sink, group, host.context());
          } catch (e) {
            failure = e;
          }
        },
        onCrash: (e) => (failure = e),
      });
      while (mine() && !failure && version === host.topics().version) {
        if (host.rejoin(sink)) break;
        await host.sleep(250);
      }
      if (failure) throw failure;
      delay = 500;
    } catch (e) {
      if (e instanceof Fenced) {
        host.release(sink, e);
        break;
      }
      if (isBug(e)) {
        host.crash(e as Error);
        return;
      }
      if (!mine()) break;
      sink.state = 'down';
      if (describe(e) !== sink.lastError) host.log(`${sink.name}: ${describe(e)}; retrying`);
      sink.lastError = describe(e);
      await host.sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    } finally {
      await reader?.stop().catch(() => {});
    }
  }
}
