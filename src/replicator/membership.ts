import { AssignerProtocol, type Admin, type Kafka, type PartitionAssigner } from 'kafkajs';
import { assignReplicas } from './assign.ts';
import { waitUntil } from '../lib/wait.ts';

export interface GroupOptions {
  topic: string;
  groupId: string;
  /** Replicas in the stack: the coordination topic has (at least) one partition each. */
  replicas: number;
  /** The replicas (0-based) this member applies to now; sent with every join, so the assignment is sticky. */
  owned: () => number[];
  /** Every assignment, the replicas this member should own from now on. */
  onAssign: (replicas: number[]) => void;
  /** The group accepted a heartbeat: this member's latest assignment is current. */
  onHeartbeat?: () => void;
  onCrash: (error: Error) => void;
}

export interface Group {
  /** Leaves the group, so the others take this member's replicas at once rather than after the session timeout. */
  stop(): Promise<void>;
}

/**
 * A killed member's replicas move after this long without its heartbeat (plus the rejoin); short, since a
 * replica without an owner falls behind meanwhile, yet well above a loaded machine's pauses.
 */
const SESSION_TIMEOUT_MS = 10_000;

/**
 * Membership of the replicators' consumer group. The division is by replica: the coordination topic has
 * one partition per replica and never carries a message; the partitions a member is assigned are the
 * replicas it applies to. The change topic itself is read by group-less readers that seek to each
 * replica's own positions, so a rebalance moves no Kafka offsets: the new owner claims the replica
 * (owner.ts) and resumes from its applied_offsets. kafkajs rebalances eagerly; the assigner below keeps
 * each member's replicas where the balance allows, so a replica kept through a rebalance never pauses.
 */
export async function joinReplicatorGroup(kafka: Kafka, admin: Admin, o: GroupOptions): Promise<Group> {
  await ensurePartitions(admin, o.topic, o.replicas);
  const consumer = kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 30_000,
    // Nothing is ever fetched: a short wait keeps the heartbeats (sent between fetches) on time.
    maxWaitTimeInMs: 500,
    partitionAssigners: [stickyReplicas(o.owned)],
    retry: { retries: 10 },
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => o.onAssign(e.payload.memberAssignment[o.topic] ?? []));
  consumer.on(consumer.events.HEARTBEAT, () => o.onHeartbeat?.());
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) o.onCrash(e.payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [o.topic] });
  await consumer.run({ autoCommit: false, eachMessage: async () => {} });
  return { stop: () => consumer.disconnect() };
}

/** One partition per replica; a stack that grew its replicas grows the topic (the broker's defaults give the cluster's replication factor). */
async function ensurePartitions(admin: Admin, topic: string, count: number): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.createTopics({ topics: [{ topic, numPartitions: count }] }).catch(() => {}); // another member may create it first
  }
  // Just created (here or by a member starting beside this one), the topic may be unknown to the broker that
  // answers for a moment: that error is retriable, and waited out.
  const meta = await waitUntil(
    `the replicators' coordination topic ${topic}`,
    async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0],
    {
      timeoutMs: 30_000,
      intervalMs: 250,
    },
  );
  if (meta.partitions.length < count) await admin.createPartitions({ topicPartitions: [{ topic, count }] }).catch(() => {});
}

const stickyReplicas =
  (owned: () => number[]): PartitionAssigner =>
  ({ cluster }) => ({
    name: 'cqrsctl-sticky-replicas',
    version: 1,
    async assign({ members, topics }) {
      const topic = topics[0];
      const partitions = cluster.findTopicPartitionMetadata(topic).length;
      const plan = assignReplicas(
        members.map((m) => ({ id: m.memberId, owned: ownedOf(m.memberMetadata) })),
        partitions,
      );
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: { [topic]: plan.get(m.memberId) ?? [] },
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'cqrsctl-sticky-replicas',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(owned())) }),
      };
    },
  });

function ownedOf(metadata: Buffer): number[] {
  try {
    const parsed: unknown = JSON.parse(AssignerProtocol.MemberMetadata.decode(metadata)?.userData.toString() || '[]');
    return Array.isArray(parsed) ? parsed.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    return [];
  }
}
