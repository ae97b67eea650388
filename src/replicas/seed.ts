import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { Config, PgEndpoint } from '../config/config.ts';
import { captureScope } from '../config/scope.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { fromBoundary } from '../lib/boundary.ts';
import { pgClient } from '../pg/client.ts';
import { exportSnapshot } from '../pg/export-snapshot.ts';
import { formatLsn } from '../pg/lsn.ts';
import type { Progress } from '../progress.ts';
import { qualify } from '../replicator/catalog.ts';
import { prepareProgressSchema, recordPosition, recordSchemaState, takeApplyLock } from '../replicator/progress-schema.ts';
import { EMPTY_SNAPSHOT } from '../replicator/schema/diff.ts';
import { readSnapshot, type Snapshot } from '../replicator/schema/snapshot.ts';
import { definitionRepair } from '../verify/definitions.ts';
import { normalizedSession } from '../verify/session.ts';
import { findResumePoint } from './find-resume.ts';
import { parseXidSnapshot, visibleIn, type ResumePoint } from './resume-point.ts';

export interface SeedReport {
  replica: string;
  /** The leader WAL position the copy is consistent at. */
  point: string;
  topic: string;
  /** The first offset of `topic` the replicator applies to the replica after the copy. */
  resumeOffset: string;
  /** With several change partitions (`topic` is then the transaction topic): each one's first offset to apply. */
  partitions: { topic: string; partition: number; offset: string }[];
  /** The leader's schema change the copied definitions are (cqrsctl.schema_changes id). */
  schemaChangeId: number;
  tables: { table: string; rows: number }[];
  rows: number;
  /** DDL run to give the replica the leader's definitions. */
  definitions: string[];
  /** Definitions that could not be expressed (named, as verify --repair names them). */
  unsupported: string[];
  /** Pending dead letters of the replica, settled by the copy (marked superseded). */
  deadLettersSettled: number;
  ms: number;
}

/**
 * Replaces everything a replica holds of the leader by a copy of the leader as of one consistent snapshot,
 * and sets its position so the replicator streams on from exactly that point: definitions, rows,
 * cqrsctl.schema_state, applied_offsets and watermark all change in ONE replica transaction under the apply
 * lock, so a failure leaves the replica as it was and a running replicator never interleaves (it finds its
 * position moved, re-reads it and goes on from there). Needs no old events: it works after Kafka's retention
 * has deleted them. The leader is only read (a REPEATABLE READ transaction on the exported snapshot).
 */
export async function seedReplica(config: Config, replica: PgEndpoint, progress: Progress): Promise<SeedReport> {
  const started = Date.now();
  const scope = captureScope(config.settings);
  const session = { connection: { ...normalizedSession, application_name: 'cqrsctl-seed' } };
  const target = pgClient(replica, { ...session, connect_timeout: 10 });
  const leader = pgClient(config.leader, session);
  const on = async <T>(endpoint: PgEndpoint, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw fromBoundary(e, `${endpoint.name} (${endpoint.host}:${endpoint.port})`) ?? e;
    }
  };
  const scan = new AbortController();
  try {
    await on(replica, () => prepareProgressSchema(target));
    return await on(replica, () =>
      target.begin(async (rtx) => {
        // The lock comes before the snapshot: whatever the replicator applied to the old content (and may still
        // base a watermark on) then committed before the snapshot's point, so it is all in the copy too.
        await takeApplyLock(rtx);
        const snapshot = await progress.step('Taking a consistent snapshot of the leader', () =>
          on(config.leader, () => exportSnapshot(config.leader)),
        );
        const resume = findResumePoint(config, snapshot.point, snapshot.takenAtMs, scan.signal);
        resume.catch(() => {}); // awaited below; a failure before then must not go unhandled
        try {
          const copied = await on(config.leader, () =>
            leader.begin('isolation level repeatable read read only', async (ltx) => {
              await ltx.unsafe(`set transaction snapshot '${snapshot.name}'`);
              const [{ xids }] = await ltx<{ xids: string }[]>`select pg_current_snapshot()::text as xids`;
              // c.id: a bare "id" would order by the text output column ("9" after "10").
              const [change] = await ltx<{ id: string; snapshot: Snapshot }[]>`
                select c.id::text, c.snapshot from cqrsctl.schema_changes c order by c.id desc limit 1`;
              const schema = { changeId: change ? Number(change.id) : 0, snapshot: change?.snapshot ?? EMPTY_SNAPSHOT };
              const ddl = await on(replica, async () => replaceDefinitions(rtx, schema.snapshot, await readSnapshot(rtx, scope)));
              const tables = await progress.step(`Copying the leader's tables into ${replica.name}`, (update) =>
                copyTables(ltx, rtx, schema.snapshot, update),
              );
              return { xids, schema, ddl, tables };
            }),
          );
          const { schema, ddl, tables } = copied;
          const found = await progress.step(`Finding where the change stream goes on after ${formatLsn(snapshot.point)}`, () => resume);
          checkAgainstSnapshot(found, parseXidSnapshot(copied.xids));
          await assertNoSchemaChangeSince(config, schema.changeId);
          const at = { lsn: found.last?.commitLsn ?? snapshot.point, tsMs: found.last?.tsMs ?? null };
          await Promise.all([
            rtx`delete from cqrsctl.applied_offsets`.then(() =>
              Promise.all(
                [{ topic: found.topic, partition: 0, offset: found.offset }, ...found.tails].map((p) =>
                  recordPosition(rtx, p.topic, p.partition, { ...at, offset: p.offset - 1n }),
                ),
              ),
            ),
            recordSchemaState(rtx, schema),
            // Every transaction whose commit ends at or before the point is in the copy (see watermark.ts).
            rtx`insert into cqrsctl.watermark (id, lsn, updated_at) values (1, ${snapshot.point.toString()}, now())
                on conflict (id) do update set lsn = excluded.lsn, updated_at = now()`,
          ]);
          const settled = await rtx`
            update cqrsctl.dead_letters set replayed_at = now(), replay_outcome = 'superseded' where replayed_at is null`;
          return {
            replica: replica.name,
            point: formatLsn(snapshot.point),
            topic: found.topic,
            resumeOffset: found.offset.toString(),
            partitions: found.tails.map((t) => ({ ...t, offset: t.offset.toString() })),
            schemaChangeId: schema.changeId,
            tables,
            rows: tables.reduce((n, t) => n + t.rows, 0),
            definitions: ddl.statements,
            unsupported: ddl.unsupported,
            deadLettersSettled: settled.count,
            ms: Date.now() - started,
          };
        } finally {
          scan.abort();
          await resume.catch(() => {});
          await snapshot.close();
        }
      }),
    );
  } finally {
    await Promise.allSettled([target.end({ timeout: 5 }), leader.end({ timeout: 5 })]);
  }
}

