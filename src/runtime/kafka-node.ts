import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replication } from '../config/config.ts';
import type { Settings } from '../config/settings.ts';

/**
 * The broker settings that size every topic to the cluster cqrsctl runs (see `replication`): Kafka's own
 * topics need as many brokers as their replication factor or they are never created.
 */
export function replicationProperties(s: Settings): [key: string, value: string][] {
  const { factor, minInsync } = replication(s);
  return [
    ['default.replication.factor', String(factor)],
    ['min.insync.replicas', String(minInsync)],
    ['offsets.topic.replication.factor', String(factor)],
    ['transaction.state.log.replication.factor', String(factor)],
    ['transaction.state.log.min.isr', String(minInsync)],
    ['share.coordinator.state.topic.replication.factor', String(factor)],
    ['share.coordinator.state.topic.min.isr', String(minInsync)],
  ];
}

/**
 * The id every node of a cluster is formatted with, kept in the state dir so a node formatted later (its
 * data removed) joins the same cluster. A single node needs no record.
 */
export function clusterId(home: string, nodes: number): string {
  if (nodes === 1) return newClusterId();
  const file = join(home, 'kafka-cluster-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = newClusterId();
  mkdirSync(home, { recursive: true });
  writeFileSync(file, id + '\n');
  return id;
}

/**
 * A Kafka cluster id as `kafka-storage random-uuid` makes one (16 random bytes, base64url), made here to
 * save a JVM start on a cold `up`; Kafka refuses ids that begin with a dash.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
