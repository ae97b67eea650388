import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { formatLsn } from '../pg/lsn.ts';
import { startReader } from '../replicator/reader.ts';
import type { Admin } from 'kafkajs';
import { connectClientOf } from '../connect/client.ts';
import { waitUntil } from '../lib/wait.ts';
import type { Change } from '../replicator/decode.ts';
import { changeTopic, tpKey, transactionTopic } from '../replicator/topics.ts';
import { connectorCommittedLsn } from '../replicator/watermark.ts';
import { ResumeSearch, type Committed, type ResumePoint } from './resume-point.ts';

/** Records of transactions committed after the point are produced after it was taken; this allows for clock skew. */
const SKEW_MS = 60_000;
/** How long the connector may take to publish a transaction committed after the point (its heartbeat commits every second). */
const PUBLISH_TIMEOUT_MS = 180_000;

/** Where each partition of a change topic of several partitions resumes (see partitionResume). */
export interface PartitionResume {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * The offset where the first transaction committed after `point` begins (see ResumeSearch): on the change
 * topic, or with several partitions on the transaction topic, plus `tails`, each change partition's first
 * offset of that transaction or a later one. The scan starts at the first record produced a minute before
 * the point was taken (so a long topic is not read from its start), and falls back to the topic's earliest
 * offset when that was not early enough (no transaction before the point seen). It waits for the connector
 * to publish past the point.
 */
export async function findResumePoint(
  config: Config,
  point: bigint,
  takenAtMs: number,
  signal: AbortSignal,
): Promise<ResumePoint & { topic: string; tails: PartitionResume[] }> {
  const kafka = createKafka(config, 'cqrsctl-reseed');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const changes = changeTopic(config);
    const partitions = await admin.fetchTopicOffsets(changes).catch(() => []);
    const spread = partitions.length > 1 && (await admin.listTopics()).includes(transactionTopic(config));
    if (partitions.length !== 1 && !spread) {
      throw new CqrsError(
        partitions.length
          ? `the change topic ${changes} has ${partitions.length} partitions and no transaction topic to order them`
          : `the change topic ${changes} does not exist yet`,
        partitions.length
          ? `Was it made by cqrsctl? \`up --partitions ${partitions.length}\` creates ${transactionTopic(config)} with it.`
          : 'Is the connector running? See `cqrsctl connector status`.',
        ExitCode.usage,
      );
    }
    const topic = spread ? transactionTopic(config) : changes;
    const from = await scanStart(admin, topic, takenAtMs);
    let found = await scan(config, kafka, topic, from.offset, point, signal);
    if (!found.last && from.offset !== from.earliest) found = await scan(config, kafka, topic, from.earliest, point, signal);
    const tails = spread ? await partitionResume(config, kafka, admin, found.first, takenAtMs, signal) : [];
    return { ...found, topic, tails };
  } finally {
    await admin.disconnect();
  }
}

