import type postgres from 'postgres';
import type { Config, PgEndpoint } from '../config/config.ts';
import { CqrsError, ExitCode, errorMessage } from '../errors.ts';
import { formatLsn } from '../pg/lsn.ts';
import { pgClient } from '../pg/client.ts';
import { prepareProgressSchema } from '../replicator/progress-schema.ts';
import { selectReplicas } from '../verify/select.ts';

/** One dead letter as a replica recorded it (cqrsctl.dead_letters), with where it came from and why. */
export interface DeadLetter {
  replica: string;
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  /** The change's leader LSN (0/16B3748), when it had one. */
  lsn: string | null;
  /** schema.table of the change; null for a message that could not be decoded. */
  table: string | null;
  /** The Kafka key: the row's primary key as Debezium sends it. */
  key: string | null;
  deadAt: string;
  replayedAt: string | null;
  /** applied (replayed and verified) or superseded (the replica already held the leader's row). */
  replayOutcome: string | null;
}

/** A letter with the event it carries (null for letters recorded before cqrsctl kept the event). */
export interface StoredLetter extends DeadLetter {
  value: string | null;
}

export interface LetterFilter {
  replicas?: string[];
  tables?: string[];
  /** Include letters already replayed. */
  all?: boolean;
}

/** `orders` means public.orders, as --table means everywhere else. */
const qualifiedTable = (name: string) => (name.includes('.') ? name : `public.${name}`);

/** The dead letters of every selected replica, oldest first. */
export async function listDeadLetters(config: Config, filter: LetterFilter): Promise<DeadLetter[]> {
  const endpoints = selectReplicas(config.replicas, filter.replicas);
  const perReplica = await Promise.all(
    endpoints.map(async (endpoint) => {
      const sql = openReplica(endpoint);
      try {
        await prepareLetters(sql, endpoint);
        return (await readLetters(sql, endpoint.name, filter)).map(({ value: _, ...letter }) => letter);
      } finally {
        await sql.end({ timeout: 2 });
      }
    }),
  );
  return perReplica.flat();
}

export const openReplica = (endpoint: PgEndpoint, connection: Record<string, string> = {}) =>
  pgClient(endpoint, { connect_timeout: 5, connection: { application_name: 'cqrsctl-dlq', ...connection } });

/** Creates (or brings up to date, on a stack an older cqrsctl started) the table the letters live in. */
export async function prepareLetters(sql: postgres.Sql, endpoint: PgEndpoint): Promise<void> {
  try {
    await prepareProgressSchema(sql);
  } catch (e) {
    throw new CqrsError(
      `cannot read the dead letters of ${endpoint.name}: ${errorMessage(e)}`,
      'Is the stack up? See `cqrsctl status`.',
      ExitCode.usage,
      {
        cause: e,
      },
    );
  }
}

/** Letters in the order the replica met them; `for update` when read by a replay that will mark them. */
export async function readLetters(
  sql: postgres.Sql | postgres.TransactionSql,
  replica: string,
  filter: LetterFilter,
  forUpdate = false,
): Promise<StoredLetter[]> {
  const tables = (filter.tables ?? []).map(qualifiedTable);
  const rows = await sql<
    {
      topic: string;
      partition: number;
      offset: string;
      reason: string;
      lsn: string | null;
      source_table: string | null;
      key: string | null;
      value: string | null;
      dead_at: Date;
      replayed_at: Date | null;
      replay_outcome: string | null;
    }[]
  >`
    select topic, partition, "offset"::text, reason, lsn::text, source_table, key, value, dead_at, replayed_at, replay_outcome
      from cqrsctl.dead_letters
     where (${filter.all ?? false} or replayed_at is null)
       and (${tables.length === 0} or source_table = any(${tables}::text[]))
     order by topic, partition, "offset"
     ${forUpdate ? sql`for update` : sql``}`;
  return rows.map((r) => ({
    replica,
    reason: r.reason,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    lsn: r.lsn === null ? null : formatLsn(BigInt(r.lsn)),
    table: r.source_table,
    key: r.key,
    deadAt: r.dead_at.toISOString(),
    replayedAt: r.replayed_at?.toISOString() ?? null,
    replayOutcome: r.replay_outcome,
    value: r.value,
  }));
}
