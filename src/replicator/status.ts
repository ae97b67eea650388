import type { Config, PgEndpoint } from '../config/config.ts';
import { errorMessage } from '../errors.ts';
import { pgClient } from '../pg/client.ts';
import { logEnds, changeTopics } from './kafka.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { readPositions } from './progress-schema.ts';
import { tpKey } from './topics.ts';
import { appliedThrough } from './watermark.ts';
import { readOwner } from './owner.ts';

export interface ReplicaProgress {
  name: string;
  /** Events applied: the sum over partitions of (last applied offset + 1). */
  appliedEvents: number;
  /** Source LSN of the newest applied event, and the read-your-writes watermark (see watermark.ts). */
  lastLsn: string | null;
  appliedThrough: string;
  /** Events in Kafka not yet applied; now minus the commit time of the newest applied event. */
  lagEvents: number | null;
  lagMs: number | null;
  deadLettered: number;
  /** Why the newest dead letter could not be applied (a change, or a schema change that cannot be mirrored). */
  lastDeadLetter: string | null;
  partitions: { topic: string; partition: number; offset: string; end: string | null; lsn: string | null }[];
  /** The replicator that claimed the replica last (owner.ts): `name@host/pid`, its epoch and since when. */
  owner: { member: string; epoch: string; since: string } | null;
  error?: string;
}

/**
 * What `status` shows about replication, read from the replicas' own records and the broker's log ends,
 * so it is right whether the replicator runs in-process, detached or elsewhere, or not at all.
 */
export async function replicationStatus(config: Config): Promise<ReplicaProgress[]> {
  const ends = await brokerEnds(config).catch(() => undefined);
  return Promise.all(config.replicas.map((r) => answerWithin(replicaProgress(r, ends), r.name)));
}

/** A hung replica (SIGSTOP, a stuck disk) accepts the connection and never answers: status says so rather than waiting with it. */
const ANSWER_MS = 4_000;

/** The progress of a replica with nothing applied (or nothing known yet). */
const nothingApplied = (name: string): ReplicaProgress => ({
  name,
  appliedEvents: 0,
  lastLsn: null,
  appliedThrough: '0',
  lagEvents: null,
  lagMs: null,
  deadLettered: 0,
  lastDeadLetter: null,
  partitions: [],
  owner: null,
});
async function answerWithin(progress: Promise<ReplicaProgress>, name: string): Promise<ReplicaProgress> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ReplicaProgress>((resolve) => {
    timer = setTimeout(
      () => resolve({ ...nothingApplied(name), error: `no answer within ${ANSWER_MS / 1000} s (the server is hung or overloaded)` }),
      ANSWER_MS,
    );
  });
  try {
    return await Promise.race([progress, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function brokerEnds(config: Config): Promise<Map<string, bigint>> {
  const admin = createKafka(config, 'cqrsctl-status', { retry: { retries: 1, initialRetryTime: 300 } }).admin();
  await admin.connect();
  try {
    return await logEnds(admin, await changeTopics(admin, config));
  } finally {
    await admin.disconnect();
  }
}

async function replicaProgress(r: PgEndpoint, ends: Map<string, bigint> | undefined): Promise<ReplicaProgress> {
  const sql = pgClient(r, { connect_timeout: 2 });
  const empty = nothingApplied(r.name);
  try {
    const [{ exists, owned }] = await sql<{ exists: boolean; owned: boolean }[]>`
      select to_regclass('cqrsctl.applied_offsets') is not null as exists, to_regclass('cqrsctl.owner') is not null as owned`;
    if (!exists) return { ...empty, lagEvents: ends ? sum([...ends.values()]) : null };
    const owner = owned ? await readOwner(sql) : null;
    const positions = await readPositions(sql);
    // Replayed letters are settled; only pending ones are a problem. to_jsonb keeps this working on a replica
    // whose dead_letters predates the replay columns (its replicator adds them when it next starts).
    const [{ n, reason }] = await sql<{ n: number; reason: string | null }[]>`
      with pending as (select reason, dead_at from cqrsctl.dead_letters d where to_jsonb(d) ->> 'replayed_at' is null)
      select count(*)::int as n, (select reason from pending order by dead_at desc limit 1) as reason from pending`;
    const byTp = new Map(positions.map((p) => [tpKey(p.topic, p.partition), p]));
    let lag: bigint | null = null;
    if (ends) {
      lag = 0n;
      for (const [tp, end] of ends) lag += bigMax(0n, end - 1n - (byTp.get(tp)?.offset ?? -1n));
    }
    const newest = positions.reduce<(typeof positions)[number] | undefined>((a, p) => ((p.tsMs ?? 0) > (a?.tsMs ?? 0) ? p : a), undefined);
    return {
      name: r.name,
      appliedEvents: Number(positions.reduce((a, p) => a + p.offset + 1n, 0n)),
      lastLsn:
        positions.reduce<bigint | null>((a, p) => (p.lsn !== null && (a === null || p.lsn > a) ? p.lsn : a), null)?.toString() ?? null,
      appliedThrough: (await appliedThrough(sql)).toString(),
      lagEvents: lag === null ? null : Number(lag),
      lagMs: newest?.tsMs ? Math.max(0, Date.now() - newest.tsMs) : null,
      deadLettered: n,
      lastDeadLetter: reason,
      partitions: positions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        offset: p.offset.toString(),
        end: ends?.get(tpKey(p.topic, p.partition))?.toString() ?? null,
        lsn: p.lsn?.toString() ?? null,
      })),
      owner: owner && { member: owner.member, epoch: owner.epoch.toString(), since: owner.since.toISOString() },
    };
  } catch (e) {
    return { ...empty, error: errorMessage(e) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const sum = (xs: bigint[]) => Number(xs.reduce((a, b) => a + b, 0n));
const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);
