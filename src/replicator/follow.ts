import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import type { Change } from './decode.ts';
import { createKafka } from '../lib/kafka-client.ts';
import { changeTopics, logEnds } from './kafka.ts';
import { startReader, type Reader } from './reader.ts';
import { isInternalTable, isSchemaChange } from './topics.ts';

export interface FollowOptions {
  /** Kafka client id and reader name. */
  name: string;
  /** Start with the oldest event Kafka holds instead of only new ones. */
  fromBeginning?: boolean;
  onChange: (change: Change) => void;
  signal: AbortSignal;
}

/**
 * Follows the change topic until `signal` aborts, calling onChange for every record in the leader's commit
 * order; rejects when the reader crashes. The topic may not exist yet (no connector, no change): it is
 * looked for again every few seconds and read from its beginning once it appears.
 */
export async function followChanges(config: Config, o: FollowOptions): Promise<void> {
  const kafka = createKafka(config, o.name);
  const admin = kafka.admin();
  await admin.connect();
  let topics: string[] = [];
  let reader: Reader | undefined;
  const crashed = new AbortController();
  const stop = AbortSignal.any([o.signal, crashed.signal]);
  try {
    while (!stop.aborted) {
      const now = await changeTopics(admin, config);
      if (now.join() !== topics.join()) {
        // Topics known before start from their end (only new events); topics that appear later from their beginning.
        const start = topics.length || o.fromBeginning ? new Map() : await logEnds(admin, now);
        if (topics.length && !o.fromBeginning) for (const [tp, end] of await logEnds(admin, topics)) start.set(tp, end);
        topics = now;
        await reader?.stop();
        reader = await startReader(kafka, {
          name: o.name,
          topics,
          start,
          onBatch: async (_t, _p, changes) => changes.forEach(o.onChange),
          onCrash: (e) => crashed.abort(e),
        });
      }
      await sleep(3000, undefined, { signal: stop }).catch(() => {});
    }
    if (crashed.signal.aborted) throw crashed.signal.reason as Error;
  } finally {
    await reader?.stop();
    await admin.disconnect();
  }
}

/** What a change says, as people read it: when it committed, which table, what happened, to which row, with what. */
export interface ChangeSummary {
  /** Leader commit time (ms since the epoch), when known. */
  at: number | null;
  /** schema.table, or the DDL command of a schema change. */
  table: string;
  op: 'insert' | 'snapshot' | 'update' | 'delete' | 'truncate' | 'schema change';
  key: string | null;
  /** The columns that changed (every column of a new row), values as JSON, long ones cut. */
  columns: [string, string][];
}

const ops = { c: 'insert', r: 'snapshot', u: 'update', d: 'delete', t: 'truncate' } as const;

/**
 * A change worth showing someone who watches the stream, summarised; null for what is not (tombstones,
 * transaction boundaries, cqrsctl's own bookkeeping rows other than schema changes, other tables than `table`).
 */
export function summarizeChange(c: Change, table?: string): ChangeSummary | null {
  const e = c.event;
  if (!e || (table && `${e.schema}.${e.table}` !== table)) return null;
  if (isInternalTable(e.schema) && !(isSchemaChange(e) && !table)) return null;
  if (isSchemaChange(e)) return { at: e.tsMs, table: String(e.after!.tag), op: 'schema change', key: null, columns: [] };
  const base = { at: e.tsMs, table: `${e.schema}.${e.table}`, op: ops[e.op], key: c.key };
  if (e.op === 't' || e.op === 'd') return { ...base, columns: [] };
  const changed = Object.entries(e.after ?? {}).filter(
    ([k, v]) => e.op !== 'u' || !e.before || JSON.stringify(e.before[k]) !== JSON.stringify(v),
  );
  return { ...base, columns: changed.map(([k, v]) => [k, short(v)]) };
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'null');
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};
