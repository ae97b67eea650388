import { replication, type Config } from '../config/config.ts';
import { flagName } from '../config/settings.ts';
import { conditionFailed } from '../errors.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { changeTopic, transactionTopic } from '../replicator/topics.ts';

/**
 * With `partitions` above 1, creates the change topic with that many partitions and the transaction topic
 * with one (the order of commits) before the connector writes: the connector's own topic creation would
 * give the transaction topic the same count. Returns the layout of a change topic that exists already with
 * another one (keys would move between partitions, and the replicator reads the layout from the topics),
 * for the caller to refuse; undefined when the topics are as asked.
 */
export async function prepareChangeTopics(config: Config): Promise<{ partitions: number; spread: boolean } | undefined> {
  const want = config.settings.partitions;
  const admin = createKafka(config, 'cqrsctl-topics').admin();
  await admin.connect();
  try {
    const topic = changeTopic(config);
    const exists = new Set(await admin.listTopics());
    if (exists.has(topic)) {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const found = { partitions: meta.partitions.length, spread: exists.has(transactionTopic(config)) };
      return found.partitions === want && found.spread === want > 1 ? undefined : found;
    }
    if (want === 1) return undefined;
    // -1: an external cluster's brokers decide the copies (default.replication.factor).
    const replicationFactor = config.settings.brokers ? -1 : replication(config.settings).factor;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: want, replicationFactor },
        { topic: transactionTopic(config), numPartitions: 1, replicationFactor },
      ],
    });
    return undefined;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export const partitionsMismatch = (config: Config, found: { partitions: number; spread: boolean }) =>
  conditionFailed(
    `the change topic ${changeTopic(config)} has ${found.partitions} partition${found.partitions === 1 ? '' : 's'}${found.partitions > 1 && !found.spread ? ' and no transaction topic' : ''}; ${flagName('partitions')} ${config.settings.partitions} cannot apply to it`,
    `Partitions are chosen when the stack is made: leave ${flagName('partitions')} out (the stack now records ${found.partitions}), or start anew with \`cqrsctl down --purge\` (it deletes the data).`,
  );
