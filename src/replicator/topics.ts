import type { Config } from '../config/config.ts';

/** The dead-letter topic; deliberately outside `<prefix>.` so the replicator never consumes it. */
export const deadLetterTopic = (config: Config) => `cqrsctl-dlq.${config.settings.topicPrefix}`;

/**
 * Debezium's table topics: `<prefix>.<schema>.<table>`. Debezium replaces characters Kafka does not allow
 * in topic names (spaces, `;`, …), so the table an event belongs to is read from its `source` block,
 * never from the topic name. `<prefix>.transaction` carries transaction metadata, not rows.
 */
export function isTableTopic(config: Config, topic: string): boolean {
  const prefix = `${config.settings.topicPrefix}.`;
  return topic.startsWith(prefix) && topic !== `${prefix}transaction` && topic.split('.').length >= 3;
}

/**
 * Leader tables in schema cqrsctl (the heartbeat Debezium's heartbeat query writes every second, the
 * migrations record) are cqrsctl's own bookkeeping: their events advance progress and lag but write no
 * rows, because the cqrsctl schema on replicas holds the replicator's state instead.
 */
export const isInternalTable = (schema: string) => schema === 'cqrsctl';

export const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
export const splitTpKey = (key: string) => {
  const [topic, partition] = key.split('\u0000');
  return { topic, partition: Number(partition) };
};
