import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import type { Config } from '../../src/config/config.ts';
import { pgClient } from '../../src/pg/client.ts';
import { appliedThrough } from '../../src/writeapi/replica-position.ts';
import { parseLsn } from '../../src/pg/lsn.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

let config: Config;
let leader: postgres.Sql;
let replicas: postgres.Sql[];
const connect = (e: Config['leader']) => pgClient(e, { connection: { TimeZone: 'UTC' } });

/**
 * An ordered digest of every row of a demo table, independent of the replicator's and verify-replicas' code:
 * columns named in the leader's order, rows in primary-key order, values as PostgreSQL prints them.
 */
async function digest(sql: postgres.Sql, table: string, columns: string[], key: string): Promise<{ rows: number; md5: string }> {
  const [r] = await sql.unsafe(
    `select count(*)::int as rows, coalesce(md5(string_agg(row(${columns.join(', ')})::text, E'\\n' order by ${key})), '') as md5 from public.${table}`,
  );
  return { rows: r.rows, md5: r.md5 };
}

before(async () => {
  config = await ensureStack();
  leader = connect(config.leader);
  replicas = config.replicas.map(connect);
});
after(() => Promise.all([leader, ...replicas].map((s) => s.end())));

describe('simulate', () => {
  it('2000 commands through the API leave every replica equal to the leader', { timeout: 300_000 }, async () => {
    const r = await cli(['simulate', '--count', '2000', '--via', 'api', '--rate', '0', '--concurrency', '16', '--seed', '2024', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.ops.total, 2000);
    assert.equal(summary.ops.errors, 0);
    assert.ok(summary.byKind.length >= 7, 'a mix of commands ran');

    const [{ lsn }] = await leader`select pg_current_wal_lsn()::text as lsn`;
    const target = parseLsn(lsn)!;
    for (const [i, replica] of replicas.entries()) {
      const deadline = Date.now() + 120_000;
      while ((await appliedThrough(replica)) < target) {
        assert.ok(Date.now() < deadline, `${config.replicas[i].name} did not reach ${lsn} within 120 s`);
        await sleep(200);
      }
    }
    for (const [table, key] of [
      ['customers', 'id'],
      ['products', 'id'],
      ['orders', 'id'],
      ['order_items', 'order_id, line_no'],
    ]) {
      const columns = (
        await leader<{ name: string }[]>`
        select quote_ident(column_name) as name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} order by ordinal_position`
      ).map((c) => c.name);
      const expected = await digest(leader, table, columns, key);
      assert.ok(expected.rows > 0, `${table} has rows`);
      for (const [i, replica] of replicas.entries()) {
        assert.deepEqual(await digest(replica, table, columns, key), expected, `${config.replicas[i].name} ${table}`);
      }
    }
  });

  it('--check-reads reads every write back with its token and finds none stale', { timeout: 120_000 }, async () => {
    const r = await cli(['simulate', '--count', '150', '--rate', '0', '--concurrency', '16', '--check-reads', '--json']);
    assert.equal(r.exitCode, 0, `${r.stderr}\n${r.stdout}`);
    const { reads } = JSON.parse(r.stdout);
    assert.deepEqual(
      { checked: reads.checked, fresh: reads.fresh, stale: reads.stale, unavailable: reads.unavailable },
      { checked: 150, fresh: 150, stale: 0, unavailable: 0 },
    );
  });

  it('refuses with exit 2 and a hint when the stack is not up', async () => {
    const port = await freePort();
    // A state dir of its own: the stack's own would (rightly) refuse a leader port it does not run with.
    const home = mkdtempSync(join(tmpdir(), 'cqrsctl-sim-'));
    const r = await cli(['simulate', '--count', '10'], { env: { CQRSCTL_HOME: home, CQRSCTL_LEADER_PORT: String(port) } });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, new RegExp(`the stack is not up: the leader at [^ ]+:${port} does not answer`));
    assert.match(r.stderr, /hint: Start it with `cqrsctl up --detach`/);
  });
});

/** A port nothing listens on: bound by us for a moment, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}