/** The first offset of partition 0 produced a minute before `takenAtMs`, and the earliest one. */
async function scanStart(admin: Admin, topic: string, takenAtMs: number, partition = 0) {
  const earliest = BigInt((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!.low);
  const byTime = (await admin.fetchTopicOffsetsByTimestamp(topic, takenAtMs - SKEW_MS)).find((o) => o.partition === partition);
  return { earliest, offset: byTime && BigInt(byTime.offset) >= earliest ? BigInt(byTime.offset) : earliest };
}

/**
 * Each change partition's resume offset: its first record of transaction `first` (the first one after the
 * point) or of a later one — a change that carries first's xid, or whose source.sequence[0] (the previous
 * commit) is at or past first's commit. Each partition is in commit order, so every record before it is in
 * the copy. Scanned once the connector's committed offset has passed `first` (every record of it and the
 * transactions before it is then in Kafka), up to the log end sampled after; a partition with none resumes
 * at that end.
 */
async function partitionResume(
  config: Config,
  kafka: ReturnType<typeof createKafka>,
  admin: Admin,
  first: Committed,
  takenAtMs: number,
  signal: AbortSignal,
): Promise<PartitionResume[]> {
  const topic = changeTopic(config);
  const committed = connectorCommittedLsn(connectClientOf(config), config.settings.connectorName);
  await waitUntil(
    'the connector to commit past the first transaction after the snapshot',
    async () => ((await committed()) ?? 0n) >= first.commitLsn || undefined,
    {
      timeoutMs: PUBLISH_TIMEOUT_MS,
      intervalMs: 200,
      signal,
    },
  );
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  const after = (r: Change) => !!r.event?.txId && (r.event.txId === first.xid || (r.event.prevCommit ?? -1n) >= first.commitLsn);
  const starts = new Map<number, { offset: bigint; earliest: bigint }>();
  for (const partition of ends.keys()) starts.set(partition, await scanStart(admin, topic, takenAtMs, partition));
  const found = await firstMatching(kafka, topic, new Map([...starts].map(([p, s]) => [p, s.offset])), ends, after, signal);
  // Started too late where the first record read already belongs after the point: that partition from its start.
  const late = [...found].filter(([p, f]) => f.firstRead && starts.get(p)!.offset > starts.get(p)!.earliest);
  if (late.length) {
    const again = await firstMatching(kafka, topic, new Map(late.map(([p]) => [p, starts.get(p)!.earliest])), ends, after, signal);
    for (const [p, f] of again) found.set(p, f);
  }
  return [...found].map(([partition, f]) => ({ topic, partition, offset: f.offset }));
}

/** Per partition, the first offset in [start, end) whose record matches, or end; `firstRead` when it was the first record read. */
async function firstMatching(
  kafka: ReturnType<typeof createKafka>,
  topic: string,
  starts: Map<number, bigint>,
  ends: Map<number, bigint>,
  matches: (r: Change) => boolean,
  signal: AbortSignal,
): Promise<Map<number, { offset: bigint; firstRead: boolean }>> {
  const found = new Map<number, { offset: bigint; firstRead: boolean }>();
  for (const [p, start] of starts) if (start >= ends.get(p)!) found.set(p, { offset: ends.get(p)!, firstRead: false });
  if (found.size === starts.size) return found;
  const timeout = () =>
    new CqrsError(`the change partitions were not read to their ends within ${PUBLISH_TIMEOUT_MS / 1000} s`, undefined, ExitCode.failed, {
      retriable: true,
    });
  const start = new Map([...starts].map(([p, o]) => [tpKey(topic, p), o]));
  return readUntil(kafka, 'reseed-partitions', topic, start, signal, timeout, (partition, changes) => {
    if (found.has(partition) || !starts.has(partition)) return undefined;
    const end = ends.get(partition)!;
    const hit = changes.find((r) => r.offset < end && matches(r));
    if (hit) found.set(partition, { offset: hit.offset, firstRead: hit.offset === starts.get(partition) });
    else if (changes[changes.length - 1].offset >= end - 1n) found.set(partition, { offset: end, firstRead: false });
    return found.size === starts.size ? found : undefined;
  });
}

async function scan(
  config: Config,
  kafka: ReturnType<typeof createKafka>,
  topic: string,
  from: bigint,
  point: bigint,
  signal: AbortSignal,
): Promise<ResumePoint> {
  const search = new ResumeSearch(point);
  const timeout = () =>
    new CqrsError(
      `the connector has not published a transaction committed after the snapshot point ${formatLsn(point)} within ${PUBLISH_TIMEOUT_MS / 1000} s`,
      `Is it running? See \`cqrsctl connector status\` and \`cqrsctl status\` (${config.settings.connectorName}).`,
      ExitCode.failed,
      { retriable: true },
    );
  return readUntil(kafka, 'reseed-scan', topic, new Map([[tpKey(topic, 0), from]]), signal, timeout, (_p, changes) => search.push(changes));
}

/**
 * Reads `topic` from `start` until `step` returns a result. Ends with an error when the reader crashes,
 * `step` throws, the caller gives up (`signal`: the copy failed, so the process is not kept alive until the
 * timeout) or PUBLISH_TIMEOUT_MS pass.
 */
async function readUntil<T>(
  kafka: ReturnType<typeof createKafka>,
  name: string,
  topic: string,
  start: Map<string, bigint>,
  signal: AbortSignal,
  timeout: () => Error,
  step: (partition: number, changes: Change[]) => T | undefined,
): Promise<T> {
  let settle!: (r: { value: T } | Error) => void;
  const result = new Promise<{ value: T } | Error>((resolve) => (settle = resolve));
  const reader = await startReader(kafka, {
    name,
    topics: [topic],
    start,
    onBatch: async (_t, partition, changes) => {
      try {
        const value = step(partition, changes);
        if (value !== undefined) settle({ value });
      } catch (e) {
        settle(e as Error);
      }
    },
    onCrash: (e) => settle(e),
  });
  const abort = () => settle(new Error('the search for the resume point was abandoned'));
  signal.addEventListener('abort', abort, { once: true });
  if (signal.aborted) abort();
  const timer = setTimeout(() => settle(timeout()), PUBLISH_TIMEOUT_MS);
  try {
    const r = await result;
    if (r instanceof Error) throw r;
    return r.value;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
    await reader.stop().catch(() => {});
  }
}
