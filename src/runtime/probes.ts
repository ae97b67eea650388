import { Kafka, logLevel } from 'kafkajs';
import type { PgEndpoint } from '../config/config.ts';
import { debug } from '../lib/debug.ts';
import { pgClient } from '../pg/client.ts';

/** `select 1` on the service's own database (or `postgres` before it exists). */
export async function pgAnswers(e: PgEndpoint, database = e.database): Promise<boolean> {
  const sql = pgClient(e, { database, connect_timeout: 2 });
  try {
    await sql`select 1`;
    return true;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The broker answers a metadata request and reports a controller. */
export async function brokerAnswers(brokers: string[]): Promise<boolean> {
  debug(`Kafka admin (probe) for ${brokers.join(',')}`);
  const admin = new Kafka({
    brokers,
    clientId: 'cqrsctl-probe',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Kafka Connect's REST root answers with its version. */
export async function connectAnswers(url: string): Promise<boolean> {
  const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
  return r.ok;
}
