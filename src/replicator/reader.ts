import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { decode, type Change } from './decode.ts';

export interface ReaderOptions {
  name: string;
  topics: string[];
  /** Next offset to read per topic-partition (tpKey); partitions not listed start at the earliest offset. */
  start: Map<string, bigint>;
  /** `heartbeat` keeps the reader's group membership while a batch waits (a member silent past its session is dropped and its records handed out again). */
  onBatch: (topic: string, partition: number, changes: Change[], highWatermark: bigint, heartbeat: () => Promise<void>) => Promise<void>;
  onCrash: (error: Error) => void;
}

export interface Reader {
  /** Stops after the batch in flight. */
  stop(): Promise<void>;
}

/**
 * A kafkajs consumer over a fixed topic list that starts exactly where the replicas say (seek at group
 * join, before the first fetch) rather than at Kafka's committed offsets, which it never commits. Its
 * group id is new on every start: a fixed one would make a restart after kill -9 wait out the dead
 * member's session (30 s) before partitions are assigned; with our own positions we need nothing the
 * group would remember.
 */
export async function startReader(kafka: Kafka, o: ReaderOptions): Promise<Reader> {
  const consumer: Consumer = kafka.consumer({
    groupId: `cqrsctl-${o.name}-${randomUUID()}`,
    maxBytesPerPartition: 8 << 20,
    maxBytes: 32 << 20,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    // After a broker dies, its partitions' new leaders are learnt from fresh metadata: kafkajs keeps metadata
    // for five minutes and retries the dead broker with backoff growing to 30 s, which stalled the reader for
    // over two minutes at 1,000 writes/s (bench/cluster-lag.ts).
    metadataMaxAge: 5_000,
    retry: { retries: 10, maxRetryTime: 2_000 },
  });
  // A rejoin (the group's coordinator moved with a dead broker, say) makes kafkajs forget its positions: go on
  // after what was handed out rather than from the start again.
  const next = new Map(o.start);
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = next.get(`${topic}\u0000${partition}`);
        if (offset !== undefined) consumer.seek({ topic, partition, offset: offset.toString() });
      }
    }
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) o.onCrash(e.payload.error);
  });
  await consumer.connect();
  if (o.topics.length) await consumer.subscribe({ topics: o.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const changes: Change[] = batch.messages.map((m) => decode(batch.topic, batch.partition, m));
      await o.onBatch(batch.topic, batch.partition, changes, BigInt(batch.highWatermark), heartbeat);
      next.set(`${batch.topic}\u0000${batch.partition}`, changes[changes.length - 1].offset + 1n);
      await heartbeat();
    },
  });
  return { stop: () => consumer.disconnect() };
}
