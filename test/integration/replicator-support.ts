import assert from 'node:assert/strict';
import postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { pgClient } from '../../src/pg/client.ts';
import type { Config } from '../../src/config/config.ts';
import { appliedThrough } from '../../src/replicator/watermark.ts';
import { deadLetters, schemaDump } from '../helpers/catalog-oracle.ts';
import { cli } from '../helpers/cli.ts';
import { appPid } from '../../src/stack/apps.ts';

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
    if (Date.now() - started > timeoutMs)
      throw new Error(`replicas did not apply through ${t} within ${timeoutMs} ms (at ${w.join(', ')})`);
    await sleep(200);
  }
}

/** count and an ordered md5 of every row's text: equal on two databases means equal tables. */
export async function fingerprint(sql: postgres.Sql, qualified: string, orderBy: string): Promise<string> {
  const [r] = await sql.unsafe(
    `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by ${orderBy})), '') as f from ${qualified} t`,
  );
  return r.f as string;
}

export async function fingerprints(dbs: ReturnType<typeof databases>, qualified: string, orderBy: string): Promise<string[]> {
  return Promise.all([dbs.leader, ...dbs.replicas].map((s) => fingerprint(s, qualified, orderBy)));
}

/**
 * Every replica holds exactly the leader's definitions and rows of the schema (independent catalog check),
 * and no dead letter was recorded since `since` (other tests make some on purpose).
 */
export async function assertSchemaMirrored(
  dbs: ReturnType<typeof databases>,
  schema: string,
  label: string,
  since: Date,
  timeoutMs = 120_000,
): Promise<void> {
  await waitApplied(dbs.leader, dbs.replicas, timeoutMs);
  const ours = await schemaDump(dbs.leader, schema);
  for (const [i, replica] of dbs.replicas.entries()) {
    const theirs = await schemaDump(replica, schema);
    assert.equal(theirs.definitions, ours.definitions, `replica-${i + 1}: definitions of ${schema} differ after "${label}"`);
    assert.deepEqual(theirs.rows, ours.rows, `replica-${i + 1}: rows of ${schema} differ after "${label}"`);
    assert.deepEqual(await deadLetters(replica, since), [], `replica-${i + 1}: dead letters after "${label}"`);
  }
}

const ACCOUNTS = 50;
const TOTAL = ACCOUNTS * 2 * 1000;

/**
 * The atomicity workload: three writers move money between a row of one table and a row of another, one
 * leader transaction each, while one reader per replica reads both tables' totals in one statement —
 * a total other than the constant is a state the leader never had. Runs until `during` resolves.
 */
export async function transfersWhile(dbs: ReturnType<typeof databases>, during: () => Promise<void>) {
  const bank = uniqueName('bank');
  await dbs.leader.unsafe(`
    create schema ${bank};
    create table ${bank}.a (id int primary key, balance bigint not null);
    create table ${bank}.b (id int primary key, balance bigint not null);
    insert into ${bank}.a select g, 1000 from generate_series(1, ${ACCOUNTS}) g;
    insert into ${bank}.b select g, 1000 from generate_series(1, ${ACCOUNTS}) g`);
  let writing = true;
  let transfers = 0;
  const writers = [0, 1, 2].map(async () => {
    while (writing) {
      const [from, to] = Math.random() < 0.5 ? ['a', 'b'] : ['b', 'a'];
      const amount = 1 + Math.floor(Math.random() * 50);
      const ok = await dbs.leader
        .begin(async (tx) => {
          await tx.unsafe(
            `update ${bank}.${from} set balance = balance - ${amount} where id = ${1 + Math.floor(Math.random() * ACCOUNTS)}`,
          );
          await tx.unsafe(`update ${bank}.${to} set balance = balance + ${amount} where id = ${1 + Math.floor(Math.random() * ACCOUNTS)}`);
        })
        .then(
          () => true,
          (e) => {
            // Concurrent transfers can deadlock on the leader; PostgreSQL rolls one back, which is no transfer at all.
            if (e.code !== '40P01') throw e;
            return false;
          },
        );
      if (ok) transfers++;
    }
  });
  const reads = { total: 0, torn: [] as string[] };
  const readers = dbs.replicas.map(async (replica, i) => {
    while (writing) {
      const [r] = await replica
        .unsafe(
          `
        select (select count(*) from ${bank}.a) + (select count(*) from ${bank}.b) as n,
               (select coalesce(sum(balance), 0) from ${bank}.a) + (select coalesce(sum(balance), 0) from ${bank}.b) as total`,
        )
        .catch(() => [{ n: '0', total: '0' }]);
      if (Number(r.n) === 0) continue; // the tables are not there yet
      reads.total++;
      if (Number(r.n) !== ACCOUNTS * 2 || Number(r.total) !== TOTAL) reads.torn.push(`replica-${i + 1}: ${r.n} rows, total ${r.total}`);
    }
  });
  try {
    await during();
  } finally {
    writing = false;
    await Promise.all([...writers, ...readers]);
  }
  return { bank, transfers, reads };
}

/**
 * What transfersWhile saw, checked: enough transfers and reads for the check to mean something, and no read
 * of a state the leader never had.
 */
export function assertNoTornReads(
  t: { diagnostic(line: string): void },
  { transfers, reads }: Awaited<ReturnType<typeof transfersWhile>>,
  least: { transfers: number; reads: number },
): void {
  t.diagnostic(`${transfers} transfers, ${reads.total} reads of the replicas, ${reads.torn.length} torn`);
  assert.ok(transfers > least.transfers, `only ${transfers} transfers were written`);
  assert.ok(reads.total > least.reads, `only ${reads.total} reads of the replicas`);
  assert.deepEqual(reads.torn, [], `${reads.torn.length} of ${reads.total} reads saw a state the leader never had`);
}

/** kill -9 of the detached replicator, then `up --detach` starts a new one, which resumes from the replicas' records. */
export async function killReplicator(config: Config): Promise<void> {
  const pid = appPid(config, 'replicator');
  assert.ok(pid, 'the detached replicator runs');
  process.kill(pid, 'SIGKILL');
  await sleep(300);
  const r = await cli(['up', '--detach']);
  assert.equal(r.exitCode, 0, r.stderr);
}
