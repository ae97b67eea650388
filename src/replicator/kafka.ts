import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Config } from '../config/config.ts';
import { changeTopic, tpKey } from './topics.ts';

export const createKafka = (config: Config, clientId: string) =>
  new Kafka({ brokers: config.brokers, clientId, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 300 } });

/** The change topic, once the connector has created it (an empty list before). */
export async function changeTopics(admin: Admin, config: Config): Promise<string[]> {
  const topic = changeTopic(config);
  return (await admin.listTopics()).includes(topic) ? [topic] : [];
}

/** Log-end offset (the next offset to be written) of every partition of the topics, by tpKey. */
export async function logEnds(admin: Admin, topics: string[]): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  const all = await Promise.all(topics.map(async (t) => ({ t, offsets: await admin.fetchTopicOffsets(t) })));
  for (const { t, offsets } of all) for (const o of offsets) ends.set(tpKey(t, o.partition), BigInt(o.high));
  return ends;
}
