import assert from 'node:assert/strict';
import postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { pgClient } from '../../src/pg/client.ts';
import type { Config } from '../../src/config/config.ts';
import { appliedThrough } from '../../src/replicator/watermark.ts';
import { deadLetters, schemaDump } from '../helpers/catalog-oracle.ts';

/** Shared by the replicator-*.test.ts files: clients on every database and the equality checks. */
export function databases(config: Config) {
  const open = (e: Config['leader']) => pgClient(e, { max: 2 });
  const leader = open(config.leader);
  const replicas = config.replicas.map(open);
  return { leader, replicas, end: () => Promise.all([leader, ...replicas].map((s) => s.end({ timeout: 2 }))) };
}

export const uniqueName = (base: string) => `${base}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e4)}`;

/** The leader's WAL position now: the read-your-writes token a writer would get. */
export async function token(leader: postgres.Sql): Promise<bigint> {
  const [r] = await leader`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint::text as lsn`;
  return BigInt(r.lsn);
}

/** Waits until every replica's appliedThrough passes the token (the contract verify --wait and the API use). */
export async function waitApplied(leader: postgres.Sql, replicas: postgres.Sql[], timeoutMs = 60_000): Promise<number> {
  const t = await token(leader);
  const started = Date.now();
  for (;;) {
    const w = await Promise.all(replicas.map((r) => appliedThrough(r)));
    if (w.every((x) => x >= t)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`replicas did not apply through ${t} within ${timeoutMs} ms (at ${w.join(', ')})`);
    await sleep(200);
  }
}

/** count and an ordered md5 of every row's text: equal on two databases means equal tables. */
export async function fingerprint(sql: postgres.Sql, qualified: string, orderBy: string): Promise<string> {
  const [r] = await sql.unsafe(`select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by ${orderBy})), '') as f from ${qualified} t`);
  return r.f as string;
}

export async function fingerprints(dbs: ReturnType<typeof databases>, qualified: string, orderBy: string): Promise<string[]> {
  return Promise.all([dbs.leader, ...dbs.replicas].map((s) => fingerprint(s, qualified, orderBy)));
}

/**
 * Every replica holds exactly the leader's definitions and rows of the schema (independent catalog check),
 * and no dead letter was recorded since `since` (other tests make some on purpose).
 */
export async function assertSchemaMirrored(dbs: ReturnType<typeof databases>, schema: string, label: string, since: Date, timeoutMs = 120_000): Promise<void> {
  await waitApplied(dbs.leader, dbs.replicas, timeoutMs);
  const ours = await schemaDump(dbs.leader, schema);
  for (const [i, replica] of dbs.replicas.entries()) {
    const theirs = await schemaDump(replica, schema);
    assert.equal(theirs.definitions, ours.definitions, `replica-${i + 1}: definitions of ${schema} differ after "${label}"`);
    assert.deepEqual(theirs.rows, ours.rows, `replica-${i + 1}: rows of ${schema} differ after "${label}"`);
    assert.deepEqual(await deadLetters(replica, since), [], `replica-${i + 1}: dead letters after "${label}"`);
  }
}
