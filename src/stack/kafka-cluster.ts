import { brokerNodes, type BrokerNode, type Config } from '../config/config.ts';
import { errorMessage } from '../errors.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { changeTopic, deadLetterTopic, transactionTopic } from '../replicator/topics.ts';

export interface PartitionState {
  topic: string;
  partition: number;
  /** The broker id leading the partition; -1 while none does. */
  leader: number;
  replicas: number[];
  isr: number[];
}

type Node = Pick<BrokerNode, 'id' | 'name' | 'address'>;

/** The Kafka cluster as its metadata tells it: which brokers answer, who leads cqrsctl's partitions, what lacks a copy. */
export interface KafkaClusterStatus {
  brokers: { id: number; name: string; address: string; state: 'up' | 'down' }[];
  /** Every partition of the change, transaction and dead-letter topics. */
  partitions: PartitionState[];
  /** Every partition of any topic (Connect's and Kafka's own included) with fewer in-sync replicas than replicas. */
  underReplicated: PartitionState[];
  error?: string;
}

/**
 * Read from whichever broker answers; a dead one is simply missing from the cluster's own answer. The brokers
 * are the ones cqrsctl runs, or for an external cluster (a `brokers` list) those its metadata names, plus
 * any that a partition has a copy on but that does not answer (`broker-<id>`, address unknown).
 */
export async function kafkaClusterStatus(config: Config): Promise<KafkaClusterStatus> {
  const external = config.settings.brokers !== '';
  const nodes: Node[] = external ? [] : brokerNodes(config.settings);
  const admin = createKafka(config, 'cqrsctl-status', { retry: { retries: 2, initialRetryTime: 300 } }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const live = new Set(cluster.brokers.map((b) => b.nodeId));
    const { topics } = await admin.fetchTopicMetadata();
    const all = topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })),
    );
    const ours = new Set([changeTopic(config), transactionTopic(config), deadLetterTopic(config)]);
    if (external) nodes.push(...clusterNodes(cluster.brokers, all));
    return {
      brokers: nodes.map((n) => ({ id: n.id, name: n.name, address: n.address, state: live.has(n.id) ? 'up' : 'down' })),
      partitions: all.filter((p) => ours.has(p.topic)).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      underReplicated: all.filter((p) => p.isr.length < p.replicas.length),
    };
  } catch (e) {
    return {
      brokers: nodes.map((n) => ({ id: n.id, name: n.name, address: n.address, state: 'down' })),
      partitions: [],
      underReplicated: [],
      error: errorMessage(e),
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** An external cluster's nodes as its metadata tells them, with the ones holding copies but not answering. */
function clusterNodes(live: { nodeId: number; host: string; port: number }[], partitions: PartitionState[]): Node[] {
  const addresses = new Map(live.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
  const ids = new Set([...addresses.keys(), ...partitions.flatMap((p) => p.replicas)]);
  return [...ids].sort((a, b) => a - b).map((id) => ({ id, name: `broker-${id}`, address: addresses.get(id) ?? '?' }));
}
