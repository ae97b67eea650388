import type { Admin } from 'kafkajs';
import type { Config } from '../config/config.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { DeadLetters } from './dlq.ts';
import { joinReplicatorGroup, type Group, type GroupOptions } from './membership.ts';
import { startReader, type Reader, type ReaderOptions } from './reader.ts';
import { changeTopic, deadLetterTopic, replicatorGroup, tpKey, transactionTopic } from './topics.ts';

/** The change topic and, when it has partitions of its own, the transaction topic, as far as they exist yet. */
export async function changeTopics(admin: Admin, config: Config): Promise<string[]> {
  const exist = new Set(await admin.listTopics());
  return [changeTopic(config), transactionTopic(config)].filter((t) => exist.has(t));
}

/** Log-end offset (the next offset to be written) of every partition of the topics, by tpKey. */
export async function logEnds(admin: Admin, topics: string[]): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  const all = await Promise.all(topics.map(async (t) => ({ t, offsets: await admin.fetchTopicOffsets(t) })));
  for (const { t, offsets } of all) for (const o of offsets) ends.set(tpKey(t, o.partition), BigInt(o.high));
  return ends;
}

/** What the replicator needs of the broker (kafkaBroker; a fake in unit tests). */
export interface Broker {
  connect(): Promise<void>;
  /** The change topics (see changeTopics). */
  changeTopics(): Promise<string[]>;
  logEnds(topics: string[]): Promise<Map<string, bigint>>;
  startReader(o: ReaderOptions): Promise<Reader>;
  /** Joins the replicators' group (membership.ts); resolves once joining has begun, assignments come through onAssign. */
  joinGroup(o: Omit<GroupOptions, 'topic' | 'groupId'>): Promise<Group>;
  deadLetters: Pick<DeadLetters, 'send'>;
  disconnect(): Promise<void>;
}

/** The replicator's broker: one kafkajs client for its admin calls, its readers and the dead-letter producer. */
export function kafkaBroker(config: Config): Broker {
  const kafka = createKafka(config, 'cqrsctl-replicator');
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  return {
    async connect() {
      await admin.connect();
      await producer.connect();
      // The broker's defaults give it the cluster's replication factor and min.insync.replicas.
      await admin.createTopics({ topics: [{ topic: deadLetterTopic(config), numPartitions: 1 }] }).catch(() => {});
    },
    changeTopics: () => changeTopics(admin, config),
    logEnds: (topics) => logEnds(admin, topics),
    startReader: (o) => startReader(kafka, o),
    joinGroup: (o) => joinReplicatorGroup(kafka, admin, { ...o, topic: replicatorGroup(config), groupId: replicatorGroup(config) }),
    deadLetters: new DeadLetters(producer, deadLetterTopic(config)),
    async disconnect() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}
