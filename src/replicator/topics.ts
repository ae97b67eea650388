import type { Config } from '../config/config.ts';
import type { ChangeEvent } from './decode.ts';

/** The dead-letter topic; deliberately outside `<prefix>.` so the replicator never consumes it. */
export const deadLetterTopic = (config: Config) => `cqrsctl-dlq.${config.settings.topicPrefix}`;

/**
 * The replicators' consumer group and its coordination topic (one partition per replica, never a message;
 * see membership.ts); outside `<prefix>.` like the dead letters.
 */
export const replicatorGroup = (config: Config) => `cqrsctl-replicators.${config.settings.topicPrefix}`;

/**
 * The change topic: the connector routes every table's events into this one topic (connectors/leader-cdc.json).
 * With one partition (the default) the transaction metadata goes there too, so the topic holds the leader's
 * history in commit order, each transaction's records consecutive. The table an event belongs to is read from its `source`
 * block.
 */
export const changeTopic = (config: Config) => `${config.settings.topicPrefix}.changes`;

/**
 * Debezium's transaction topic. With one partition the connector routes it into the change topic too; with
 * several (setting `partitions`) the change topic is spread by key and this topic, of one partition, keeps
 * every transaction's BEGIN and END in commit order: the merger's spine (merge.ts).
 */
export const transactionTopic = (config: Config) => `${config.settings.topicPrefix}.transaction`;

/**
 * Leader tables in schema cqrsctl are cqrsctl's own bookkeeping (the heartbeat, the migrations record, the
 * schema-change log): their events advance positions but write no rows, because the cqrsctl schema on
 * replicas holds the replicator's state instead. Schema changes are applied by their own path.
 */
export const isInternalTable = (schema: string) => schema === 'cqrsctl';

/** A row of cqrsctl.schema_changes: the leader's captured catalog after one DDL command (see stack/schema-capture.ts). */
export const isSchemaChange = (e: ChangeEvent) => e.schema === 'cqrsctl' && e.table === 'schema_changes' && (e.op === 'c' || e.op === 'r');

/** A chunk of a rewritten table's rows, shipped with the DDL that rewrote it. */
export const isRewriteChunk = (e: ChangeEvent) => e.schema === 'cqrsctl' && e.table === 'rewrite_rows' && e.op === 'c';

export const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
