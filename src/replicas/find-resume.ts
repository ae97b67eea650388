import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { formatLsn } from '../pg/lsn.ts';
import { startReader } from '../replicator/reader.ts';
import { changeTopic, tpKey } from '../replicator/topics.ts';
import { ResumeSearch, type ResumePoint } from './resume-point.ts';

/** Records of transactions committed after the point are produced after it was taken; this allows for clock skew. */
const SKEW_MS = 60_000;
/** How long the connector may take to publish a transaction committed after the point (its heartbeat commits every second). */
const PUBLISH_TIMEOUT_MS = 180_000;

/**
 * The offset of the change topic where the first transaction committed after `point` begins (see
 * ResumeSearch). The scan starts at the first record produced a minute before the point was taken (so a
 * long topic is not read from its start), and falls back to the topic's earliest offset when that was not
 * early enough (no transaction before the point seen). It waits for the connector to publish past the point.
 */
export async function findResumePoint(
  config: Config,
  point: bigint,
  takenAtMs: number,
  signal: AbortSignal,
): Promise<ResumePoint & { topic: string }> {
  const topic = changeTopic(config);
  const kafka = createKafka(config, 'cqrsctl-reseed');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = await admin.fetchTopicOffsets(topic).catch(() => []);
    if (partitions.length !== 1) {
      throw new CqrsError(
        partitions.length
          ? `the change topic ${topic} has ${partitions.length} partitions; seeding follows one partition in commit order`
          : `the change topic ${topic} does not exist yet`,
        partitions.length ? undefined : 'Is the connector running? See `cqrsctl connector status`.',
        ExitCode.usage,
      );
    }
    const earliest = BigInt(partitions[0].low);
    const [byTime] = await admin.fetchTopicOffsetsByTimestamp(topic, takenAtMs - SKEW_MS);
    const from = byTime && BigInt(byTime.offset) >= earliest ? BigInt(byTime.offset) : earliest;
    const found = await scan(config, kafka, topic, from, point, signal);
    if (found.last || from === earliest) return { ...found, topic };
    return { ...(await scan(config, kafka, topic, earliest, point, signal)), topic };
  } finally {
    await admin.disconnect();
  }
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
  let settle!: (r: ResumePoint | Error) => void;
  const result = new Promise<ResumePoint | Error>((resolve) => (settle = resolve));
  const reader = await startReader(kafka, {
    name: 'reseed-scan',
    topics: [topic],
    start: new Map([[tpKey(topic, 0), from]]),
    onBatch: async (_t, _p, changes) => {
      try {
        const found = search.push(changes);
        if (found) settle(found);
      } catch (e) {
        settle(e as Error);
      }
    },
    onCrash: (e) => settle(e),
  });
  // The caller gave up (the copy failed): stop reading rather than keep the process alive until the timeout.
  const abort = () => settle(new Error('the search for the resume point was abandoned'));
  signal.addEventListener('abort', abort, { once: true });
  if (signal.aborted) abort();
  const timer = setTimeout(
    () =>
      settle(
        new CqrsError(
          `the connector has not published a transaction committed after the snapshot point ${formatLsn(point)} within ${PUBLISH_TIMEOUT_MS / 1000} s`,
          `Is it running? See \`cqrsctl connector status\` and \`cqrsctl status\` (${config.settings.connectorName}).`,
          ExitCode.failed,
          { retriable: true },
        ),
      ),
    PUBLISH_TIMEOUT_MS,
  );
  try {
    const r = await result;
    if (r instanceof Error) throw r;
    return r;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
    await reader.stop().catch(() => {});
  }
}