/**
 * Empties the replica's captured tables, then makes its definitions the copied ones exactly as verify
 * --repair does (objects matched by name; what exists and differs is altered, the rest dropped or created).
 */
async function replaceDefinitions(tx: postgres.TransactionSql, want: Snapshot, have: Snapshot) {
  if (have.tables.length) await tx.unsafe(`truncate table ${have.tables.map((t) => qualify(t.schema, t.name)).join(', ')}`);
  const ddl = definitionRepair(want, have);
  for (const statement of ddl.statements) await tx.unsafe(statement);
  return ddl;
}

/** COPY of every captured table (leaves of partitioned ones; generated columns are computed by the replica). */
async function copyTables(
  from: postgres.TransactionSql,
  to: postgres.TransactionSql,
  schema: Snapshot,
  update: (detail: string) => void,
): Promise<{ table: string; rows: number }[]> {
  const tables = schema.tables.filter((t) => t.kind === 'table');
  const out: { table: string; rows: number }[] = [];
  let total = 0;
  for (const [i, t] of tables.entries()) {
    const name = `${t.schema}.${t.name}`;
    const columns = t.columns
      .filter((c) => c.generated === null)
      .map((c) => `"${c.name.replace(/"/g, '""')}"`)
      .join(', ');
    let rows = 0;
    const show = () =>
      update(`${name} (${i + 1}/${tables.length}): ${rows.toLocaleString('en')} rows, ${(total + rows).toLocaleString('en')} in all`);
    show();
    // Text COPY: each row ends with a newline (newlines inside values are escaped), so counting them counts rows.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        for (let k = chunk.indexOf(10); k !== -1; k = chunk.indexOf(10, k + 1)) rows++;
        if (rows % 50_000 < 500) show();
        done(null, chunk);
      },
    });
    const qualified = qualify(t.schema, t.name);
    const source = await from.unsafe(`copy (select ${columns} from only ${qualified}) to stdout`).readable();
    await pipeline(source, counter, await to.unsafe(`copy ${qualified} (${columns}) from stdin`).writable());
    // Workaround: postgres.js (3.4) pauses the socket when a pushed chunk fills the COPY stream's buffer and
    // resumes it only from the stream's read(), which Node never calls after the end was pushed; a COPY that
    // ends on such a chunk leaves the connection paused and the next query waits forever. One read() resumes it.
    (source as unknown as { _read(n: number): void })._read(0);
    total += rows;
    out.push({ table: name, rows });
    show();
  }
  return out;
}

/**
 * The topic's view must agree with the snapshot's own: the last transaction before the resume point is
 * visible in it, the first one after is not. Two independent ways to the same boundary (commit LSN and xid
 * visibility); should they ever disagree, nothing is committed.
 */
function checkAgainstSnapshot(found: ResumePoint, xids: ReturnType<typeof parseXidSnapshot>): void {
  const wrong = visibleIn(xids, found.first.xid)
    ? `transaction ${found.first.xid} (commit ${formatLsn(found.first.commitLsn)}) is in the snapshot`
    : found.last && !visibleIn(xids, found.last.xid)
      ? `transaction ${found.last.xid} (commit ${formatLsn(found.last.commitLsn)}) is not in the snapshot`
      : undefined;
  if (wrong)
    throw new CqrsError(
      `the change topic does not match the leader's snapshot: ${wrong}`,
      'Nothing was changed. Report this with `--debug` output.',
      ExitCode.failed,
    );
  if (!found.clean)
    throw new CqrsError(
      `the change topic no longer holds the beginning of transaction ${found.first.xid}, the first one after the snapshot (retention deleted it)`,
      'Nothing was changed; run the command again.',
      ExitCode.failed,
      { retriable: true },
    );
}

/**
 * A table rewritten by DDL that committed after the snapshot can look empty or changed to it (such DDL is
 * not MVCC-safe), so a copy that overlapped a schema change is not kept. Checked once every table is read:
 * DDL on a table already read waits for this transaction's lock, DDL on the others has committed by now.
 */
async function assertNoSchemaChangeSince(config: Config, changeId: number): Promise<void> {
  const now = pgClient(config.leader);
  try {
    const [row] = await now<{ id: string | null }[]>`select max(id)::text as id from cqrsctl.schema_changes`;
    if (Number(row.id ?? 0) > changeId)
      throw new CqrsError(
        'the leader changed its schema while the tables were being copied',
        'Nothing was changed; run the command again (it takes a new snapshot).',
        ExitCode.failed,
        { retriable: true },
      );
  } finally {
    await now.end({ timeout: 1 });
  }
}
