import type { Config, PgEndpoint } from '../config/config.ts';
import { authHeaders, connectAccess } from '../connect/client.ts';
import { usageError } from '../errors.ts';
import { requestText } from '../lib/http.ts';
import { createKafka } from '../lib/kafka-client.ts';
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
export async function brokerAnswers(config: Config, brokers = config.brokers): Promise<boolean> {
  const admin = createKafka(config, 'cqrsctl-probe', { brokers, retry: { retries: 0 }, connectionTimeout: 2000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Kafka Connect's REST root answers with its version. */
export async function connectAnswers(config: Config, url = config.connectUrl): Promise<boolean> {
  const access = connectAccess(config);
  const r = await requestText(`${url}/`, { timeoutMs: 2000, ca: access.ca, headers: authHeaders(access) });
  if (r.status === 401 || r.status === 403) throw usageError(`Kafka Connect at ${url} refused the basic-auth credentials`);
  return r.ok;
}
